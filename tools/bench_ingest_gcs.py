#!/usr/bin/env python3
"""Ingest throughput from a real GCS emulator: 1,000 chat transcripts of 20 entries written
with Google's storage client into gcp-storage-emulator (PyPI), then one IngestConversations of
the prefix from Google's Insights client against `ccai-lro emulator --storage-emulator-host`.
The emulator reads and parses every object before the operation exists, so the starting call
is what is timed. (The folder figure is `cargo run --release --example bench_data`.)

    /tmp/venv/bin/pip install google-cloud-contact-center-insights google-cloud-storage gcp-storage-emulator
    cargo build --release
    /tmp/venv/bin/python tools/bench_ingest_gcs.py target/release/ccai-lro
"""
import json
import os
import subprocess
import sys
import time

import grpc
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud import storage
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)

from interop_data_python import free_port, wait_for

OBJECTS = 1000
LINES = ["Thanks for calling, how can I help you today with your account?",
         "My last invoice shows a charge I do not recognise from the twelfth.",
         "Let me look at that for you; can you confirm the last four digits?",
         "Sure, they are four two one nine, and the charge was forty dollars."]


def chat(seed):
    return json.dumps({"entries": [
        {"text": LINES[(i + seed) % 4], "role": "AGENT" if i % 2 == 0 else "CUSTOMER", "user_id": i % 2 + 1,
         "start_timestamp_usec": 1765000000000000 + (seed * 1000 + i) * 4000000} for i in range(20)]})


def main(binary):
    port = free_port()
    gcs = subprocess.Popen([sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1",
                            "--port", str(port), "--in-memory", "-q"])
    emu = None
    try:
        wait_for(port)
        os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{port}"
        bucket = storage.Client(project="bench", credentials=AnonymousCredentials()).create_bucket("bench-transcripts")
        size = 0
        for i in range(OBJECTS):
            body = chat(i)
            size += len(body)
            bucket.blob(f"calls/{i:05}.json").upload_from_string(body, content_type="application/json")
        emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0",
                                "--storage-emulator-host", f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
        addr = emu.stdout.readline().strip()
        transport = ContactCenterInsightsGrpcTransport(channel=grpc.insecure_channel(addr),
                                                       credentials=AnonymousCredentials())
        c = insights.ContactCenterInsightsClient(transport=transport)
        started = time.perf_counter()
        op = c.ingest_conversations(request={"parent": "projects/bench/locations/us-central1",
                                             "gcs_source": {"bucket_uri": "gs://bench-transcripts/calls"}},
                                    timeout=600)
        took = time.perf_counter() - started
        op.result(timeout=60)
        stats = op.metadata.ingest_conversations_stats
        assert stats.successful_ingest_count == OBJECTS, stats
        print(f"ingest from gcp-storage-emulator: {OBJECTS} chat transcripts of 20 entries ({size >> 10} KiB), "
              f"{OBJECTS / took:.0f} conversations/s ({took:.3f} s)")
    finally:
        for p in (emu, gcs):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
