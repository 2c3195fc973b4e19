#!/usr/bin/env python3
"""Notifications under load: 16 client threads create conversations through Google's Python
Insights client (gRPC) against `ccai-lro emulator --pubsub-emulator-host`, pointed at Google's
Pub/Sub emulator. Half the rounds create in a location whose settings send
`create-conversation` to a topic, half in one with no notification settings, interleaved, so
the two latency distributions come from the same run. Prints the notifications published per
second (from the emulator's `GET /notifications` counts) and CreateConversation's p50 and p99
with notifications on and off.

    /tmp/venv/bin/pip install google-cloud-contact-center-insights google-cloud-pubsub
    cargo build --release
    /tmp/venv/bin/python tools/bench_notifications.py target/release/ccai-lro
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import grpc
from google.api_core import protobuf_helpers
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud import pubsub_v1
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)

sys.path.insert(0, os.path.dirname(__file__))
from interop_data_python import free_port, wait_for  # noqa: E402

THREADS = 16
ROUNDS = 6
PER_THREAD = 40
TOPIC = "projects/bench/topics/conversations"


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main(binary):
    if shutil.which("gcloud") is None:
        print("bench-notifications: skipped: gcloud not found")
        return
    data = tempfile.mkdtemp(prefix="bench-pubsub-")
    port = free_port()
    pubsub = subprocess.Popen(["gcloud", "beta", "emulators", "pubsub", "start", f"--host-port=127.0.0.1:{port}",
                               f"--data-dir={data}", "--quiet"], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    emu = None
    try:
        wait_for_long(port)
        os.environ["PUBSUB_EMULATOR_HOST"] = f"127.0.0.1:{port}"
        pubsub_v1.PublisherClient().create_topic(name=TOPIC)
        emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0",
                                "--pubsub-emulator-host", f"http://127.0.0.1:{port}"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        addr = emu.stdout.readline().strip()
        transport = ContactCenterInsightsGrpcTransport(channel=grpc.insecure_channel(addr),
                                                       credentials=AnonymousCredentials())
        c = insights.ContactCenterInsightsClient(transport=transport)
        on, off = "projects/bench/locations/on", "projects/bench/locations/off"
        settings = insights.Settings(name=f"{on}/settings",
                                     pubsub_notification_settings={"create-conversation": TOPIC})
        c.update_settings(settings=settings,
                          update_mask=protobuf_helpers.field_mask(None, type(settings).pb(settings)))
        latencies = {on: [], off: []}
        lock = threading.Lock()

        def worker(loc):
            mine = []
            for _ in range(PER_THREAD):
                t = time.perf_counter()
                c.create_conversation(parent=loc, conversation=insights.Conversation(agent_id="a"))
                mine.append(time.perf_counter() - t)
            with lock:
                latencies[loc].extend(mine)

        started = time.perf_counter()
        for r in range(ROUNDS):
            for loc in ([on, off] if r % 2 == 0 else [off, on]):
                threads = [threading.Thread(target=worker, args=(loc,)) for _ in range(THREADS)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
        sent = len(latencies[on])
        counts = {}
        for _ in range(300):
            counts = json.load(urllib.request.urlopen(f"http://{addr}/notifications"))
            if counts.get("published", 0) + counts.get("dropped", 0) >= sent:
                break
            time.sleep(0.1)
        took = time.perf_counter() - started
        print(f"notifications: {counts.get('published')} published, {counts.get('dropped')} dropped of {sent}, "
              f"{counts.get('published', 0) / took:.0f}/s over the run ({THREADS} threads creating conversations)")
        for loc, label in ((on, "on"), (off, "off")):
            ms = [x * 1000 for x in latencies[loc]]
            print(f"CreateConversation, notifications {label}: p50 {percentile(ms, 0.5):.2f} ms, "
                  f"p99 {percentile(ms, 0.99):.2f} ms ({len(ms)} calls)")
        p99_on = percentile(latencies[on], 0.99)
        p99_off = percentile(latencies[off], 0.99)
        print(f"p99 on/off: {p99_on / p99_off:.3f} (goal <= 1.05)")
    finally:
        if emu is not None:
            emu.terminate()
            emu.wait(timeout=10)
        try:
            os.killpg(pubsub.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        pubsub.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


def wait_for_long(port):
    for _ in range(60):
        try:
            wait_for(port)
            return
        except RuntimeError:
            pass
    raise RuntimeError(f"the Pub/Sub emulator did not listen on {port}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
