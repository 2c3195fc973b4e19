"""Writes the plain Rust that follows from the service's RPCs and resources.

One row per RPC of `ContactCenterInsights` (its Rust names, HTTP rules, routing field and the
names that field accepts) and one per resource decide these files:

- src/generated/table.rs: `Rpc` and `Paged` for each request, and the method tables;
- src/generated/methods.rs: the `InsightsClient` methods and the operation aliases;
- src/generated/resources.rs: a name type per resource;
- mock/src/generated/grpc.rs: the mock's `ContactCenterInsights` impl;
- mock/src/generated/rest.rs: the REST surface's RPC-name dispatch;
- tests/client/whole_api/each_method.rs: one call of each client method, for the tests.

Called by gen_proto.py; the hand-written code these files call is named in each one.
"""
import re

from gen_common import emit, rust_str
from gen_rows import RESOURCES, ROWS, SERVICE, STARTERS, routing_expr


V1 = "crate::proto::google::cloud::contactcenterinsights::v1"


# ---- src/generated/table.rs ------------------------------------------------------------------

def write_table():
    out = [
        "//! `Rpc` for each Insights request and `Paged` for each paged list, and the tables of",
        "//! their methods, in the service's declaration order.",
        "",
        f"use {V1}::*;",
        "use crate::rpc::{Method, Paged, Rpc, INSIGHTS_SERVICE};",
        "",
        "/// Every RPC of the Insights service, in its declaration order.",
        "pub static INSIGHTS_METHODS: &[&Method] = &[",
        *[f"    {r.req}::METHOD," for r in ROWS],
        "];",
        "",
        f"/// The {len(STARTERS)} Insights RPCs that start a long-running operation, in declaration order.",
        "pub static INSIGHTS_OPERATION_METHODS: &[&Method] = &[",
        *[f"    {r.req}::METHOD," for r in STARTERS],
        "];",
        "",
        "/// (method, request's full name, response's Rust type) of each row, for the tests that tie",
        "/// the table to the compiled descriptors.",
        "#[cfg(test)]",
        "pub(super) fn rows() -> Vec<(&'static Method, String, &'static str)> {",
        "    fn row<R: Rpc + prost::Name>() -> (&'static Method, String, &'static str) {",
        "        (R::METHOD, R::full_name(), std::any::type_name::<R::Response>())",
        "    }",
        "    vec![",
        *[f"        row::<{r.req}>()," for r in ROWS],
        "    ]",
        "}",
    ]
    for r in ROWS:
        pats = ", ".join(rust_str(p) for p in r.patterns)
        out += [
            "",
            r.doc,
            f"impl Rpc for {r.req} {{",
            f"    type Response = {r.resp};",
            "    const METHOD: &'static Method = &Method {",
            "        service: INSIGHTS_SERVICE,",
            f"        name: {rust_str(r.name)},",
            f"        path: {rust_str('/' + SERVICE + '/' + r.name)},",
            f"        routing_field: {rust_str(r.field)},",
            f"        patterns: &[{pats}],",
            f"        expected: {rust_str(' or '.join(r.patterns))},",
            f"        read: {'true' if r.read else 'false'},",
            "    };",
            "    fn routing_value(&self) -> &str {",
            f"        {routing_expr(r.field)}",
            "    }",
            "}",
        ]
        if r.page:
            items, item = r.page
            out += [
                "",
                f"impl Paged for {r.req} {{",
                f"    type Item = {item};",
                "    fn page_size(&self) -> i32 {",
                "        self.page_size",
                "    }",
                "    fn set_page_token(&mut self, token: String) {",
                "        self.page_token = token;",
                "    }",
                "    fn next_page_token(page: &Self::Response) -> &str {",
                "        &page.next_page_token",
                "    }",
                f"    fn into_items(page: Self::Response) -> Vec<{item}> {{",
                f"        page.{items}",
                "    }",
                "}",
            ]
    emit("src/generated/table.rs", "\n".join(out))


# ---- src/generated/methods.rs ------------------------------------------------------------

