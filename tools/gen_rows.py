"""The service's RPCs and resources as rows, in the names the Rust code uses: each RPC's
function, request and response types, HTTP rules, routing field and the names that field
accepts, its shape (answers at once, pages, or starts an operation); each resource's patterns.
"""
import re
import sys

from gen_common import INSIGHTS, MESSAGES, SCHEMA, snake

SERVICE = f"{INSIGHTS}.ContactCenterInsights"


def singular(word):
    word = snake(word)
    if word.endswith("ses") and word[:-3].endswith("analy"):
        return word[:-3] + "sis"
    return word[:-1] if word.endswith("s") else word


def template_pattern(template):
    """`projects/*/locations/*` -> `projects/{project}/locations/{location}`."""
    segs = template.split("/")
    return "/".join("{" + singular(segs[i - 1]) + "}" if s == "*" else s for i, s in enumerate(segs))


RESOURCES = {v["resource"]["type"]: (k, v["resource"]["pattern"])
             for k, v in MESSAGES.items() if v.get("resource")}


def route_of(rule):
    """The one path variable of an HTTP rule: (field path, pattern)."""
    m = re.search(r"\{([^}=]+)=([^}]+)\}", rule["uri"])
    if not m:
        sys.exit(f"no path variable in {rule['uri']}")
    return m.group(1), template_pattern(m.group(2))


def field_of(message, path):
    f = None
    for part in path.split("."):
        fields = {f["name"]: f for f in MESSAGES[message]["fields"]}
        f = fields[part]
        message = f["type_name"]
    return f


def patterns_of(rpc):
    """Every name the routing field takes: the HTTP bindings' templates, then the patterns of
    the resource the field references (its parents' for a `child_type`)."""
    routes = [route_of(h) for h in rpc["http"]]
    fields = {f for f, _ in routes}
    if len(fields) != 1:
        sys.exit(f"{rpc['request']}: bindings route on {fields}")
    field = fields.pop()
    pats = []
    for _, p in routes:
        if p not in pats:
            pats.append(p)
    ref = field_of(rpc["request"], field).get("resource_reference") or {}
    extra = []
    if ref.get("type") in RESOURCES:
        extra = RESOURCES[ref["type"]][1]
    elif ref.get("child_type") in RESOURCES:
        extra = ["/".join(p.split("/")[:-2]) for p in RESOURCES[ref["child_type"]][1]]
    shape = lambda p: re.sub(r"\{[^}]+\}", "*", p)
    for p in extra:
        if shape(p) not in {shape(q) for q in pats}:
            pats.append(p)
    return field, pats


def rust_type(full):
    if full == "google.protobuf.Empty":
        return "()"
    if full == "google.longrunning.Operation":
        return "crate::proto::google::longrunning::Operation"
    return full.rsplit(".", 1)[1]


def routing_expr(field):
    parts = field.split(".")
    if len(parts) == 1:
        return f"&self.{parts[0]}"
    if len(parts) == 2:
        return f"self.{parts[0]}.as_ref().map_or(\"\", |m| m.{parts[1]}.as_str())"
    sys.exit(f"routing field too deep: {field}")


def paged(rpc):
    req = {f["name"] for f in MESSAGES[rpc["request"]]["fields"]}
    resp = MESSAGES.get(rpc["response"], {"fields": []})["fields"]
    if "page_token" not in req or not any(f["name"] == "next_page_token" for f in resp):
        return None
    items = [f for f in resp if f["label"] == "LABEL_REPEATED" and f["type"] == "TYPE_MESSAGE"]
    if len(items) != 1:
        sys.exit(f"{rpc['response']}: {len(items)} repeated message fields")
    return items[0]["name"], rust_type(items[0]["type_name"])


class Row:
    """One RPC, in the names the Rust code uses."""

    def __init__(self, name, rpc):
        self.name, self.fn = name, snake(name)
        self.req, self.resp = rust_type(rpc["request"]), rust_type(rpc["response"])
        self.http = "; ".join(f"`{h['method'].upper()} {h['uri']}`" for h in rpc["http"])
        self.field, self.patterns = patterns_of(rpc)
        self.read = rpc["http"][0]["method"] == "get"
        self.page = paged(rpc)
        self.alias = None
        if "operation_response" in rpc:
            self.alias = f"{name}Operation"
            self.op_resp = rust_type(rpc["operation_response"]).replace("()", "crate::Empty")
            self.op_meta = rust_type(rpc["operation_metadata"])

    @property
    def doc(self):
        return f"/// `{self.name}`: {self.http}."


ROWS = [Row(n, r) for n, r in SCHEMA["services"][SERVICE].items()]
STARTERS = [r for r in ROWS if r.alias]
