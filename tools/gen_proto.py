#!/usr/bin/env python3
"""Writes proto/ and the Rust code of the RPC table from tests/reference/schema.json.

The reference lists names, numbers, types, labels and oneofs; this script turns
those facts into .proto source so the two cannot disagree, and `gen_rust.py` turns
the service's RPCs and resources into plain Rust. Run it from the repo root:
`python3 tools/gen_proto.py`. The output is committed; build.rs compiles the protos,
and `tests/generated.rs` fails on a generated file that is stale or edited by hand.
"""
import os
import sys

from gen_common import ENUMS, INSIGHTS, MESSAGES, SCHEMA, emit, rust_str
import gen_rust
from gen_rows import SERVICE

SCALARS = {
    "TYPE_DOUBLE": "double", "TYPE_FLOAT": "float", "TYPE_INT64": "int64",
    "TYPE_UINT64": "uint64", "TYPE_INT32": "int32", "TYPE_FIXED64": "fixed64",
    "TYPE_FIXED32": "fixed32", "TYPE_BOOL": "bool", "TYPE_STRING": "string",
    "TYPE_BYTES": "bytes", "TYPE_UINT32": "uint32", "TYPE_SFIXED32": "sfixed32",
    "TYPE_SFIXED64": "sfixed64", "TYPE_SINT32": "sint32", "TYPE_SINT64": "sint64",
}

WKT_FILES = {
    "google.protobuf.Any": "google/protobuf/any.proto",
    "google.protobuf.Duration": "google/protobuf/duration.proto",
    "google.protobuf.Empty": "google/protobuf/empty.proto",
    "google.protobuf.FieldMask": "google/protobuf/field_mask.proto",
    "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
}


def package_of(full):
    parts = full.split(".")
    i = 0
    while i < len(parts) and parts[i][:1].islower():
        i += 1
    return ".".join(parts[:i])


def top_of(full):
    pkg = package_of(full)
    rest = full[len(pkg) + 1:]
    return pkg + "." + rest.split(".")[0]


def field_type(f):
    if f["type"] in SCALARS:
        return SCALARS[f["type"]]
    return "." + f["type_name"]


def children(parent):
    """Direct nested messages and enums of `parent`, in schema order."""
    depth = parent.count(".") + 1
    msgs = [k for k in MESSAGES if k.startswith(parent + ".") and k.count(".") == depth]
    enums = [k for k in ENUMS if k.startswith(parent + ".") and k.count(".") == depth]
    return msgs, enums


def emit_enum(full, ind, out):
    out.append(f"{ind}enum {full.rsplit('.', 1)[1]} {{")
    values = ENUMS[full]
    if len(set(values.values())) != len(values):
        out.append(f"{ind}  option allow_alias = true;")
    for name, number in values.items():
        out.append(f"{ind}  {name} = {number};")
    out.append(f"{ind}}}")


# The google/api files a .proto being written uses (reset per file by `write`).
USED_API = set()


def field_options(f):
    opts = []
    behaviors = f.get("behavior") or []
    if behaviors:
        USED_API.add("google/api/field_behavior.proto")
        opts += [f"(google.api.field_behavior) = {b}" for b in behaviors]
    ref = f.get("resource_reference")
    if ref:
        USED_API.add("google/api/resource.proto")
        inner = " ".join(f"{k}: {rust_str(v)}" for k, v in ref.items())
        opts.append(f"(google.api.resource_reference) = {{ {inner} }}")
    return f" [{', '.join(opts)}]" if opts else ""


def emit_field(f, ind, out):
    entry = MESSAGES.get(f["type_name"] or "")
    opts = field_options(f)
    if f["label"] == "LABEL_REPEATED" and entry and entry.get("map_entry"):
        k, v = entry["fields"]
        out.append(f"{ind}map<{field_type(k)}, {field_type(v)}> {f['name']} = {f['number']}{opts};")
        return
    label = {"LABEL_REPEATED": "repeated ", "LABEL_OPTIONAL": ""}[f["label"]]
    if f["proto3_optional"]:
        label = "optional "
    out.append(f"{ind}{label}{field_type(f)} {f['name']} = {f['number']}{opts};")


def resource_option(res, ind, out):
    USED_API.add("google/api/resource.proto")
    out.append(f"{ind}option (google.api.resource) = {{")
    out.append(f"{ind}  type: {rust_str(res['type'])}")
    for p in res["pattern"]:
        out.append(f"{ind}  pattern: {rust_str(p)}")
    for key in ("plural", "singular"):
        if res.get(key):
            out.append(f"{ind}  {key}: {rust_str(res[key])}")
    out.append(f"{ind}}};")


