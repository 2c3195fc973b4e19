//! The compiled descriptors must equal the published schema facts in `tests/reference/schema.json`:
//! every package, message, field (name, number, type, label, type name, oneof, proto3 optional),
//! enum value and service method, and the annotations (field behaviors, resource references,
//! resources, HTTP rules, method signatures, LRO types, the default host). A drift fails naming
//! the message and the field.

use std::collections::BTreeMap;

use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage, Value as Reflected,
};
use serde_json::{json, Value};

const REFERENCE: &str = include_str!("reference/schema.json");

fn compiled() -> DescriptorPool {
    DescriptorPool::decode(ccai_lro::proto::FILE_DESCRIPTOR_SET)
        .expect("embedded descriptor set decodes")
}

fn reference() -> Value {
    serde_json::from_str(REFERENCE).expect("reference is JSON")
}

/// One field as the reference writes it, built from a compiled descriptor.
fn field_facts(message: &MessageDescriptor) -> BTreeMap<String, Value> {
    message
        .fields()
        .map(|f| {
            let raw = f.field_descriptor_proto();
            let oneof = f
                .containing_oneof()
                .filter(|o| !o.is_synthetic())
                .map(|o| o.name().to_owned());
            let type_name = raw
                .type_name
                .as_deref()
                .map(|t| t.trim_start_matches('.').to_owned());
            let mut facts = json!({
                "name": raw.name(),
                "number": raw.number(),
                "type": raw.r#type().as_str_name(),
                "label": raw.label().as_str_name(),
                "type_name": type_name,
                "oneof": oneof,
                "proto3_optional": raw.proto3_optional(),
            });
            let options = f.options();
            if let Some(Reflected::List(list)) = extension(&options, "google.api.field_behavior") {
                let names: Vec<Value> = list
                    .iter()
                    .filter_map(|v| v.as_enum_number())
                    .map(|n| json!(behavior_name(f.parent_pool(), n)))
                    .collect();
                facts["behavior"] = json!(names);
            }
            if let Some(Reflected::Message(r)) =
                extension(&options, "google.api.resource_reference")
            {
                facts["resource_reference"] = set_fields(&r);
            }
            (raw.name().to_owned(), facts)
        })
        .collect()
}

/// The extension `name` of `options`, when set.
fn extension(options: &DynamicMessage, name: &str) -> Option<Reflected> {
    let ext = options
        .descriptor()
        .parent_pool()
        .get_extension_by_name(name)?;
    options
        .has_extension(&ext)
        .then(|| options.get_extension(&ext).into_owned())
}

fn behavior_name(pool: &DescriptorPool, n: i32) -> String {
    pool.get_enum_by_name("google.api.FieldBehavior")
        .and_then(|e| e.get_value(n))
        .map_or_else(|| n.to_string(), |v| v.name().to_owned())
}

/// The fields a message sets, as JSON (strings and repeated strings are all the annotations
/// hold).
fn set_fields(message: &DynamicMessage) -> Value {
    let mut out = serde_json::Map::new();
    for (field, value) in message.fields() {
        let v = match value {
            Reflected::String(s) => json!(s),
            Reflected::List(l) => json!(l.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>()),
            other => json!(format!("{other:?}")),
        };
        out.insert(field.name().to_owned(), v);
    }
    Value::Object(out)
}

