#!/usr/bin/env python3
"""The emulator's data plane with real components: Google's Python storage client writes
transcripts into a GCS emulator from PyPI (gcp-storage-emulator), and Google's Python Insights
client drives `ccai-lro emulator --storage-emulator-host` over gRPC and over REST: conversations
created and uploaded from those transcripts, an ingest of a prefix (twice: duplicates skipped;
a bad object named), analyses with a phrase matcher and silence, an issue model whose issues
exist, and CalculateStats.

Not part of `cargo test` (it needs PyPI). Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights \\
        google-cloud-storage gcp-storage-emulator
    cargo build --release
    /tmp/venv/bin/python tools/interop_data_python.py target/release/ccai-lro

Exit 0 and a last line `interop-data: ok` mean it all held.
"""
import json
import os
import socket
import subprocess
import sys
import time

import grpc
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud import storage
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)

BUCKET = "interop-transcripts"


def chat(turns):
    entries = [{"text": text, "role": role, "user_id": 1 if role == "AGENT" else 2,
                "start_timestamp_usec": 1765000000000000 + i * 5_000_000}
               for i, (role, text) in enumerate(turns)]
    return json.dumps({"conversation_info": {"categories": []}, "entries": entries})


BILLING = chat([("AGENT", "Hello, how can I help?"), ("CUSTOMER", "My bill is wrong."),
                ("AGENT", "I fixed the invoice."), ("CUSTOMER", "Thanks.")])
DELIVERY = chat([("AGENT", "Hi there."), ("CUSTOMER", "My parcel is late."), ("AGENT", "It arrives tomorrow.")])
VOICE = json.dumps({"results": [
    {"alternatives": [{"transcript": "hello there", "confidence": 0.9, "words": [
        {"word": "hello", "startOffset": "1s", "endOffset": "1.500s"},
        {"word": "there", "startOffset": "1.500s", "endOffset": "2s"}]}], "channelTag": 1,
     "resultEndOffset": "2s"},
    {"alternatives": [{"transcript": "my bill is wrong", "confidence": 0.8, "words": [
        {"word": "my", "startOffset": "5s", "endOffset": "6s"},
        {"word": "wrong", "startOffset": "6s", "endOffset": "8s"}]}], "channelTag": 2,
     "resultEndOffset": "10s"}]})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def write_transcripts(gcs_port):
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{gcs_port}"
    client = storage.Client(project="interop", credentials=AnonymousCredentials())
    bucket = client.create_bucket(BUCKET)
    for name, body in [("calls/billing.json", BILLING), ("calls/voice.json", VOICE),
                       ("ingest/a.json", BILLING), ("ingest/b.json", DELIVERY),
                       ("ingest/bad.json", '{"entries": [{"role": "AGENT"}]}')]:
        bucket.blob(name).upload_from_string(body, content_type="application/json")
    print(f"storage: wrote 5 objects to gs://{BUCKET} with google-cloud-storage")


def uri(name):
    return f"gs://{BUCKET}/{name}"


