#!/usr/bin/env python3
"""Google's protoc on `proto/generated/`, compared with `tests/reference/schema.json`.

`tests/schema.rs` makes the same comparison on what protox (our build's compiler) produces;
this one asks Google's own protoc (from grpcio-tools) and reads the annotations with Google's
own extension definitions (googleapis-common-protos), so neither our compiler nor our
google/api files can hide a difference.

    /tmp/venv/bin/pip install grpcio-tools google-cloud-contact-center-insights
    /tmp/venv/bin/python tools/protoc_check.py

Prints one line per difference and exits 1 if there is any.
"""
import json
import os
import subprocess
import sys
import tempfile

from google.api import annotations_pb2, client_pb2, field_behavior_pb2, resource_pb2
from google.longrunning import operations_pb2
from google.protobuf import descriptor_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = json.load(open(os.path.join(ROOT, "tests", "reference", "schema.json")))
FILES = [
    "google/cloud/contactcenterinsights/v1/contact_center_insights.proto",
    "google/longrunning/operations.proto",
    "google/rpc/error_details.proto",
    "google/rpc/code.proto",
]


def compile_set():
    out = os.path.join(tempfile.mkdtemp(), "set.pb")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "proto", "generated"),
                    "--include_imports", f"--descriptor_set_out={out}", *FILES], check=True)
    fds = descriptor_pb2.FileDescriptorSet()
    # Re-parsing with Google's extensions registered turns our options into known extensions.
    fds.ParseFromString(open(out, "rb").read())
    return fds


def walk(prefix, messages, enums, out_m, out_e):
    for m in messages:
        full = f"{prefix}.{m.name}"
        out_m[full] = m
        for e in m.enum_type:
            out_e[f"{full}.{e.name}"] = e
        walk(full, m.nested_type, [], out_m, out_e)


def field_facts(m, f):
    facts = {
        "name": f.name,
        "number": f.number,
        "type": descriptor_pb2.FieldDescriptorProto.Type.Name(f.type),
        "label": descriptor_pb2.FieldDescriptorProto.Label.Name(f.label),
        "type_name": f.type_name.lstrip(".") or None,
        "oneof": None,
        "proto3_optional": f.proto3_optional,
    }
    if f.HasField("oneof_index") and not f.proto3_optional:
        facts["oneof"] = m.oneof_decl[f.oneof_index].name
    behaviors = f.options.Extensions[field_behavior_pb2.field_behavior]
    if behaviors:
        facts["behavior"] = [field_behavior_pb2.FieldBehavior.Name(b) for b in behaviors]
    if f.options.HasExtension(resource_pb2.resource_reference):
        ref = f.options.Extensions[resource_pb2.resource_reference]
        facts["resource_reference"] = {k.name: v for k, v in ref.ListFields()}
    return facts


def http_facts(rule):
    one = {}
    kind = rule.WhichOneof("pattern")
    one["method"], one["uri"] = kind, getattr(rule, kind)
    if rule.body:
        one["body"] = rule.body
    if rule.response_body:
        one["response_body"] = rule.response_body
    return [one] + [x for b in rule.additional_bindings for x in http_facts(b)]


def main():
    fds = compile_set()
    messages, enums, services = {}, {}, {}
    for fd in fds.file:
        if fd.package.startswith("google.protobuf") or fd.package == "google.api":
            continue
        walk(fd.package, fd.message_type, fd.enum_type, messages, enums)
        for e in fd.enum_type:
            enums[f"{fd.package}.{e.name}"] = e
        for s in fd.service:
            services[f"{fd.package}.{s.name}"] = s
    diffs = []
    for name, want in REF["messages"].items():
        m = messages.pop(name, None)
        if m is None:
            diffs.append(f"message {name}: missing")
            continue
        if m.options.map_entry != want["map_entry"]:
            diffs.append(f"message {name}: map_entry")
        if m.options.HasExtension(resource_pb2.resource):
            r = m.options.Extensions[resource_pb2.resource]
            got = {"type": r.type, "pattern": list(r.pattern), "plural": r.plural,
                   "singular": r.singular}
        else:
            got = None
        if got != want.get("resource"):
            diffs.append(f"message {name}: resource {got} != {want.get('resource')}")
        have = {f.name: field_facts(m, f) for f in m.field}
        for f in want["fields"]:
            facts = have.pop(f["name"], None)
            if facts is None:
                diffs.append(f"message {name} field {f['name']}: missing")
                continue
            for key in set(facts) | set(f):
                if facts.get(key) != f.get(key):
                    diffs.append(f"message {name} field {f['name']}: {key} {facts.get(key)} != {f.get(key)}")
        diffs += [f"message {name} field {x}: not in the reference" for x in have]
    diffs += [f"message {x}: not in the reference" for x in messages]
    for name, want in REF["enums"].items():
        e = enums.pop(name, None)
        got = {v.name: v.number for v in e.value} if e else None
        if got != want:
            diffs.append(f"enum {name}: {got} != {want}")
    diffs += [f"enum {x}: not in the reference" for x in enums]
    for sname, methods in REF["services"].items():
        s = services.get(sname)
        if s is None:
            diffs.append(f"service {sname}: missing")
            continue
        host = s.options.Extensions[client_pb2.default_host] or None
        want_host = REF["default_host"] if sname.startswith("google.cloud") else None
        if host != want_host:
            diffs.append(f"service {sname}: default_host {host}")
        got_methods = {m.name: m for m in s.method}
        for mname, want in methods.items():
            m = got_methods.pop(mname, None)
            if m is None:
                diffs.append(f"method {mname}: missing")
                continue
            facts = {"request": m.input_type.lstrip("."), "response": m.output_type.lstrip(".")}
            if m.options.HasExtension(operations_pb2.operation_info):
                info = m.options.Extensions[operations_pb2.operation_info]
                facts["operation_response"] = info.response_type
                facts["operation_metadata"] = info.metadata_type
            if m.options.HasExtension(annotations_pb2.http):
                facts["http"] = http_facts(m.options.Extensions[annotations_pb2.http])
            sigs = list(m.options.Extensions[client_pb2.method_signature])
            if sigs:
                facts["signatures"] = sigs
            if facts != want:
                diffs.append(f"method {mname}: {facts} != {want}")
        diffs += [f"method {x}: not in the reference" for x in got_methods]
    for d in diffs:
        print(d)
    print(f"protoc {subprocess.run([sys.executable, '-m', 'grpc_tools.protoc', '--version'], capture_output=True, text=True).stdout.strip()}: "
          f"{len(REF['messages'])} messages, {len(REF['enums'])} enums, "
          f"{sum(len(m) for m in REF['services'].values())} methods compared; {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
