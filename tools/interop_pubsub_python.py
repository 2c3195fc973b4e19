#!/usr/bin/env python3
"""The emulator's Pub/Sub notifications with real components: Google's Pub/Sub emulator (gcloud)
holds the topics, google-cloud-pubsub makes them and pulls from them, and Google's Python
Insights client drives `ccai-lro emulator --pubsub-emulator-host` over gRPC and over REST:
settings enabled as Google's sample `enable_pubsub_notifications` does (an unknown trigger key
and a value not a topic refused), then a conversation created from a transcript, an analysis of
it and an upload, each published once to its trigger's topic with the `trigger` and `resource`
attributes and the REST JSON as data; the emulator's `GET /notifications` lists the same.

Not part of `cargo test`: it needs PyPI and gcloud with the Pub/Sub emulator (apt's
google-cloud-cli-pubsub-emulator); without gcloud it says it skipped and exits 0. Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights \\
        google-cloud-pubsub
    cargo build --release
    /tmp/venv/bin/python tools/interop_pubsub_python.py target/release/ccai-lro

Exit 0 and a last line `interop-pubsub: ok` mean it all held.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import grpc
from google.api_core import exceptions, protobuf_helpers
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud import pubsub_v1
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)

# Trigger key -> topic, as the settings name them; each topic has a pull subscription of its name.
TOPICS = {"create-conversation": "projects/interop/topics/conversations",
          "create-analysis": "projects/interop/topics/analyses",
          "upload-conversation": "projects/interop/topics/uploads"}
SUBSCRIPTIONS = {key: topic.replace("/topics/", "/subscriptions/") for key, topic in TOPICS.items()}
TRANSCRIPT = "gs://interop-calls/chat.json"
CHAT = {"entries": [
    {"text": "My bill is wrong.", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": 1765000000000000},
    {"text": "Let me fix the invoice.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1765000005000000}]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=10, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    tail = open(log).read()[-2000:] if log else ""
    raise RuntimeError(f"nothing listens on {port} after {seconds} s\n{tail}")


def start_pubsub(port, log):
    # gcloud (Python) starts the emulator (Java) as its child: a session of their own lets the
    # teardown stop both with one killpg.
    return subprocess.Popen(["gcloud", "beta", "emulators", "pubsub", "start", f"--host-port=127.0.0.1:{port}",
                             f"--data-dir={os.path.dirname(log)}", "--quiet"],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)


def stop_pubsub(proc):
    # SIGTERM to gcloud and the JVM, then waits for the whole group to be gone (SIGKILL after 10 s).
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + 10
        try:
            os.killpg(proc.pid, sig)
            while time.monotonic() < deadline:
                proc.poll()  # reaps gcloud: unreaped, it would keep the group alive
                os.killpg(proc.pid, 0)
                time.sleep(0.2)
        except ProcessLookupError:
            return


def make_topics(port):
    os.environ["PUBSUB_EMULATOR_HOST"] = f"127.0.0.1:{port}"  # read when the clients are made
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    for key, topic in TOPICS.items():
        publisher.create_topic(name=topic)
        subscriber.create_subscription(name=SUBSCRIPTIONS[key], topic=topic)
    print(f"pubsub: {len(TOPICS)} topics and their pull subscriptions made with google-cloud-pubsub")
    return subscriber


def pull_once(subscriber, key):
    # return_immediately (deprecated in the API, honoured by the emulator) answers at once when
    # nothing is there, instead of holding the pull open for seconds.
    answer = subscriber.pull(request={"subscription": SUBSCRIPTIONS[key], "max_messages": 10,
                                      "return_immediately": True}, timeout=10)
    if answer.received_messages:
        subscriber.acknowledge(request={"subscription": SUBSCRIPTIONS[key],
                                        "ack_ids": [m.ack_id for m in answer.received_messages]})
    return [(TOPICS[key], dict(m.message.attributes), json.loads(m.message.data)) for m in answer.received_messages]


def pull(subscriber, key, count):
    """(topic, attributes, data) of what the subscription of `key` got, acked: pulls until `count`
    came (for up to 20 s: publishing may follow the answer), then once more a second later so
    that a message published twice shows."""
    got, deadline = [], time.monotonic() + 20
    while len(got) < count and time.monotonic() < deadline:
        batch = pull_once(subscriber, key)
        got += batch
        if not batch:
            time.sleep(0.2)
    time.sleep(1)
    return got + pull_once(subscriber, key)


def one(got, key, resource):
    """The data of the one message `got` should be: trigger `key` about `resource`."""
    assert len(got) == 1, (key, got)
    attributes = got[0][1]
    assert attributes.get("trigger") == key and attributes.get("resource") == resource, (attributes, resource)
    return got[0][2]


def by_resource(message):
    return message[1].get("resource", ""), message[0]


def listed(addr, resources):
    """The emulator's record of the messages about `resources`, as pull answers them."""
    with urllib.request.urlopen(f"http://{addr}/notifications", timeout=10) as answer:
        notifications = json.load(answer)["notifications"]
    return [(n["topic"], n["attributes"], n["data"]) for n in notifications
            if n.get("attributes", {}).get("resource") in resources]


