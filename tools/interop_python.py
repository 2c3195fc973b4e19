#!/usr/bin/env python3
"""Google's official Python client against `ccai-lro emulator`, over gRPC and over REST, unchanged
but for the endpoint.

Not part of `cargo test` (it needs PyPI): a manual check that the emulator speaks the real
protocol. Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights
    cargo build --release
    /tmp/venv/bin/python tools/interop_python.py target/release/ccai-lro

It starts one emulator on 127.0.0.1:0, then through the official client, once with
`transport="grpc"` and once with `transport="rest"` against the same port: starts
CreateIssueModel and takes its IssueModel from the LRO future, gets, lists and cancels
operations, and expects NOT_FOUND for an unknown name. Exit 0 and a last line `interop: ok`
mean it all worked.
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


class Mixins:
    """The client's own Operations methods (the REST path: api-core's REST operations client
    fails before sending a cancel, `KeyError: 'body'`, because the published cancel binding has
    no body)."""

    def __init__(self, client):
        self.client = client

    def get_operation(self, name):
        return self.client.get_operation(request={"name": name})

    def list_operations(self, name, filter_):
        return self.client.list_operations(request={"name": name, "filter": filter_}).operations

    def cancel_operation(self, name):
        return self.client.cancel_operation(request={"name": name})


def flow(client, ops, label):
    model = insights.IssueModel(display_name=f"interop topics {label}")
    model.input_data_config.medium = insights.Conversation.Medium.CHAT
    model.input_data_config.filter = 'medium="CHAT"'
    lro = client.create_issue_model(parent=PARENT, issue_model=model)
    result = lro.result(timeout=30)
    assert isinstance(result, insights.IssueModel), type(result)
    assert result.display_name == f"interop topics {label}", result
    assert result.state == insights.IssueModel.State.UNDEPLOYED, result.state
    meta = lro.metadata
    assert isinstance(meta, insights.CreateIssueModelMetadata), type(meta)
    print(f"{label}: created {result.name} via {lro.operation.name}")

    got = ops.get_operation(name=lro.operation.name)
    assert got.done and got.name == lro.operation.name

    running = client.deploy_issue_model(name=result.name)
    listed = list(ops.list_operations(name=PARENT, filter_=""))
    names = [o.name for o in listed]
    assert lro.operation.name in names and running.operation.name in names, names
    ops.cancel_operation(name=running.operation.name)
    cancelled = ops.get_operation(name=running.operation.name)
    assert cancelled.done and cancelled.error.code == 1, cancelled

    try:
        ops.get_operation(name=PARENT + "/operations/does-not-exist")
        raise AssertionError("expected NOT_FOUND")
    except exceptions.NotFound:
        pass
    print(f"{label}: ok")


def main(binary):
    emu = subprocess.Popen([binary, "emulator", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        addr = emu.stdout.readline().strip()
        channel = grpc.insecure_channel(addr)
        transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        client = insights.ContactCenterInsightsClient(transport=transport)
        flow(client, transport.operations_client, "grpc")

        rest = insights.ContactCenterInsightsClient(
            transport="rest",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": f"http://{addr}"},
        )
        flow(rest, Mixins(rest), "rest")
        print("interop: ok")
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/ccai-lro")