def write_methods():
    out = [
        "//! One `InsightsClient` method per RPC (and for each paged list a stream of its items),",
        "//! and the alias of each operation's typed handle.",
        "",
        "use futures_util::stream::BoxStream;",
        "",
        f"use {V1}::*;",
        "use crate::{operation::Operation, rpc::Rpc, Error};",
        "",
        "use crate::insights::{started, InsightsClient};",
    ]
    for r in STARTERS:
        article = "an" if r.name[0] in "AEIOU" else "a"
        out += ["", f"/// The handle of {article} `{r.name}` operation.",
                f"pub type {r.alias} = Operation<{r.op_resp}, {r.op_meta}>;"]
    out += ["", "impl InsightsClient {"]
    for r in ROWS:
        send = f"self.client.send(&request, self.kind({r.req}::METHOD)).await"
        out.append(f"    {r.doc}")
        if r.alias:
            out += [
                "    ///",
                "    /// Starts the operation and returns its typed handle; see [`Operation::wait`].",
                f"    pub async fn {r.fn}(&self, request: {r.req}) -> Result<{r.alias}, Error> {{",
                f"        let raw = {send}?;",
                "        started(self.client.clone(), raw)",
                "    }",
            ]
        elif r.page:
            _, item = r.page
            out += [
                "    ///",
                f"    /// One page; [`Self::{r.fn}_items`] streams the items across pages.",
                f"    pub async fn {r.fn}(&self, request: {r.req}) -> Result<{r.resp}, Error> {{",
                f"        {send}",
                "    }",
                "",
                f"    /// `{r.name}` as a stream of items across pages, at most `limit`: see",
                "    /// [`Client::item_stream`](crate::Client::item_stream).",
                f"    pub fn {r.fn}_items(&self, request: {r.req}, limit: Option<usize>)"
                f" -> BoxStream<'static, Result<{item}, Error>> {{",
                "        self.client.item_stream(request, limit)",
                "    }",
            ]
        else:
            out += [
                f"    pub async fn {r.fn}(&self, request: {r.req}) -> Result<{r.resp}, Error> {{",
                f"        {send}",
                "    }",
            ]
        out.append("")
    out += [
        "}",
        "",
        "/// (RPC, the Rust type of its handle) of each operation alias, for the tests that tie",
        "/// the aliases to the schema's operation types.",
        "#[cfg(test)]",
        "pub(crate) fn aliases() -> Vec<(&'static str, &'static str)> {",
        "    vec![",
        *[f"        ({rust_str(r.name)}, std::any::type_name::<{r.alias}>())," for r in STARTERS],
        "    ]",
        "}",
    ]
    emit("src/generated/methods.rs", "\n".join(out))


# ---- src/generated/resources.rs --------------------------------------------------------------

def write_resources():
    out = [
        "//! A type per Insights resource: each parses every published pattern of its resource,",
        "//! formats the canonical one, and names its segments.",
        "",
        "use std::{fmt, str::FromStr};",
        "",
        "use crate::name::resource::{fill, parse, pattern_at, ResourceName};",
        "use crate::Error;",
    ]
    for full, (msg, pats) in sorted(RESOURCES.items(), key=lambda kv: kv[1][0]):
        short = msg.rsplit(".", 1)[1]
        ty = f"{short}Name"
        all_vars = [re.findall(r"\{([^}]+)\}", p) for p in pats]
        always = [v for v in all_vars[0] if all(v in vs for vs in all_vars)]
        sometimes = []
        for vs in all_vars:
            sometimes += [v for v in vs if v not in always and v not in sometimes]
        args = ", ".join(f"{v}: &str" for v in always)
        values = ", ".join(f"({rust_str(v)}, {v})" for v in always)
        out += [
            "",
            f"/// The name of a `{short}` (`{full}`).",
            "///",
            "/// Parsed from any of [`Self::PATTERNS`]; a string that matches none is refused with",
            "/// [`Error::InvalidName`] naming them.",
            "#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]",
            f"pub struct {ty} {{",
            "    name: String,",
            "    pattern: usize,",
            "}",
            "",
            f"impl {ty} {{",
            "    /// The resource type.",
            f"    pub const TYPE: &'static str = {rust_str(full)};",
            "    /// The published name patterns; the first is the one [`Self::new`] makes.",
            f"    pub const PATTERNS: &'static [&'static str] = &[{', '.join(rust_str(p) for p in pats)}];",
            f"    const EXPECTED: &'static str = {rust_str(' or '.join(pats))};",
            "",
            "    /// The name under the first pattern; each value must be one non-empty segment",
            "    /// (no `/`, whitespace or control characters).",
            f"    pub fn new({args}) -> Result<Self, Error> {{",
            f"        fill({rust_str(pats[0])}, &[{values}]).parse()",
            "    }",
            "",
            "    /// The name as a string.",
            "    pub fn as_str(&self) -> &str {",
            "        &self.name",
            "    }",
            "",
            "    /// The pattern the name matched.",
            "    pub fn pattern(&self) -> &'static str {",
            "        pattern_at(Self::PATTERNS, self.pattern)",
            "    }",
        ]
        for v in always:
            out += ["", f"    /// The `{{{v}}}` segment.",
                    f"    pub fn {v}(&self) -> &str {{",
                    f"        self.segment({rust_str(v)}).unwrap_or_default()", "    }"]
        for v in sometimes:
            out += ["", f"    /// The `{{{v}}}` segment, under the patterns that have one.",
                    f"    pub fn {v}(&self) -> Option<&str> {{",
                    f"        self.segment({rust_str(v)})", "    }"]
        out += [
            "}",
            "",
            f"impl ResourceName for {ty} {{",
            f"    const TYPE: &'static str = {ty}::TYPE;",
            f"    const PATTERNS: &'static [&'static str] = {ty}::PATTERNS;",
            "",
            "    fn as_str(&self) -> &str {",
            "        &self.name",
            "    }",
            "",
            "    fn pattern(&self) -> &'static str {",
            f"        {ty}::pattern(self)",
            "    }",
            "}",
            "",
            f"impl FromStr for {ty} {{",
            "    type Err = Error;",
            "",
            "    fn from_str(name: &str) -> Result<Self, Error> {",
            f"        let pattern = parse(name, Self::PATTERNS, Self::EXPECTED)?;",
            f"        Ok({ty} {{ name: name.to_owned(), pattern }})",
            "    }",
            "}",
            "",
            f"impl fmt::Display for {ty} {{",
            "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {",
            "        f.write_str(&self.name)",
            "    }",
            "}",
            "",
            f"impl AsRef<str> for {ty} {{",
            "    fn as_ref(&self) -> &str {",
            "        &self.name",
            "    }",
            "}",
            "",
            f"impl From<{ty}> for String {{",
            f"    fn from(name: {ty}) -> String {{",
            "        name.name",
            "    }",
            "}",
        ]
    emit("src/generated/resources.rs", "\n".join(out))