def http_option(rules, ind, out):
    USED_API.add("google/api/annotations.proto")

    def binding(rule, ind):
        out.append(f"{ind}{rule['method']}: {rust_str(rule['uri'])}")
        for key in ("body", "response_body"):
            if rule.get(key):
                out.append(f"{ind}{key}: {rust_str(rule[key])}")

    first, *more = rules
    out.append(f"{ind}option (google.api.http) = {{")
    binding(first, ind + "  ")
    for rule in more:
        out.append(f"{ind}  additional_bindings {{")
        binding(rule, ind + "    ")
        out.append(f"{ind}  }}")
    out.append(f"{ind}}};")


def emit_message(full, ind, out):
    out.append(f"{ind}message {full.rsplit('.', 1)[1]} {{")
    if MESSAGES[full].get("resource"):
        resource_option(MESSAGES[full]["resource"], ind + "  ", out)
    msgs, enums = children(full)
    for e in enums:
        emit_enum(e, ind + "  ", out)
    for m in msgs:
        if not MESSAGES[m].get("map_entry"):
            emit_message(m, ind + "  ", out)
    done_oneofs = set()
    fields = MESSAGES[full]["fields"]
    for f in fields:
        oneof = f["oneof"]
        if oneof is None:
            emit_field(f, ind + "  ", out)
        elif oneof not in done_oneofs:
            done_oneofs.add(oneof)
            out.append(f"{ind}  oneof {oneof} {{")
            for g in fields:
                if g["oneof"] == oneof:
                    emit_field(g, ind + "    ", out)
            out.append(f"{ind}  }}")
    out.append(f"{ind}}}")


def referenced(tops):
    """Fully qualified type names referenced by fields of `tops` and their nested types."""
    refs = set()
    for k, v in MESSAGES.items():
        if top_of(k) in tops:
            for f in v["fields"]:
                if f["type_name"]:
                    refs.add(f["type_name"])
    return refs


class File:
    def __init__(self, path, package, tops, preamble=(), service=None):
        self.path, self.package, self.tops = path, package, list(tops)
        self.preamble, self.service = list(preamble), service
        self.extra_imports = []


def file_of(full, files):
    for fl in files:
        if top_of(full) in fl.tops:
            return fl.path
    if full in WKT_FILES:
        return WKT_FILES[full]
    sys.exit(f"no file holds {full}")


def write(fl, files):
    USED_API.clear()
    imports = set(fl.extra_imports)
    for ref in referenced(set(fl.tops)):
        imports.add(file_of(ref, files))
    if fl.service:
        for rpc in fl.service[1].values():
            imports.add(file_of(rpc["request"], files))
            imports.add(file_of(rpc["response"], files))
    imports.discard(fl.path)
    out = ['syntax = "proto3";', "", f"package {fl.package};", ""]
    out.append("")
    out += fl.preamble
    for t in fl.tops:
        if t in ENUMS:
            emit_enum(t, "", out)
        else:
            emit_message(t, "", out)
        out.append("")
    if fl.service:
        name, rpcs = fl.service
        out.append(f"service {name.rsplit('.', 1)[1]} {{")
        if name.startswith(INSIGHTS):
            USED_API.add("google/api/client.proto")
            out.append(f"  option (google.api.default_host) = {rust_str(SCHEMA['default_host'])};")
        for rpc, r in rpcs.items():
            body = []
            if r.get("http"):
                http_option(r["http"], "    ", body)
            for sig in r.get("signatures", []):
                USED_API.add("google/api/client.proto")
                body.append(f"    option (google.api.method_signature) = {rust_str(sig)};")
            if "operation_response" in r:
                body += ["    option (google.longrunning.operation_info) = {",
                         f'      response_type: "{r["operation_response"]}"',
                         f'      metadata_type: "{r["operation_metadata"]}"', "    };"]
            head = f"  rpc {rpc}(.{r['request']}) returns (.{r['response']})"
            if body:
                out.append(head + " {")
                out += body
                out.append("  }")
            else:
                out.append(head + ";")
        out.append("}")
        out.append("")
    imports.update(USED_API)
    imports.discard(fl.path)
    at = 4  # after the syntax and package lines
    out[at:at] = [f'import "{i}";' for i in sorted(imports)]
    emit(os.path.join("proto", "generated", fl.path), "\n".join(out))


def tops_in(package, pred=lambda t: True):
    seen = []
    for k in list(MESSAGES) + list(ENUMS):
        if package_of(k) == package and top_of(k) not in seen and pred(top_of(k)):
            seen.append(top_of(k))
    return seen