def drive(c, subscriber, addr, loc, label):
    settings = insights.Settings(name=f"{loc}/settings", pubsub_notification_settings=TOPICS)
    # As Google's sample enable_pubsub_notifications: the mask names every field set, `name` too.
    updated = c.update_settings(settings=settings,
                                update_mask=protobuf_helpers.field_mask(None, type(settings).pb(settings)))
    assert dict(updated.pubsub_notification_settings) == TOPICS, updated.pubsub_notification_settings
    print(f"{label}: settings with the published sample's mask ok")
    for bad in ({"no-such-trigger": TOPICS["create-conversation"]}, {"create-analysis": "analyses"}):
        wrong = insights.Settings(name=f"{loc}/settings", pubsub_notification_settings=bad)
        try:
            c.update_settings(settings=wrong, update_mask=protobuf_helpers.field_mask(None, type(wrong).pb(wrong)))
            raise AssertionError(f"accepted {bad}")
        except exceptions.BadRequest:  # InvalidArgument over gRPC; over REST api-core raises 400's class
            pass
    kept = dict(c.get_settings(name=f"{loc}/settings").pubsub_notification_settings)
    assert kept == TOPICS, kept
    print(f"{label}: an unknown trigger key and a value not a topic refused, the settings kept ok")

    source = insights.ConversationDataSource(gcs_source=insights.GcsSource(transcript_uri=TRANSCRIPT))
    conv = c.create_conversation(parent=loc, conversation=insights.Conversation(data_source=source))
    assert conv.turn_count == 2, conv.turn_count
    analysis = c.create_analysis(parent=conv.name, analysis=insights.Analysis()).result(timeout=30)
    upload = c.upload_conversation(request={"parent": loc, "conversation": insights.Conversation(data_source=source)})
    uploaded = upload.result(timeout=30)
    op_name = upload.operation.name

    # The upload's conversation is published as upload-conversation (its key is set), not also
    # as create-conversation: one message each.
    got = {key: pull(subscriber, key, 1) for key in TOPICS}
    data = one(got["create-conversation"], "create-conversation", conv.name)
    assert data.get("name") == conv.name and data.get("turnCount") == 2, data
    print(f"{label}: create-conversation published the conversation once ok")
    data = one(got["create-analysis"], "create-analysis", analysis.name)
    assert data.get("name") == analysis.name, data
    print(f"{label}: create-analysis published the analysis once ok")
    data = one(got["upload-conversation"], "upload-conversation", op_name)
    response = data.get("response", {})
    assert data.get("name") == op_name and data.get("done") is True and response.get("name") == uploaded.name, data
    assert response.get("@type", "").endswith("v1.Conversation"), data
    print(f"{label}: upload-conversation published the finished operation once ok")

    pulled = sorted((m for messages in got.values() for m in messages), key=by_resource)
    record = sorted(listed(addr, {conv.name, analysis.name, op_name}), key=by_resource)
    assert record == pulled, (record, pulled)
    print(f"{label}: GET /notifications lists the same messages ok")


def main(binary):
    if shutil.which("gcloud") is None:
        print("interop-pubsub: skipped: gcloud not found")
        return
    with tempfile.TemporaryDirectory(prefix="interop-pubsub-") as tmp:
        storage, log = os.path.join(tmp, "storage"), os.path.join(tmp, "pubsub", "emulator.log")
        for folder in (os.path.join(storage, "interop-calls"), os.path.dirname(log)):
            os.makedirs(folder)
        with open(os.path.join(storage, "interop-calls", "chat.json"), "w") as f:
            json.dump(CHAT, f)  # gs://interop-calls/chat.json for --storage-dir
        port = free_port()
        pubsub, emu = start_pubsub(port, log), None
        try:
            wait_for(port, seconds=60, log=log)  # the JVM takes seconds to start
            subscriber = make_topics(port)
            # Without PUBSUB_EMULATOR_HOST, so that the flag is what tells the emulator.
            env = {k: v for k, v in os.environ.items() if k != "PUBSUB_EMULATOR_HOST"}
            emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0", "--op-duration", "200ms",
                                    "--pubsub-emulator-host", f"http://127.0.0.1:{port}", "--storage-dir", storage],
                                   stdout=subprocess.PIPE, text=True, env=env)
            addr = emu.stdout.readline().strip()
            assert addr, f"{binary} emulator did not start (exit {emu.wait(timeout=10)})"
            channel = grpc.insecure_channel(addr)
            transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
            drive(insights.ContactCenterInsightsClient(transport=transport), subscriber, addr,
                  "projects/interop/locations/grpc", "grpc")
            rest = insights.ContactCenterInsightsClient(transport="rest", credentials=AnonymousCredentials(),
                                                        client_options={"api_endpoint": f"http://{addr}"})
            drive(rest, subscriber, addr, "projects/interop/locations/rest", "rest")
            print("interop-pubsub: ok")
        finally:
            if emu is not None:
                emu.terminate()
                emu.wait(timeout=10)
            stop_pubsub(pubsub)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
