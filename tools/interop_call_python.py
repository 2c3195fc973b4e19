#!/usr/bin/env python3
"""`ccai-lro call` against a grpcio server built from Google's published Python types.

For each of the 74 Insights RPCs: a request made with Google's own classes (the routing field
and every top-level scalar set) goes to the CLI as protobuf's JSON; the server, which decodes
with Google's classes, must receive exactly those fields, the routing header of the RPC's HTTP
rule and x-goog-api-client; the CLI must print protobuf's own JSON of the answer. Then a
NOT_FOUND with a ResourceInfo detail (exit 3, the detail shown) and bad input (exit 2, no RPC).

    python3 -m venv /tmp/venv
    /tmp/venv/bin/pip install google-cloud-contact-center-insights grpcio
    /tmp/venv/bin/python tools/interop_call_python.py target/release/ccai-lro

Not part of `cargo test`: it needs Google's packages from PyPI.
"""
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from concurrent import futures

import grpc
from google.cloud import contact_center_insights_v1 as v1
from google.longrunning import operations_pb2
from google.protobuf import empty_pb2, json_format
from google.rpc import error_details_pb2, status_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = json.load(open(os.path.join(ROOT, "tests", "reference", "schema.json")))
SERVICE = "google.cloud.contactcenterinsights.v1.ContactCenterInsights"
RPCS = SCHEMA["services"][SERVICE]


def pb_class(full):
    """Google's class for a message: (deserialize, serialize, to_pb, new)."""
    if full == "google.protobuf.Empty":
        return empty_pb2.Empty
    if full == "google.longrunning.Operation":
        return operations_pb2.Operation
    return getattr(v1, full.rsplit(".", 1)[1]).pb()


def example(template):
    return "/".join("x1" if s == "*" else s for s in template.split("/"))


def routing(rule):
    var = rule["uri"].split("{", 1)[1].split("}", 1)[0]
    field, template = var.split("=", 1)
    return field, example(template)


def repeated(f):
    # protobuf 6 dropped FieldDescriptor.label for is_repeated.
    return f.is_repeated if hasattr(f, "is_repeated") else f.label == f.LABEL_REPEATED


def fill(message, routing_field, value):
    """The routing field, then every top-level scalar not in a oneof already set."""
    head, _, rest = routing_field.partition(".")
    for f in message.DESCRIPTOR.fields:
        if f.name == head:
            if rest:
                getattr(message, head).__setattr__(rest, value)
            else:
                setattr(message, head, value)
            continue
        if repeated(f) or f.message_type is not None:
            continue
        if f.containing_oneof is not None and message.WhichOneof(f.containing_oneof.name):
            continue
        if f.type == f.TYPE_STRING:
            setattr(message, f.name, f"s-{f.name}")
        elif f.type in (f.TYPE_INT32, f.TYPE_INT64):
            setattr(message, f.name, 7)
        elif f.type == f.TYPE_BOOL:
            setattr(message, f.name, True)
        elif f.type == f.TYPE_ENUM and len(f.enum_type.values) > 1:
            setattr(message, f.name, f.enum_type.values[1].number)
    return message


def answer_for(rpc):
    cls = pb_class(rpc["response"])
    answer = cls()
    if "name" in cls.DESCRIPTOR.fields_by_name and cls is not empty_pb2.Empty:
        answer.name = "projects/p/locations/l/operations/1" if cls is operations_pb2.Operation \
            else "projects/x1/locations/x1/answers/a1"
    for f in cls.DESCRIPTOR.fields:
        if f.name == "next_page_token":
            answer.next_page_token = ""
        elif f.type == f.TYPE_STRING and not repeated(f) and f.name not in ("name",) \
                and f.containing_oneof is None and cls is not operations_pb2.Operation:
            setattr(answer, f.name, f"a-{f.name}")
    return answer


class Recorder(grpc.GenericRpcHandler):
    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()
        self.fail = None

    def service(self, details):
        prefix = f"/{SERVICE}/"
        if not details.method.startswith(prefix):
            return None
        name = details.method[len(prefix):]
        rpc = RPCS.get(name)
        if rpc is None:
            return None
        req_cls, resp_cls = pb_class(rpc["request"]), pb_class(rpc["response"])

        def handle(request, context):
            with self.lock:
                self.seen.append((name, dict(context.invocation_metadata()), request))
            if self.fail:
                status = self.fail
                context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
                context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == status.code)), status.message)
            return answer_for(rpc)

        return grpc.unary_unary_rpc_method_handler(
            handle,
            request_deserializer=req_cls.FromString,
            response_serializer=resp_cls.SerializeToString,
        )


def run(cli, endpoint, *args, stdin=None):
    return subprocess.run([cli, "--endpoint", endpoint, "--compact", "call", *args],
                          capture_output=True, text=True, input=stdin, timeout=60)


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "ccai-lro")
    recorder = Recorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[recorder])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    failures = []
    for name, rpc in RPCS.items():
        field, value = routing(rpc["http"][0])
        sent = fill(pb_class(rpc["request"])(), field, value)
        sent_json = json_format.MessageToJson(sent)
        before = len(recorder.seen)
        out = run(cli, endpoint, name, sent_json)
        if out.returncode != 0:
            failures.append(f"{name}: exit {out.returncode}: {out.stderr.strip()}")
            continue
        got_name, metadata, received = recorder.seen[before]
        if got_name != name or received != sent:
            failures.append(f"{name}: the server received {json_format.MessageToJson(received)}, "
                            f"sent {sent_json}")
        params = urllib.parse.unquote(metadata.get("x-goog-request-params", ""))
        if params != f"{field}={value}":
            failures.append(f"{name}: x-goog-request-params {params!r}, want {field}={value}")
        if "gl-rust/" not in metadata.get("x-goog-api-client", ""):
            failures.append(f"{name}: x-goog-api-client {metadata.get('x-goog-api-client')!r}")
        want = json.loads(json_format.MessageToJson(answer_for(rpc)))
        printed = json.loads(out.stdout)
        if printed != want:
            failures.append(f"{name}: printed {printed}, protobuf's JSON is {want}")
    print(f"{len(RPCS)} RPCs sent through `ccai-lro call`; {len(failures)} failures")

    # NOT_FOUND with ResourceInfo: exit 3, the detail on the one error line.
    missing = "projects/x1/locations/x1/issueModels/gone"
    info = error_details_pb2.ResourceInfo(
        resource_type="contactcenterinsights.googleapis.com/IssueModel", resource_name=missing)
    status = status_pb2.Status(code=5, message=f"Issue model {missing} not found.")
    status.details.add().Pack(info)
    recorder.fail = status
    out = run(cli, endpoint, "GetIssueModel", json.dumps({"name": missing}))
    recorder.fail = None
    err = out.stderr.strip()
    if out.returncode != 3 or "NOT_FOUND" not in err or "ResourceInfo" not in err or len(err.splitlines()) != 1:
        failures.append(f"NOT_FOUND: exit {out.returncode}: {err}")
    else:
        print(f"NOT_FOUND: exit 3: {err}")

    # Bad input: exit 2, no RPC.
    before = len(recorder.seen)
    for args in (["GetIssueModel", '{"bogus": 1}'], ["GetIsueModel", "{}"], ["GetIssueModel", "{"]):
        out = run(cli, endpoint, *args)
        if out.returncode != 2:
            failures.append(f"{args}: exit {out.returncode}, want 2: {out.stderr.strip()}")
        else:
            print(f"{args[0]} {args[1]}: exit 2: {out.stderr.strip()}")
    if len(recorder.seen) != before:
        failures.append("bad input reached the server")
    server.stop(0)
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