def drive(c, loc, label):
    source = lambda name: insights.ConversationDataSource(gcs_source=insights.GcsSource(transcript_uri=uri(name)))
    conv = c.create_conversation(parent=loc, conversation=insights.Conversation(
        data_source=source("calls/billing.json"), labels={"issue": "Billing"}))
    assert conv.turn_count == 4, conv.turn_count
    assert conv.duration.total_seconds() == 15, conv.duration
    roles = [s.segment_participant.role for s in conv.transcript.transcript_segments]
    assert roles == [insights.ConversationParticipant.Role.HUMAN_AGENT,
                     insights.ConversationParticipant.Role.END_USER] * 2, roles
    assert conv.start_time.timestamp() == 1765000000, conv.start_time
    try:
        c.create_conversation(parent=loc, conversation=insights.Conversation(data_source=source("calls/none.json")))
        raise AssertionError("a missing object was accepted")
    except exceptions.NotFound as e:
        assert "calls/none.json" in str(e), e

    voice = c.upload_conversation(request={"parent": loc, "conversation": insights.Conversation(
        data_source=source("calls/voice.json"),
        call_metadata=insights.Conversation.CallMetadata(agent_channel=1, customer_channel=2))}).result(timeout=30)
    assert voice.turn_count == 2 and voice.duration.total_seconds() == 10, voice
    print(f"{label}: create and upload derive turns, roles, duration and start time ok")

    op = c.ingest_conversations(request={"parent": loc, "gcs_source": {"bucket_uri": uri("ingest")},
                                         "transcript_object_config": {"medium": "CHAT"}})
    op.result(timeout=30)
    stats = op.metadata.ingest_conversations_stats
    assert (stats.processed_object_count, stats.successful_ingest_count, stats.duplicates_skipped_count,
            stats.failed_ingest_count) == (3, 2, 0, 1), stats
    assert any("ingest/bad.json" in e.message for e in op.metadata.partial_errors), op.metadata.partial_errors
    again = c.ingest_conversations(request={"parent": loc, "gcs_source": {"bucket_uri": uri("ingest")},
                                            "transcript_object_config": {"medium": "CHAT"}})
    again.result(timeout=30)
    stats = again.metadata.ingest_conversations_stats
    assert (stats.processed_object_count, stats.duplicates_skipped_count) == (3, 2), stats
    print(f"{label}: ingest counts add up, duplicates skipped, the bad object named ok")

    matcher = c.create_phrase_matcher(parent=loc, phrase_matcher=insights.PhraseMatcher(
        display_name="bill", type_=insights.PhraseMatcher.PhraseMatcherType.ANY_OF, active=True,
        phrase_match_rule_groups=[insights.PhraseMatchRuleGroup(
            type_=insights.PhraseMatchRuleGroup.PhraseMatchRuleGroupType.ANY_OF,
            phrase_match_rules=[insights.PhraseMatchRule(query="bill")])]))
    analysis = c.create_analysis(parent=conv.name, analysis=insights.Analysis()).result(timeout=30)
    found = analysis.analysis_result.call_analysis_metadata
    assert list(found.phrase_matchers) == [matcher.name], found.phrase_matchers
    assert [a.annotation_start_boundary.transcript_index for a in found.annotations] == [1], found.annotations
    silent = c.create_analysis(parent=voice.name, analysis=insights.Analysis()).result(timeout=30)
    silence = silent.analysis_result.call_analysis_metadata.silence
    assert silence.silence_duration.total_seconds() == 6 and abs(silence.silence_percentage - 60) < 1e-3, silence
    stats = c.calculate_stats(location=loc)
    assert stats.custom_highlighter_matches[matcher.name] == 2, stats.custom_highlighter_matches
    print(f"{label}: analyses find the phrase matcher and silence; CalculateStats counts them ok")

    model = c.create_issue_model(parent=loc, issue_model=insights.IssueModel(display_name="topics")).result(timeout=30)
    named = dict(model.training_stats.issue_stats)
    issues = {i.name: i.display_name for i in c.list_issues(parent=model.name).issues}
    assert set(named) == set(issues) and list(issues.values()) == ["Billing"], (named, issues)
    for name in named:
        assert c.get_issue(name=name).display_name == "Billing"
    assert model.training_stats.analyzed_conversations_count == 4, model.training_stats
    print(f"{label}: the issue model's issues exist, its counts were counted ok")


def main(binary):
    gcs_port = free_port()
    gcs = subprocess.Popen([sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1",
                            "--port", str(gcs_port), "--in-memory", "-q"])
    emu = None
    try:
        wait_for(gcs_port)
        write_transcripts(gcs_port)
        emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0", "--op-duration", "200ms",
                                "--storage-emulator-host", f"http://127.0.0.1:{gcs_port}"],
                               stdout=subprocess.PIPE, text=True)
        addr = emu.stdout.readline().strip()
        channel = grpc.insecure_channel(addr)
        transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        drive(insights.ContactCenterInsightsClient(transport=transport), "projects/interop/locations/grpc", "grpc")
        rest = insights.ContactCenterInsightsClient(transport="rest", credentials=AnonymousCredentials(),
                                                    client_options={"api_endpoint": f"http://{addr}"})
        drive(rest, "projects/interop/locations/rest", "rest")
        print("interop-data: ok")
    finally:
        for p in (emu, gcs):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
