//! HTTP CONNECT proxies for `https` endpoints: chosen from `grpc_proxy`, `https_proxy` or
//! `HTTPS_PROXY` (in that order) unless `no_grpc_proxy`, `NO_PROXY` or `no_proxy` exempts the
//! host, or given on the builder. TLS stays on our side of the tunnel: the proxy sees the
//! target's name and encrypted bytes, never a token. Loopback endpoints are never proxied.
//!
//! Why not hyper-util's `client-proxy` (`Tunnel`, `Matcher`), which does most of this: measured
//! against what users see today (hyper-util 0.1.21), each is worse on a point our tests pin.
//! `Tunnel` reports any refusal but 407 as `TunnelUnsuccessful`, dropping the proxy's status
//! line that our error gives ("proxy P refused the tunnel: HTTP 403 Forbidden"), and takes only
//! 200 where any 2xx opens a tunnel. `Matcher` drops a proxy URL that does not parse and
//! connects directly, where we refuse at build ("proxy URL: does not parse", never echoing a
//! password), and does not read `grpc_proxy` / `no_grpc_proxy` or a `NO_PROXY` entry with a
//! port (`example.com:443`), which gRPC's own clients honour.

use std::{fmt, net::IpAddr};

use http::{HeaderValue, Uri};
use hyper_util::rt::TokioIo;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use base64::Engine;

use crate::Error;

/// The longest CONNECT answer head read from a proxy.
const MAX_HEAD: usize = 8 * 1024;

/// Where the proxy of an `https` endpoint comes from ([`crate::ClientBuilder::proxy`]).
#[derive(Debug, Default)]
pub(crate) enum ProxySetting {
    /// `grpc_proxy` / `https_proxy` / `HTTPS_PROXY`, unless `NO_PROXY` exempts the host.
    #[default]
    FromEnv,
    /// This URL (kept as given, parsed at build; never shown: it may hold a password).
    Url(Redacted),
    /// None.
    Off,
}

/// A string that `Debug` does not show.
pub(crate) struct Redacted(String);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl ProxySetting {
    /// An explicit proxy URL.
    pub(crate) fn url(url: String) -> ProxySetting {
        ProxySetting::Url(Redacted(url))
    }

    /// The proxy for `endpoint`: none for `http` and loopback endpoints.
    pub(crate) fn resolve(&self, endpoint: &Uri) -> Result<Option<Proxy>, Error> {
        let host = endpoint.host().unwrap_or_default();
        if endpoint.scheme_str() == Some("http") || is_loopback(host) {
            return Ok(None);
        }
        let proxy = match self {
            ProxySetting::FromEnv => from_env(host)?,
            ProxySetting::Url(url) => Some(Proxy::parse(&url.0)?),
            ProxySetting::Off => None,
        };
        if let Some(proxy) = &proxy {
            tracing::debug!(proxy = proxy.address(), host, "tunnelling through a proxy");
        }
        Ok(proxy)
    }
}

/// A proxy to tunnel through. `Debug` and errors never show its credentials.
#[derive(Clone)]
pub(crate) struct Proxy {
    /// `host:port` of the proxy.
    address: String,
    /// `Basic …` from the URL's `user:pass@`.
    authorization: Option<HeaderValue>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("address", &self.address)
            .field("credentials", &self.authorization.is_some())
            .finish()
    }
}

impl Proxy {
    /// From a proxy URL (`http://[user:pass@]host[:port]`; the port defaults to 80, or 443 for
    /// `https`, and a URL without a scheme is taken as `http://`).
    pub(crate) fn parse(url: &str) -> Result<Proxy, Error> {
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("http://{url}")
        };
        let bad = |why: &str| {
            // Never echo the URL: it may hold a password.
            Error::InvalidArgument(format!("proxy URL: {why}"))
        };
        let uri: Uri = with_scheme.parse().map_err(|_| bad("does not parse"))?;
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        let (userinfo, hostport) = match authority.as_str().rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority.as_str()),
        };
        let default_port = if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        };
        let address = match authority.port_u16() {
            Some(_) => hostport.to_owned(),
            None => format!("{hostport}:{default_port}"),
        };
        let authorization = userinfo
            .map(|u| {
                let decoded = percent_encoding::percent_decode_str(u).decode_utf8_lossy();
                let token = base64::engine::general_purpose::STANDARD.encode(decoded.as_bytes());
                let mut value = HeaderValue::try_from(format!("Basic {token}"))
                    .map_err(|_| bad("credentials are not valid in a header"))?;
                value.set_sensitive(true);
                Ok::<_, Error>(value)
            })
            .transpose()?;
        Ok(Proxy {
            address,
            authorization,
        })
    }

    /// The proxy's `host:port`.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// Opens a tunnel to `target` (its host and port) through the proxy.
    pub(crate) async fn connect(&self, target: Uri) -> std::io::Result<TokioIo<TcpStream>> {
        let host = target.host().unwrap_or_default();
        let port = target.port_u16().unwrap_or(443);
        let mut stream = TcpStream::connect(&self.address).await?;
        let _ = stream.set_nodelay(true);
        let mut head = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
        if let Some(auth) = &self.authorization {
            head.push_str("Proxy-Authorization: ");
            head.push_str(auth.to_str().unwrap_or_default());
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        // Byte by byte up to the blank line: nothing of the tunnel is read past the head.
        let mut answer = Vec::with_capacity(256);
        while !answer.ends_with(b"\r\n\r\n") {
            if answer.len() >= MAX_HEAD {
                return Err(self.refused("an answer head over 8 KiB".into()));
            }
            let byte = stream.read_u8().await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("proxy {} closed the tunnel: {e}", self.address),
                )
            })?;
            answer.push(byte);
        }
        let status_line = answer
            .split(|&b| b == b'\r')
            .next()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let (_, code) = (
            parts.next(),
            parts.next().and_then(|c| c.parse::<u16>().ok()),
        );
        match code {
            Some(200..=299) => Ok(TokioIo::new(stream)),
            Some(code) => {
                let reason = parts
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(64)
                    .collect::<String>();
                Err(self.refused(format!("HTTP {code} {reason}").trim_end().to_owned()))
            }
            None => Err(self.refused(format!(
                "not an HTTP answer: {:?}",
                status_line.chars().take(64).collect::<String>()
            ))),
        }
    }

    fn refused(&self, status: String) -> std::io::Error {
        std::io::Error::other(ProxyRefused {
            proxy: self.address.clone(),
            status,
        })
    }
}

