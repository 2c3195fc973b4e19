//! The Insights RPCs as one table, generated from the published schema by
//! `tools/gen_proto.py` (`table.rs`): the library's methods ([`crate::insights`]), the
//! [`crate::rpc::Rpc`] impls, the resource name types ([`crate::name`]), the mock's service
//! and the mock's method list all expand from it. The tests below tie it to the compiled
//! descriptors.

mod table;

#[cfg(test)]
mod tests {
    use prost::Name;

    use crate::proto::google::cloud::contactcenterinsights::v1::*;
    use crate::registry;

    /// One row as the schema sees it.
    struct Row {
        rpc: &'static str,
        request: String,
        response: String,
        metadata: String,
        field: &'static str,
    }

    macro_rules! rows {
        ($(
            $(#[$doc:meta])*
            $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
            route $key:literal = |$r:ident| $value:expr, $pattern:expr;
        )*) => {
            vec![$(Row {
                rpc: $rpc,
                request: <$req as Name>::full_name(),
                response: <$resp as Name>::full_name(),
                metadata: <$meta as Name>::full_name(),
                field: $key,
            }),*]
        };
    }

    fn table() -> Vec<Row> {
        crate::insights_lro_rpcs!(rows)
    }

    #[test]
    fn the_table_lists_the_services_rpcs_in_order() {
        let rpcs: Vec<&str> = table().iter().map(|r| r.rpc).collect();
        assert_eq!(rpcs, registry::insights_lro_methods());
    }

    #[test]
    fn each_row_carries_the_declared_operation_types() {
        for row in table() {
            assert_eq!(
                registry::operation_info(row.rpc),
                Some((row.response, row.metadata)),
                "{}",
                row.rpc
            );
        }
    }

    #[test]
    fn each_row_routes_on_a_string_field_of_its_request() {
        let service = registry::pool()
            .get_service_by_name(registry::INSIGHTS_SERVICE)
            .expect("the Insights service is in the pool");
        for row in table() {
            let method = service.methods().find(|m| m.name() == row.rpc);
            let input = method.map(|m| m.input());
            assert_eq!(
                input.as_ref().map(|i| i.full_name()),
                Some(row.request.as_str()),
                "{}",
                row.rpc
            );
            let (mut message, mut kind) = (input, None);
            for part in row.field.split('.') {
                let field = message.as_ref().and_then(|m| m.get_field_by_name(part));
                kind = field.as_ref().map(|f| f.kind());
                message = kind.as_ref().and_then(|k| k.as_message().cloned());
            }
            assert!(
                matches!(kind, Some(prost_reflect::Kind::String)),
                "{}: {} is not a string field of {}",
                row.rpc,
                row.field,
                row.request
            );
        }
    }
}
