//! The published HTTP bindings of the emulated RPCs (`http_rules.json`, facts exported from
//! Google's published clients), parsed once into routes.

use std::sync::OnceLock;

use super::template::Template;

/// One HTTP binding of an RPC.
pub(crate) struct Route {
    /// `google.longrunning.Operations` or the Insights service.
    pub(crate) service: String,
    /// The RPC, e.g. `GetOperation`.
    pub(crate) rpc: String,
    /// `GET`, `POST`, `DELETE`, ...
    pub(crate) verb: http::Method,
    pub(crate) template: Template,
    /// `"*"` (the whole request), a field name, or none.
    pub(crate) body: Option<String>,
    has_custom_verb: bool,
}

const RULES: &str = include_str!("http_rules.json");

/// Every route, those with a custom verb (`:cancel`) first: a template without one would also
/// match a path that ends with one.
pub(crate) fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut routes = parse(RULES);
        routes.sort_by_key(|r| !r.has_custom_verb);
        routes
    })
}

/// The routes of a rules file; a rule that does not parse is left out (the file is ours, and
/// a test checks that every rule parses).
fn parse(rules: &str) -> Vec<Route> {
    let Ok(serde_json::Value::Object(services)) = serde_json::from_str(rules) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (service, rpcs) in &services {
        let Some(rpcs) = rpcs.as_object() else {
            continue;
        };
        for (rpc, bindings) in rpcs {
            for b in bindings.as_array().into_iter().flatten() {
                let text = |k: &str| b.get(k).and_then(serde_json::Value::as_str);
                let (Some(method), Some(uri)) = (text("method"), text("uri")) else {
                    continue;
                };
                let (Ok(verb), Ok(template)) = (
                    http::Method::from_bytes(method.to_ascii_uppercase().as_bytes()),
                    Template::parse(uri),
                ) else {
                    continue;
                };
                out.push(Route {
                    service: service.clone(),
                    rpc: rpc.clone(),
                    verb,
                    template,
                    body: text("body").map(str::to_owned),
                    has_custom_verb: uri
                        .rsplit('/')
                        .next()
                        .is_some_and(|last| last.contains(':')),
                });
            }
        }
    }
    out
}

/// The route of a request and its path bindings.
pub(crate) fn find<'r>(
    verb: &http::Method,
    path: &str,
) -> Option<(&'r Route, Vec<(String, String)>)> {
    routes()
        .iter()
        .filter(|r| r.verb == *verb)
        .find_map(|r| r.template.matches(path).map(|b| (r, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_rule_is_a_route() {
        let rules: serde_json::Value = serde_json::from_str(RULES).unwrap_or_default();
        let published: usize = rules
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, rpcs)| rpcs.as_object())
            .flat_map(|rpcs| rpcs.values())
            .filter_map(|b| b.as_array())
            .map(Vec::len)
            .sum();
        assert_eq!(routes().len(), published);
        assert_eq!(published, 79);
    }

    #[test]
    fn the_cancel_verb_wins_over_the_bare_name() {
        let path = "/v1/projects/p/locations/l/operations/o:cancel";
        let (route, bindings) = find(&http::Method::POST, path).expect("a route");
        assert_eq!(route.rpc, "CancelOperation");
        assert_eq!(
            bindings,
            [(
                "name".to_owned(),
                "projects/p/locations/l/operations/o".to_owned()
            )]
        );
        let (route, _) = find(
            &http::Method::GET,
            "/v1/projects/p/locations/l/operations/o",
        )
        .expect("a route");
        assert_eq!(route.rpc, "GetOperation");
    }
}