/// A proxy that would not open the tunnel: its address and what it answered.
#[derive(Debug)]
pub(crate) struct ProxyRefused {
    pub(crate) proxy: String,
    pub(crate) status: String,
}

impl fmt::Display for ProxyRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "proxy {} refused the tunnel: {}",
            self.proxy, self.status
        )
    }
}

impl std::error::Error for ProxyRefused {}

/// The proxy for `host` from the environment, as gRPC and Google's libraries choose it.
pub(crate) fn from_env(host: &str) -> Result<Option<Proxy>, Error> {
    choose(host, |name| std::env::var(name).ok())
}

/// [`from_env`] over any variable lookup.
pub(crate) fn choose(
    host: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, Error> {
    if is_loopback(host) {
        return Ok(None);
    }
    let Some(url) = ["grpc_proxy", "https_proxy", "HTTPS_PROXY"]
        .iter()
        .find_map(|n| var(n).filter(|v| !v.trim().is_empty()))
    else {
        return Ok(None);
    };
    let exempt = ["no_grpc_proxy", "NO_PROXY", "no_proxy"]
        .iter()
        .filter_map(|n| var(n))
        .any(|list| exempts(&list, host));
    if exempt {
        return Ok(None);
    }
    Proxy::parse(url.trim()).map(Some)
}

/// Whether a `NO_PROXY` list exempts `host`: `*`, the host itself, or a domain it is under
/// (`example.com` and `.example.com` both cover `api.example.com`). Ports are ignored.
fn exempts(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            // Drop a port, but not the colons of an IPv6 address.
            let entry = match entry.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => h,
                _ => entry,
            };
            let entry = entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase();
            host == entry || host.ends_with(&format!(".{entry}"))
        })
}

/// Loopback hosts: never proxied.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_proxy_variables_are_read_in_grpcs_order() {
        let host = "contactcenterinsights.googleapis.com";
        let all = [
            ("grpc_proxy", "http://g:1"),
            ("https_proxy", "http://h:2"),
            ("HTTPS_PROXY", "http://H:3"),
        ];
        assert_eq!(choose(host, env(&all)).unwrap().unwrap().address(), "g:1");
        assert_eq!(
            choose(host, env(&all[1..])).unwrap().unwrap().address(),
            "h:2"
        );
        assert_eq!(
            choose(host, env(&all[2..])).unwrap().unwrap().address(),
            "H:3"
        );
        assert!(choose(host, env(&[])).unwrap().is_none());
        // Defaults: port 80, a bare host:port taken as http.
        assert_eq!(
            choose(host, env(&[("https_proxy", "proxy.corp")]))
                .unwrap()
                .unwrap()
                .address(),
            "proxy.corp:80"
        );
        assert_eq!(
            choose(host, env(&[("https_proxy", "proxy.corp:3128")]))
                .unwrap()
                .unwrap()
                .address(),
            "proxy.corp:3128"
        );
    }

    #[test]
    fn no_proxy_lists_exempt_hosts_and_loopback_is_never_proxied() {
        let p = ("https_proxy", "http://p:3128");
        let proxied =
            |host: &str, no: &str| choose(host, env(&[p, ("NO_PROXY", no)])).unwrap().is_some();
        assert!(!proxied("api.example.com", "example.com"));
        assert!(!proxied("api.example.com", ".example.com"));
        assert!(!proxied("api.example.com", "other.org, example.com:443"));
        assert!(!proxied("anything", "*"));
        assert!(proxied("api.example.com", "ample.com"));
        assert!(proxied("api.example.com", ""));
        assert!(!proxied("10.0.0.1", "10.0.0.1"));
        for lower in ["no_proxy", "no_grpc_proxy"] {
            assert!(choose("a.b", env(&[p, (lower, "a.b")])).unwrap().is_none());
        }
        for loopback in ["127.0.0.1", "localhost", "[::1]", "127.9.9.9"] {
            assert!(is_loopback(loopback), "{loopback}");
            assert!(choose(loopback, env(&[p])).unwrap().is_none(), "{loopback}");
        }
        for other in [
            "10.0.0.1",
            "example.com",
            "contactcenterinsights.googleapis.com",
        ] {
            assert!(!is_loopback(other), "{other}");
        }
    }

    #[test]
    fn credentials_in_the_url_become_basic_and_never_show() {
        let proxy = Proxy::parse("http://alice:s%3Acret@proxy.corp:3128").unwrap();
        assert_eq!(proxy.address(), "proxy.corp:3128");
        let auth = proxy.authorization.as_ref().unwrap();
        // base64("alice:s:cret")
        assert_eq!(auth.to_str().unwrap(), "Basic YWxpY2U6czpjcmV0");
        assert!(auth.is_sensitive());
        let shown = format!("{proxy:?}");
        assert!(
            !shown.contains("alice") && !shown.contains("cret"),
            "{shown}"
        );
        let err = Proxy::parse("http://alice:secret@")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}
