//! The default endpoint: the universe's Insights host, or the mTLS host when asked for.

use super::DEFAULT_ENDPOINT;

/// The environment variable naming the universe (the domain the default endpoint is under).
pub const UNIVERSE_DOMAIN_ENV: &str = "GOOGLE_CLOUD_UNIVERSE_DOMAIN";
/// The environment variable that, set to `true` with a client certificate configured, selects
/// the mTLS endpoint.
pub const USE_CLIENT_CERTIFICATE_ENV: &str = "GOOGLE_API_USE_CLIENT_CERTIFICATE";

/// Google's universe.
const GOOGLE: &str = "googleapis.com";

/// The endpoint chosen when none is given, and the universe it is in.
pub(crate) struct DefaultEndpoint {
    pub(crate) url: String,
    pub(crate) universe: String,
}

impl DefaultEndpoint {
    /// From the builder's universe (else [`UNIVERSE_DOMAIN_ENV`]) and
    /// [`USE_CLIENT_CERTIFICATE_ENV`].
    pub(crate) fn from_env(universe: Option<&str>, has_identity: bool) -> DefaultEndpoint {
        let from_env = std::env::var(UNIVERSE_DOMAIN_ENV).ok();
        let use_cert = std::env::var(USE_CLIENT_CERTIFICATE_ENV)
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
        DefaultEndpoint::new(universe.or(from_env.as_deref()), use_cert, has_identity)
    }

    /// `https://contactcenterinsights.{universe}` (`googleapis.com` unless said otherwise), or
    /// the mTLS endpoint when asked for with a client certificate in Google's universe.
    fn new(universe: Option<&str>, use_client_certificate: bool, has_identity: bool) -> Self {
        let universe = universe
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(GOOGLE)
            .to_owned();
        let url = if universe != GOOGLE {
            format!("https://contactcenterinsights.{universe}")
        } else if use_client_certificate && has_identity {
            "https://contactcenterinsights.mtls.googleapis.com".to_owned()
        } else {
            DEFAULT_ENDPOINT.to_owned()
        };
        DefaultEndpoint { url, universe }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(universe: Option<&str>, use_cert: bool, identity: bool) -> String {
        DefaultEndpoint::new(universe, use_cert, identity).url
    }

    #[test]
    fn the_default_endpoint_follows_the_universe_and_the_mtls_switch() {
        assert_eq!(url(None, false, false), DEFAULT_ENDPOINT);
        assert_eq!(url(Some(""), false, false), DEFAULT_ENDPOINT);
        assert_eq!(
            url(Some("example-cloud.test"), false, false),
            "https://contactcenterinsights.example-cloud.test"
        );
        assert_eq!(
            url(None, true, true),
            "https://contactcenterinsights.mtls.googleapis.com"
        );
        // The switch needs a certificate, and there is no mTLS endpoint in other universes.
        assert_eq!(url(None, true, false), DEFAULT_ENDPOINT);
        assert_eq!(
            url(Some("example-cloud.test"), true, true),
            "https://contactcenterinsights.example-cloud.test"
        );
        assert_eq!(
            DefaultEndpoint::new(Some(" x.test "), false, false).universe,
            "x.test"
        );
        assert_eq!(DefaultEndpoint::new(None, false, false).universe, GOOGLE);
    }
}