def main():
    services = SCHEMA["services"]
    lro_ext = [
        "// The method option naming an RPC's operation response and metadata types.",
        "extend google.protobuf.MethodOptions {",
        "  google.longrunning.OperationInfo operation_info = 1049;",
        "}", "",
    ]
    is_rpc_msg = lambda t: t.rsplit(".", 1)[1].endswith(("Request", "Response", "Metadata"))
    api = tops_in(INSIGHTS, is_rpc_msg)
    resources = tops_in(INSIGHTS, lambda t: not is_rpc_msg(t))
    # resources.proto must not import the service file: pull back whatever it needs.
    while True:
        need = {top_of(r) for r in referenced(set(resources))} & set(api)
        if not need:
            break
        resources += [t for t in api if t in need]
        api = [t for t in api if t not in need]
    files = [
        File("google/rpc/code.proto", "google.rpc", tops_in("google.rpc", lambda t: t in ENUMS)),
        File("google/rpc/status.proto", "google.rpc", ["google.rpc.Status"]),
        File("google/rpc/error_details.proto", "google.rpc",
             tops_in("google.rpc", lambda t: t not in ENUMS and t != "google.rpc.Status")),
        File("google/type/interval.proto", "google.type", tops_in("google.type")),
        File("google/longrunning/operations.proto", "google.longrunning", tops_in("google.longrunning"),
             preamble=lro_ext, service=("google.longrunning.Operations", services["google.longrunning.Operations"])),
        File(f"{INSIGHTS.replace('.', '/')}/resources.proto", INSIGHTS, resources),
        File(f"{INSIGHTS.replace('.', '/')}/contact_center_insights.proto", INSIGHTS, api,
             service=(SERVICE, services[SERVICE])),
    ]
    files[4].extra_imports.append("google/protobuf/descriptor.proto")
    files[6].extra_imports.append("google/longrunning/operations.proto")
    for fl in files:
        write(fl, files)
    placed = sum(len(fl.tops) for fl in files)
    expected = len({top_of(k) for k in list(MESSAGES) + list(ENUMS) if not k.startswith("google.protobuf.")})
    if placed != expected:
        sys.exit(f"placed {placed} top-level types, schema has {expected}")


# ---- google.api: the annotation types the schema's facts are written in ---------------

API_FILES = {
    "google/api/http.proto": """
// The HTTP binding of an RPC.
message HttpRule {
  string selector = 1;
  oneof pattern {
    string get = 2;
    string put = 3;
    string post = 4;
    string delete = 5;
    string patch = 6;
    CustomHttpPattern custom = 8;
  }
  string body = 7;
  string response_body = 12;
  repeated HttpRule additional_bindings = 11;
}

message CustomHttpPattern {
  string kind = 1;
  string path = 2;
}
""",
    "google/api/annotations.proto": """
extend google.protobuf.MethodOptions {
  HttpRule http = 72295728;
}
""",
    "google/api/client.proto": """
extend google.protobuf.MethodOptions {
  repeated string method_signature = 1051;
}

extend google.protobuf.ServiceOptions {
  string default_host = 1049;
  string oauth_scopes = 1050;
}
""",
    "google/api/field_behavior.proto": """
enum FieldBehavior {
  FIELD_BEHAVIOR_UNSPECIFIED = 0;
  OPTIONAL = 1;
  REQUIRED = 2;
  OUTPUT_ONLY = 3;
  INPUT_ONLY = 4;
  IMMUTABLE = 5;
  UNORDERED_LIST = 6;
  NON_EMPTY_DEFAULT = 7;
  IDENTIFIER = 8;
}

extend google.protobuf.FieldOptions {
  repeated FieldBehavior field_behavior = 1052 [packed = false];
}
""",
    "google/api/resource.proto": """
extend google.protobuf.FieldOptions {
  ResourceReference resource_reference = 1055;
}

extend google.protobuf.FileOptions {
  repeated ResourceDescriptor resource_definition = 1053;
}

extend google.protobuf.MessageOptions {
  ResourceDescriptor resource = 1053;
}

// A resource type and the patterns of its names.
message ResourceDescriptor {
  enum History {
    HISTORY_UNSPECIFIED = 0;
    ORIGINALLY_SINGLE_PATTERN = 1;
    FUTURE_MULTI_PATTERN = 2;
  }
  enum Style {
    STYLE_UNSPECIFIED = 0;
    DECLARATIVE_FRIENDLY = 1;
  }
  string type = 1;
  repeated string pattern = 2;
  string name_field = 3;
  History history = 4;
  string plural = 5;
  string singular = 6;
  repeated Style style = 10;
}

// A field that holds a resource name.
message ResourceReference {
  string type = 1;
  string child_type = 2;
}
""",
}

API_IMPORTS = {
    "google/api/annotations.proto": ["google/api/http.proto", "google/protobuf/descriptor.proto"],
    "google/api/client.proto": ["google/protobuf/descriptor.proto"],
    "google/api/field_behavior.proto": ["google/protobuf/descriptor.proto"],
    "google/api/resource.proto": ["google/protobuf/descriptor.proto"],
}


def write_api_files():
    for path, body in API_FILES.items():
        # The google.api annotation types (field numbers are the published ones), so the
        # schema's annotations compile as options.
        out = ['syntax = "proto3";', "", "package google.api;", ""]
        out += [f'import "{i}";' for i in API_IMPORTS.get(path, [])]
        emit(os.path.join("proto", "generated", path), "\n".join(out).rstrip() + "\n" + body)


if __name__ == "__main__":
    write_api_files()
    main()
    gen_rust.write_all()
