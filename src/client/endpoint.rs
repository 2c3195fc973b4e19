//! The endpoint: one given, read as a URL, or the default one (the universe's Insights host, or
//! the mTLS host when asked for).

use super::DEFAULT_ENDPOINT;
use crate::Error;

/// A given endpoint as a URL: `https://…` and `http://…` as they are, and a bare `HOST:PORT`
/// (the line the emulator prints, and what `CONTACT_CENTER_INSIGHTS_EMULATOR_HOST` holds) as
/// `http://HOST:PORT`, as that variable means it. Anything else is refused, saying what to
/// write; this runs before credentials are looked for, so a typo is not reported as missing
/// credentials.
pub(crate) fn endpoint_url(given: &str) -> Result<String, Error> {
    const WRITE: &str = "write https://HOST[:PORT] (TLS), or http://HOST:PORT for a plaintext \
                         emulator";
    let given = given.trim();
    if let Some((scheme, _)) = given.split_once("://") {
        return if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") {
            Ok(given.to_owned())
        } else {
            Err(Error::InvalidArgument(format!(
                "endpoint {given:?}: the scheme {scheme:?} is not served; {WRITE}"
            )))
        };
    }
    let host_port = given.rsplit_once(':').filter(|(host, port)| {
        !host.is_empty()
            && !host.contains(['/', '@', '?', '#'])
            && port.parse::<u16>().is_ok()
            && port.bytes().all(|b| b.is_ascii_digit())
    });
    match host_port {
        Some(_) => Ok(format!("http://{given}")),
        None => Err(Error::InvalidArgument(format!(
            "endpoint {given:?} is not a URL: {WRITE}"
        ))),
    }
}

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

    #[test]
    fn a_bare_host_and_port_is_plaintext_as_the_emulator_variable_means_it() {
        for (given, want) in [
            ("127.0.0.1:32905", "http://127.0.0.1:32905"),
            ("localhost:8080", "http://localhost:8080"),
            ("[::1]:8080", "http://[::1]:8080"),
            (" https://example.test ", "https://example.test"),
            ("HTTP://127.0.0.1:1", "HTTP://127.0.0.1:1"),
        ] {
            assert_eq!(endpoint_url(given).unwrap(), want, "{given}");
        }
    }

    #[test]
    fn other_endpoints_are_refused_saying_what_to_write() {
        for given in [
            "ftp://x",
            "grpc://127.0.0.1:1",
            "example.test",
            "127.0.0.1",
            "host:port",
            "host:99999",
            "host:+80",
            ":80",
            "a/b:80",
            "",
        ] {
            let err = endpoint_url(given).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{given}");
            let line = err.to_string();
            assert!(line.contains("http://HOST:PORT"), "{given}: {line}");
        }
    }

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
