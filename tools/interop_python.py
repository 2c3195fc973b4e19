#!/usr/bin/env python3
"""Google's official Python client against `ccai-lro emulator`, over gRPC and over REST, unchanged
but for the endpoint.

Not part of `cargo test` (it needs PyPI): a manual check that the emulator speaks the real
protocol. Recipe:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install google-cloud-contact-center-insights
    cargo build --release
    /tmp/venv/bin/python tools/interop_python.py target/release/ccai-lro

With `--tls` the emulator serves TLS with a certificate made for the run (by `openssl`), and
the client trusts its CA: `grpc.ssl_channel_credentials` for gRPC, `REQUESTS_CA_BUNDLE` for
HTTPS REST.

    /tmp/venv/bin/python tools/interop_python.py target/release/ccai-lro --tls

It starts one emulator on 127.0.0.1:0, then through the official client, once with
`transport="grpc"` and once with `transport="rest"` against the same port: starts
CreateIssueModel and takes its IssueModel from the LRO future, gets, lists and cancels
operations, and expects NOT_FOUND for an unknown name. Exit 0 and a last line `interop: ok`
mean it all worked.
"""
import os
import subprocess
import sys
import tempfile

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


def certificates():
    """A CA and a certificate for localhost signed by it, made by openssl in a fresh dir."""
    d = tempfile.mkdtemp()
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=interop CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


def main(binary, tls):
    args = [binary, "emulator", "--listen", "127.0.0.1:0"]
    pki = certificates() if tls else None
    if pki:
        args += ["--tls-cert", os.path.join(pki, "server.pem"), "--tls-key", os.path.join(pki, "server.key")]
    emu = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        addr = emu.stdout.readline().strip()
        port = addr.rsplit(":", 1)[1]
        if pki:
            ca = open(os.path.join(pki, "ca.pem"), "rb").read()
            channel = grpc.secure_channel(f"localhost:{port}", grpc.ssl_channel_credentials(root_certificates=ca))
            os.environ["REQUESTS_CA_BUNDLE"] = os.path.join(pki, "ca.pem")
            endpoint = f"https://localhost:{port}"
        else:
            channel = grpc.insecure_channel(addr)
            endpoint = f"http://{addr}"
        transport = ContactCenterInsightsGrpcTransport(channel=channel, credentials=AnonymousCredentials())
        client = insights.ContactCenterInsightsClient(transport=transport)
        flow(client, transport.operations_client, "grpc+tls" if tls else "grpc")

        rest = insights.ContactCenterInsightsClient(
            transport="rest",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": endpoint},
        )
        flow(rest, Mixins(rest), "https" if tls else "rest")
        print("interop: ok")
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    rest = [a for a in sys.argv[1:] if a != "--tls"]
    main(rest[0] if rest else "target/release/ccai-lro", "--tls" in sys.argv[1:])
