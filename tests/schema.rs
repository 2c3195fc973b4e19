//! The compiled descriptors must equal the published schema facts in `tests/reference/schema.json`:
//! every package, message, field (name, number, type, label, type name, oneof, proto3 optional),
//! enum value and service method. A drift fails naming the message and the field.

use std::collections::BTreeMap;

use prost_reflect::{DescriptorPool, MessageDescriptor, Value as Reflected};
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
            let facts = json!({
                "name": raw.name(),
                "number": raw.number(),
                "type": raw.r#type().as_str_name(),
                "label": raw.label().as_str_name(),
                "type_name": type_name,
                "oneof": oneof,
                "proto3_optional": raw.proto3_optional(),
            });
            (raw.name().to_owned(), facts)
        })
        .collect()
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
                    ] {
                        if facts[key] != f[key] {
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
    // google.protobuf is only partly listed (the well-known types we use); all else must match 1:1.
    for m in pool.all_messages() {
        if !m.package_name().starts_with("google.protobuf") && !messages.contains_key(m.full_name())
        {
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
        if !e.package_name().starts_with("google.protobuf") && !enums.contains_key(e.full_name()) {
            out.push(format!("enum {}: not in the reference", e.full_name()));
        }
    }

    let info_ext = pool.get_extension_by_name("google.longrunning.operation_info");
    for (sname, methods) in reference["services"].as_object().expect("services object") {
        let Some(service) = pool.get_service_by_name(sname) else {
            out.push(format!("service {sname}: missing from proto/"));
            continue;
        };
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
    assert_eq!(r["messages"].as_object().map(|m| m.len()), Some(172));
    assert_eq!(r["enums"].as_object().map(|m| m.len()), Some(20));
    let insights = &r["services"]["google.cloud.contactcenterinsights.v1.ContactCenterInsights"];
    assert_eq!(insights.as_object().map(|m| m.len()), Some(17));
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