# ---- the mock: mock/src/generated/grpc.rs, mock/src/generated/rest.rs ------------------------

MOCK_V1 = "ccai_lro::proto::google::cloud::contactcenterinsights::v1"


def mock_type(t):
    return t.replace("crate::proto", "ccai_lro::proto")


def write_mock_grpc():
    out = [
        "//! The mock's `ContactCenterInsights`: the RPCs that start an operation go to",
        "//! [`InsightsService::start`], the others to [`InsightsService::serve`].",
        "",
        f"use {MOCK_V1}::contact_center_insights_server::ContactCenterInsights;",
        f"use {MOCK_V1}::*;",
        "use tonic::{Request, Response, Status};",
        "",
        "use crate::transport::grpc::insights::InsightsService;",
        "",
        "#[tonic::async_trait]",
        "impl ContactCenterInsights for InsightsService {",
    ]
    for r in ROWS:
        call = "start" if r.alias else "serve"
        out += [
            f"    async fn {r.fn}(&self, request: Request<{r.req}>) -> Result<Response<{mock_type(r.resp)}>, Status> {{",
            f"        self.{call}(request).await",
            "    }",
            "",
        ]
    out.append("}")
    emit("mock/src/generated/grpc.rs", "\n".join(out))


def write_mock_rest():
    out = [
        "//! The REST surface's dispatch by RPC name: the request decoded as its type, served by",
        "//! the same trait method gRPC reaches ([`relay`]), and the answer encoded.",
        "",
        f"use {MOCK_V1}::contact_center_insights_server::ContactCenterInsights;",
        "use tonic::{metadata::MetadataMap, Status};",
        "",
        "use crate::transport::rest::relay;",
        "use crate::transport::grpc::insights::InsightsService;",
        "",
        "/// `rpc`'s answer, encoded; `None` when `rpc` is no Insights RPC.",
        "pub(crate) async fn insights(",
        "    svc: &InsightsService,",
        "    rpc: &str,",
        "    bytes: &[u8],",
        "    metadata: MetadataMap,",
        ") -> Option<Result<Vec<u8>, Status>> {",
        "    Some(match rpc {",
        *[f"        {rust_str(r.name)} => relay(bytes, metadata, |q| svc.{r.fn}(q)).await," for r in ROWS],
        "        _ => return None,",
        "    })",
        "}",
    ]
    emit("mock/src/generated/rest.rs", "\n".join(out))


# ---- tests/client/whole_api/each_method.rs -----------------------------------------------

def write_test_calls():
    out = [
        "//! One call of each `InsightsClient` method, in the service's order, with the request",
        "//! `super::request_with` makes for the routing value `routing` gives.",
        "",
        "use ccai_lro::{insights::InsightsClient, rpc::{Method, Rpc}, Error};",
        f"use {MOCK_V1}::*;",
        "use prost::Message;",
        "",
        "use super::request_with;",
        "",
        "/// One call: its RPC, the request's bytes, and its outcome (the answer dropped).",
        "pub(super) struct Called {",
        "    pub method: &'static Method,",
        "    pub sent: Vec<u8>,",
        "    pub answer: Result<(), Error>,",
        "}",
        "",
        "/// Calls each method once, in order.",
        "pub(super) async fn call_each(",
        "    insights: &InsightsClient,",
        "    routing: &dyn Fn(&'static Method) -> String,",
        ") -> Vec<Called> {",
        "    let mut called = Vec::new();",
    ]
    for r in ROWS:
        out += [
            f"    let request: {r.req} = request_with(&routing({r.req}::METHOD));",
            "    let sent = request.encode_to_vec();",
            f"    let answer = insights.{r.fn}(request).await.map(drop);",
            f"    called.push(Called {{ method: {r.req}::METHOD, sent, answer }});",
        ]
    out += ["    called", "}"]
    emit("tests/client/whole_api/each_method.rs", "\n".join(out))


def write_all():
    write_table()
    write_methods()
    write_resources()
    write_mock_grpc()
    write_mock_rest()
    write_test_calls()
