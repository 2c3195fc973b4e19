//! The plain Rust that `tools/gen_proto.py` writes from the published schema
//! (`tests/reference/schema.json`), one file per concern; each is re-exported where it belongs:
//!
//! - `table.rs`: [`crate::rpc::Rpc`] (and [`crate::rpc::Paged`]) for each request, and the
//!   method tables [`crate::rpc::INSIGHTS_METHODS`] and
//!   [`crate::rpc::INSIGHTS_OPERATION_METHODS`];
//! - `methods.rs`: the [`crate::insights::InsightsClient`] methods and the operation aliases;
//! - `resources.rs`: the resource name types of [`crate::name`].
//!
//! The mock's service and REST dispatch are in `mock/src/generated/`. Edit the generator, never
//! these files: `tests/generated.rs` names one that differs from what it writes. The tests
//! below tie the table to the compiled descriptors.

pub(crate) mod methods;
pub(crate) mod resources;
pub(crate) mod table;

#[cfg(test)]
mod tests {

    use crate::proto::google::cloud::contactcenterinsights::v1::*;
    use crate::registry;
    use crate::rpc::{Method, Rpc, INSIGHTS_METHODS, INSIGHTS_OPERATION_METHODS};

    /// The reference the generator read.
    fn reference() -> serde_json::Value {
        let text = include_str!("../../tests/reference/schema.json");
        serde_json::from_str(text).expect("the reference is JSON")
    }

    fn service() -> prost_reflect::ServiceDescriptor {
        registry::pool()
            .get_service_by_name(registry::INSIGHTS_SERVICE)
            .expect("the Insights service is in the pool")
    }

    #[test]
    fn the_table_lists_the_services_rpcs_in_order() {
        let rpcs: Vec<&str> = INSIGHTS_METHODS.iter().map(|m| m.name).collect();
        let declared: Vec<String> = service().methods().map(|m| m.name().to_owned()).collect();
        assert_eq!(rpcs, declared);
        assert_eq!(rpcs.len(), 74);
        let lro: Vec<&str> = INSIGHTS_OPERATION_METHODS.iter().map(|m| m.name).collect();
        assert_eq!(lro, registry::insights_lro_methods());
    }

    #[test]
    fn each_row_carries_the_declared_types() {
        let service = service();
        let rows = super::table::rows();
        assert_eq!(rows.len(), 74);
        for (method, request, response) in rows {
            let rpc = method.name;
            let declared = service.methods().find(|m| m.name() == rpc).expect(rpc);
            assert_eq!(declared.input().full_name(), request, "{rpc}");
            let short = declared.output().name().to_owned();
            let written = response.rsplit("::").next().unwrap_or_default().trim();
            let written = if written == "()" { "Empty" } else { written };
            assert_eq!(written, short, "{rpc}");
        }
    }

    #[test]
    fn each_row_routes_and_retries_as_its_http_rule_says() {
        let reference = reference();
        let rules = &reference["services"][registry::INSIGHTS_SERVICE];
        for m in INSIGHTS_METHODS {
            let bindings = rules[m.name]["http"].as_array().expect(m.name);
            assert_eq!(m.read, bindings[0]["method"] == "get", "{}", m.name);
            assert_eq!(m.path, format!("/{}/{}", m.service, m.name));
            for b in bindings {
                let uri = b["uri"].as_str().expect("a uri");
                let var = uri
                    .split('{')
                    .nth(1)
                    .and_then(|v| v.split('}').next())
                    .expect(uri);
                let (field, template) = var.split_once('=').expect(uri);
                assert_eq!(m.routing_field, field, "{}", m.name);
                // Each binding's template is one of the accepted patterns.
                let shape = |p: &str| {
                    p.split('/')
                        .map(|s| if s.starts_with('{') { "*" } else { s })
                        .collect::<Vec<_>>()
                        .join("/")
                };
                assert!(
                    m.patterns.iter().any(|p| shape(p) == template),
                    "{}: {template} not among {:?}",
                    m.name,
                    m.patterns
                );
            }
        }
    }

    #[test]
    fn each_routing_field_is_a_string_field_of_its_request() {
        let service = service();
        for m in INSIGHTS_METHODS {
            let method = service
                .methods()
                .find(|d| d.name() == m.name)
                .expect(m.name);
            let (mut message, mut kind) = (Some(method.input()), None);
            for part in m.routing_field.split('.') {
                let field = message.as_ref().and_then(|d| d.get_field_by_name(part));
                kind = field.as_ref().map(|f| f.kind());
                message = kind.as_ref().and_then(|k| k.as_message().cloned());
            }
            assert!(
                matches!(kind, Some(prost_reflect::Kind::String)),
                "{}: {} is not a string field",
                m.name,
                m.routing_field
            );
        }
    }

    #[test]
    fn a_routing_value_is_read_from_its_field() {
        let r = UpdateConversationRequest {
            conversation: Some(Conversation {
                name: "projects/p/locations/l/conversations/c".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(r.routing_value(), "projects/p/locations/l/conversations/c");
        assert_eq!(UpdateConversationRequest::default().routing_value(), "");
        let m: &Method = <CalculateStatsRequest as Rpc>::METHOD;
        assert!(m.check("projects/p/locations/l").is_ok());
        assert!(m
            .check("projects/p/locations/l/authorizedViewSet/s/authorizedView/v")
            .is_ok());
        assert!(m.check("projects/p").is_err());
    }
}
