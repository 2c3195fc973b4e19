#!/usr/bin/env python3
"""Google's official Python client against `ccai-lro emulator`, unchanged but for the channel.

Not part of `cargo test` (it needs PyPI): a manual check that the emulator speaks the real
protocol. Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights
    cargo build --release
    /tmp/venv/bin/python tools/interop_python.py target/release/ccai-lro

It starts the emulator on 127.0.0.1:0, then through the official client: starts CreateIssueModel
and takes its IssueModel from the LRO future, gets, lists and cancels operations, and expects
NOT_FOUND for an unknown name. Exit 0 and a last line `interop: ok` mean it all worked.
"""
import subprocess
import sys

import grpc
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import contact_center_insights_v1 as insights
from google.cloud.contact_center_insights_v1.services.contact_center_insights.transports import (
    ContactCenterInsightsGrpcTransport,
)
from google.longrunning import operations_pb2

PARENT = "projects/interop/locations/us-central1"


def main(binary):
    emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        addr = emu.stdout.readline().strip()
        channel = grpc.insecure_channel(addr)
        transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        client = insights.ContactCenterInsightsClient(transport=transport)

        model = insights.IssueModel(display_name="interop topics")
        model.input_data_config.medium = insights.Conversation.Medium.CHAT
        model.input_data_config.filter = 'medium="CHAT"'
        lro = client.create_issue_model(parent=PARENT, issue_model=model)
        result = lro.result(timeout=30)
        assert isinstance(result, insights.IssueModel), type(result)
        assert result.display_name == "interop topics", result
        assert result.state == insights.IssueModel.State.UNDEPLOYED, result.state
        meta = lro.metadata
        assert isinstance(meta, insights.CreateIssueModelMetadata), type(meta)
        print(f"created {result.name} via {lro.operation.name}")

        ops = transport.operations_client
        got = ops.get_operation(lro.operation.name)
        assert got.done and got.name == lro.operation.name

        running = client.deploy_issue_model(name=result.name)
        listed = list(ops.list_operations(PARENT, filter_=""))
        names = [o.name for o in listed]
        assert lro.operation.name in names and running.operation.name in names, names
        ops.cancel_operation(running.operation.name)
        cancelled = ops.get_operation(running.operation.name)
        assert cancelled.done and cancelled.error.code == 1, cancelled

        try:
            ops.get_operation(PARENT + "/operations/does-not-exist")
            raise AssertionError("expected NOT_FOUND")
        except exceptions.NotFound:
            pass
        print("interop: ok")
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