/// A resource annotation as the reference writes it (plural and singular always present).
fn resource_facts(message: &MessageDescriptor) -> Option<Value> {
    let Some(Reflected::Message(r)) = extension(&message.options(), "google.api.resource") else {
        return None;
    };
    let get = |name: &str| r.get_field_by_name(name).map(|v| v.into_owned());
    let text = |name: &str| json!(get(name).and_then(|v| v.as_str().map(str::to_owned)));
    let patterns: Vec<String> = match get("pattern") {
        Some(Reflected::List(l)) => l
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Some(json!({
        "type": text("type"),
        "pattern": patterns,
        "plural": text("plural"),
        "singular": text("singular"),
    }))
}

/// An HTTP rule as the reference writes it: verb, uri, body and response body when set.
fn http_facts(rule: &DynamicMessage) -> Vec<Value> {
    let mut one = serde_json::Map::new();
    for verb in ["get", "put", "post", "delete", "patch"] {
        if let Some(Reflected::String(uri)) = rule
            .descriptor()
            .get_field_by_name(verb)
            .filter(|f| rule.has_field(f))
            .map(|f| rule.get_field(&f).into_owned())
        {
            one.insert("method".into(), json!(verb));
            one.insert("uri".into(), json!(uri));
        }
    }
    for key in ["body", "response_body"] {
        if let Some(Reflected::String(v)) = rule.get_field_by_name(key).map(|v| v.into_owned()) {
            if !v.is_empty() {
                one.insert(key.into(), json!(v));
            }
        }
    }
    let mut out = vec![Value::Object(one)];
    if let Some(Reflected::List(more)) = rule
        .get_field_by_name("additional_bindings")
        .map(|v| v.into_owned())
    {
        for m in more {
            if let Reflected::Message(m) = m {
                out.extend(http_facts(&m));
            }
        }
    }
    out
}

/// Every difference between the reference and the compiled pool, one line each.
fn drift(reference: &Value, pool: &DescriptorPool) -> Vec<String> {
    let mut out = Vec::new();
    let messages = reference["messages"].as_object().expect("messages object");
    for (name, want) in messages {
        let Some(got) = pool.get_message_by_name(name) else {
            out.push(format!("message {name}: missing from proto/"));
            continue;
        };
        if want["map_entry"].as_bool() != Some(got.is_map_entry()) {
            out.push(format!("message {name}: map_entry differs"));
        }
        let resource = resource_facts(&got);
        if resource.as_ref() != want.get("resource") {
            out.push(format!(
                "message {name}: resource is {} in proto/, {} in the reference",
                json!(resource),
                json!(want.get("resource"))
            ));
        }
        let mut have = field_facts(&got);
        for f in want["fields"].as_array().expect("fields array") {
            let fname = f["name"].as_str().expect("field name");
            match have.remove(fname) {
                None => out.push(format!("message {name} field {fname}: missing from proto/")),
                Some(facts) => {
                    for key in [
                        "number",
                        "type",
                        "label",
                        "type_name",
                        "oneof",
                        "proto3_optional",
                        "behavior",
                        "resource_reference",
                    ] {
                        if facts.get(key) != f.get(key) {
                            out.push(format!(
                                "message {name} field {fname}: {key} is {} in proto/, {} in the reference",
                                facts[key], f[key]
                            ));
                        }
                    }
                }
            }
        }
        for extra in have.keys() {
            out.push(format!(
                "message {name} field {extra}: not in the reference"
            ));
        }
    }
    // google.protobuf is only partly listed (the well-known types we use) and google.api holds
    // the annotations' own types; all else must match 1:1.
    let listed = |package: &str| !package.starts_with("google.protobuf") && package != "google.api";
    for m in pool.all_messages() {
        if listed(m.package_name()) && !messages.contains_key(m.full_name()) {
            out.push(format!("message {}: not in the reference", m.full_name()));
        }
    }

    let enums = reference["enums"].as_object().expect("enums object");
    for (name, want) in enums {
        let Some(got) = pool.get_enum_by_name(name) else {
            out.push(format!("enum {name}: missing from proto/"));
            continue;
        };
        let have: BTreeMap<String, i32> = got
            .values()
            .map(|v| (v.name().to_owned(), v.number()))
            .collect();
        let want: BTreeMap<String, i32> = want
            .as_object()
            .expect("enum values")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().expect("enum number") as i32))
            .collect();
        if have != want {
            out.push(format!(
                "enum {name}: values {have:?} in proto/, {want:?} in the reference"
            ));
        }
    }
    for e in pool.all_enums() {
        if listed(e.package_name()) && !enums.contains_key(e.full_name()) {
            out.push(format!("enum {}: not in the reference", e.full_name()));
        }
    }

    let info_ext = pool.get_extension_by_name("google.longrunning.operation_info");
    for (sname, methods) in reference["services"].as_object().expect("services object") {
        let Some(service) = pool.get_service_by_name(sname) else {
            out.push(format!("service {sname}: missing from proto/"));
            continue;
        };
        let host = extension(&service.options(), "google.api.default_host");
        let want_host = sname
            .starts_with("google.cloud.contactcenterinsights")
            .then(|| reference["default_host"].clone());
        if host.as_ref().and_then(|h| h.as_str()).map(|h| json!(h)) != want_host {
            out.push(format!(
                "service {sname}: default_host is {host:?} in proto/"
            ));
        }
        let methods = methods.as_object().expect("methods object");
        for (mname, want) in methods {
            let Some(method) = service.methods().find(|m| m.name() == mname) else {
                out.push(format!(
                    "service {sname} method {mname}: missing from proto/"
                ));
                continue;
            };
            let mut facts = json!({
                "request": method.input().full_name(),
                "response": method.output().full_name(),
            });
            let info = info_ext
                .as_ref()
                .filter(|ext| method.options().has_extension(ext));
            if let Some(ext) = info {
                if let Reflected::Message(info) = method.options().get_extension(ext).as_ref() {
                    for (key, field) in [
                        ("operation_response", "response_type"),
                        ("operation_metadata", "metadata_type"),
                    ] {
                        let v = info
                            .get_field_by_name(field)
                            .and_then(|v| v.as_str().map(str::to_owned));
                        facts[key] = json!(v);
                    }
                }
            }
            let options = method.options();
            if let Some(Reflected::Message(rule)) = extension(&options, "google.api.http") {
                facts["http"] = json!(http_facts(&rule));
            }
            if let Some(Reflected::List(sigs)) = extension(&options, "google.api.method_signature")
            {
                let sigs: Vec<&str> = sigs.iter().filter_map(|v| v.as_str()).collect();
                facts["signatures"] = json!(sigs);
            }
            if &facts != want {
                out.push(format!(
                    "service {sname} method {mname}: {facts} in proto/, {want} in the reference"
                ));
            }
        }
        for m in service.methods() {
            if !methods.contains_key(m.name()) {
                out.push(format!(
                    "service {sname} method {}: not in the reference",
                    m.name()
                ));
            }
        }
    }
    out
}

#[test]
fn compiled_descriptors_equal_the_reference() {
    let drift = drift(&reference(), &compiled());
    assert!(
        drift.is_empty(),
        "proto/ drifted from the reference:\n{}",
        drift.join("\n")
    );
}

#[test]
fn reference_counts_match_the_issue() {
    let r = reference();
    assert_eq!(r["messages"].as_object().map(|m| m.len()), Some(263));
    assert_eq!(r["enums"].as_object().map(|m| m.len()), Some(24));
    let insights = &r["services"]["google.cloud.contactcenterinsights.v1.ContactCenterInsights"];
    assert_eq!(insights.as_object().map(|m| m.len()), Some(74));
    let lro = insights.as_object().map_or(0, |m| {
        m.values()
            .filter(|v| v.get("operation_response").is_some())
            .count()
    });
    assert_eq!(lro, 17);
}

/// The comparison itself must notice each kind of drift and name where it is.
#[test]
fn drift_is_reported_naming_message_and_field() {
    let pool = compiled();
    const M: &str = "google.cloud.contactcenterinsights.v1.IssueModel";
    type Tamper = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Tamper, &str)> = vec![
        (
            Box::new(|r| r["messages"][M]["fields"][1]["number"] = json!(99)),
            "field display_name: number",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["type"] = json!("TYPE_BYTES")),
            "field display_name: type",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["label"] = json!("LABEL_REPEATED")),
            "field display_name: label",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["oneof"] = json!("x")),
            "field display_name: oneof",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["proto3_optional"] = json!(true)),
            "field display_name: proto3_optional",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["name"] = json!("title")),
            "field title: missing",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["type_name"] = json!("google.protobuf.Any")),
            "field display_name: type_name",
        ),
        (
            Box::new(|r| r["messages"][M]["map_entry"] = json!(true)),
            "IssueModel: map_entry",
        ),
        (
            Box::new(|r| r["enums"]["google.rpc.Code"]["OK"] = json!(42)),
            "enum google.rpc.Code: values",
        ),
        (
            Box::new(|r| {
                r["services"]["google.cloud.contactcenterinsights.v1.ContactCenterInsights"]
                    ["CreateIssueModel"]["operation_metadata"] = json!("google.protobuf.Empty")
            }),
            "method CreateIssueModel",
        ),
        (
            Box::new(|r| r["messages"][M]["fields"][1]["behavior"] = json!(["OUTPUT_ONLY"])),
            "field display_name: behavior",
        ),
        (
            Box::new(|r| {
                r["messages"][M]["fields"][0]["resource_reference"] = json!({"type": "x/Y"})
            }),
            "field name: resource_reference",
        ),
        (
            Box::new(|r| r["messages"][M]["resource"]["pattern"][0] = json!("issueModels/{m}")),
            "IssueModel: resource",
        ),
        (
            Box::new(|r| {
                r["services"]["google.cloud.contactcenterinsights.v1.ContactCenterInsights"]
                    ["GetIssueModel"]["http"][0]["uri"] = json!("/v1/{name=*}")
            }),
            "method GetIssueModel",
        ),
        (
            Box::new(|r| {
                r["services"]["google.cloud.contactcenterinsights.v1.ContactCenterInsights"]
                    ["GetIssueModel"]["signatures"] = json!(["parent"])
            }),
            "method GetIssueModel",
        ),
        (
            Box::new(|r| r["default_host"] = json!("example.com")),
            "default_host",
        ),
        (
            Box::new(|r| {
                r["messages"]
                    .as_object_mut()
                    .expect("messages")
                    .remove("google.rpc.RetryInfo");
            }),
            "message google.rpc.RetryInfo: not in the reference",
        ),
    ];
    for (tamper, expect) in cases {
        let mut r = reference();
        tamper(&mut r);
        let found = drift(&r, &pool);
        assert!(
            found.iter().any(|line| line.contains(expect)),
            "expected a drift containing {expect:?}, got {found:?}"
        );
    }
}
