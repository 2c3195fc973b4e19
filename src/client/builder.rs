//! [`ClientBuilder`]: endpoint and TLS, credentials, deadlines and policies.

use std::{sync::Arc, time::Duration};

use http::HeaderValue;
use tokio::sync::Semaphore;
use tonic::transport::{Channel, Endpoint};

use super::{
    endpoint::{endpoint_url, DefaultEndpoint},
    headers::grpc_timeout,
    pool::{Pool, STREAMS_PER_CONNECTION},
    proxy::{is_loopback, ProxySetting},
    tls::{ClientIdentity, TlsSettings},
    Client, Settings, Transport, API_DEADLINE, DEFAULT_CONCURRENT_POLLS, EMULATOR_HOST_ENV,
    OPERATIONS_DEADLINE,
};
use crate::{auth::Credentials, Error, PollPolicy, RetryPolicy};

/// Builds a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    quota_project: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    keep_alive: Option<Duration>,
    retry: Option<RetryPolicy>,
    poll: Option<PollPolicy>,
    max_concurrent_polls: Option<usize>,
    max_polls_per_second: Option<f64>,
    tls: TlsSettings,
    proxy: ProxySetting,
    universe_domain: Option<String>,
    connections: Option<usize>,
    streams_per_connection: Option<usize>,
}

impl ClientBuilder {
    /// The endpoint URL: `https://…` (TLS, verified against the system's trust store, or the
    /// webpki roots where the system has none, plus [`ClientBuilder::ca_certificate`]s) or
    /// `http://…` for an emulator; a bare `HOST:PORT`, the line `ccai-lro emulator` prints, means
    /// `http://HOST:PORT`, as [`EMULATOR_HOST_ENV`] does. Another scheme, or a host without a
    /// port or scheme, fails [`build`](Self::build) with [`Error::InvalidArgument`] saying what
    /// to write, before credentials are looked for. Default:
    /// [`DEFAULT_ENDPOINT`](super::DEFAULT_ENDPOINT), or the emulator named by
    /// [`EMULATOR_HOST_ENV`].
    ///
    /// ```
    /// # async fn f() -> Result<(), ccai_lro::Error> {
    /// // What the emulator printed; the same as "http://127.0.0.1:32905".
    /// let client = ccai_lro::Client::builder().endpoint("127.0.0.1:32905").build()?;
    /// # Ok(()) }
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The credentials. Default: Application Default Credentials for `https` (feature `adc`;
    /// without it, building fails asking for credentials), none for `http`.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Also trust the CA certificates in `pem` (one or more, PEM): a corporate proxy's CA, a
    /// private CA, an emulator's. A file that does not parse fails [`ClientBuilder::build`].
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.ca_certificates.push(pem.into());
        self
    }

    /// Present this client certificate (PEM, a chain allowed) with its private key (PEM) to
    /// servers that ask for one (mTLS). The key never appears in `Debug`.
    pub fn client_identity(
        mut self,
        cert_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Self {
        self.tls.identity = Some(ClientIdentity::new(cert_pem.as_ref(), key_pem.as_ref()));
        self
    }

    /// Tunnel `https` connections through this HTTP CONNECT proxy
    /// (`http://[user:password@]host:port`; the credentials become Basic
    /// `Proxy-Authorization`). TLS runs inside the tunnel. Default: the proxy of `grpc_proxy`,
    /// `https_proxy` or `HTTPS_PROXY`, unless `no_grpc_proxy`, `NO_PROXY` or `no_proxy`
    /// exempts the host. Loopback endpoints are never proxied.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::url(url.into());
        self
    }

    /// The universe the default endpoint is in: `contactcenterinsights.{domain}`. Default:
    /// [`UNIVERSE_DOMAIN_ENV`](super::UNIVERSE_DOMAIN_ENV), else `googleapis.com`. An explicit endpoint wins.
    pub fn universe_domain(mut self, domain: impl Into<String>) -> Self {
        self.universe_domain = Some(domain.into());
        self
    }

    /// At most how many HTTP/2 connections to open to the endpoint (default 1). A server caps
    /// the streams of a connection (Google's front ends allow 100): a call goes to the first
    /// connection with fewer than [`ClientBuilder::streams_per_connection`] calls under way,
    /// else to the least busy. Each connects on its first call, so the pool grows with the
    /// load: a quiet client keeps one connection.
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = Some(n.max(1));
        self
    }

    /// How many calls a connection carries before the pool uses the next
    /// (default [`STREAMS_PER_CONNECTION`](crate::client::STREAMS_PER_CONNECTION), 100: Google's
    /// front ends' cap); set it to a server's own `SETTINGS_MAX_CONCURRENT_STREAMS`.
    pub fn streams_per_connection(mut self, n: usize) -> Self {
        self.streams_per_connection = Some(n.max(1));
        self
    }

    /// No proxy, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Off;
        self
    }

    /// The project billed for quota (`x-goog-user-project`).
    pub fn quota_project(mut self, project: impl Into<String>) -> Self {
        self.quota_project = Some(project.into());
        self
    }

    /// How long to wait for the connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The deadline of each call attempt. Default: 10 s for Operations calls and 60 s for
    /// starting an operation, as in the services' published configurations. A call's retries
    /// together stay within the [`RetryPolicy`]'s budget.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// HTTP/2 keep-alive ping interval (default 60 s).
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = Some(interval);
        self
    }

    /// How many polls of [`Operation`](crate::Operation) handles may be in flight at once on
    /// this client (default 64); more wait for a slot. It bounds memory and load when thousands
    /// of operations are awaited together. Explicit calls (get, list, cancel) are not limited.
    pub fn max_concurrent_polls(mut self, n: usize) -> Self {
        self.max_concurrent_polls = Some(n);
        self
    }

    /// The poll budget: at most `n` polling RPCs a second on this client (GetOperation polls of
    /// every wait and progress stream, and a [`Watcher`](crate::watch::Watcher)'s GetOperation
    /// and ListOperations calls together; one-shot calls are not counted). RESOURCE_EXHAUSTED
    /// slows the whole budget and it recovers afterwards. Default: no limit.
    pub fn max_polls_per_second(mut self, n: f64) -> Self {
        self.max_polls_per_second = Some(n);
        self
    }

    /// The retry policy of one-shot Operations calls (get, cancel, delete, each list page).
    /// Polls are not retried by it: their failures go to the polling policy's
    /// [`PollErrorPolicy`](crate::poll::PollErrorPolicy).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The default polling policy of [`Operation::wait`](crate::Operation::wait).
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.poll = Some(policy);
        self
    }

    /// Builds a client over a channel you made (e.g. the mock server's), with this builder's
    /// credentials, quota project and policies; the endpoint settings do not apply. The plaintext
    /// check is yours: a channel carries no scheme to inspect.
    pub fn build_with_channel(self, channel: Channel) -> Result<Client, Error> {
        let credentials = self
            .credentials
            .clone()
            .unwrap_or_else(Credentials::anonymous);
        self.assemble(
            Pool::new(channel, Vec::new(), STREAMS_PER_CONNECTION),
            credentials,
            "(channel)".into(),
            None,
        )
    }

    /// Builds the client. The channel connects lazily, on the first call; call this inside a
    /// tokio runtime.
    pub fn build(self) -> Result<Client, Error> {
        // The channel spawns its worker task right away: without a runtime that would panic.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::InvalidArgument(
                "build the client inside a tokio runtime (the channel needs one)".into(),
            ));
        }
        let emulator = std::env::var(EMULATOR_HOST_ENV)
            .ok()
            .filter(|h| !h.is_empty());
        // Known when the endpoint is the default one: credentials from another universe are
        // refused before the first RPC.
        let mut universe_of_endpoint = None;
        let (url, default_anonymous) = match (&self.endpoint, emulator) {
            (Some(given), _) => {
                let url = endpoint_url(given)?;
                let plaintext = url
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
                (url, plaintext)
            }
            (None, Some(host)) => (format!("http://{host}"), true),
            (None, None) => {
                let chosen = DefaultEndpoint::from_env(
                    self.universe_domain.as_deref(),
                    self.tls.identity.is_some(),
                );
                universe_of_endpoint = Some(chosen.universe);
                (chosen.url, false)
            }
        };
        // The endpoint and TLS settings are checked before credentials are looked for: a
        // mistyped endpoint must not read as missing credentials.
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| Error::InvalidArgument(format!("endpoint {url:?}: {e}")))?;
        let uri = endpoint.uri().clone();
        self.tls.check()?;
        let credentials = match self.credentials.clone() {
            Some(c) => c,
            None if default_anonymous => Credentials::anonymous(),
            None => default_credentials()?,
        };
        if uri.scheme_str() == Some("https") {
            endpoint = endpoint
                .tls_config(self.tls.config())
                .map_err(|e| Error::InvalidArgument(format!("TLS for {url}: {e}")))?;
        } else {
            let host = uri.host().unwrap_or_default();
            if !credentials.is_anonymous() && !is_loopback(host) {
                return Err(Error::InvalidArgument(format!(
                    "refusing to send credentials in plaintext to {host}: use https, or anonymous \
                     credentials for an emulator"
                )));
            }
        }
        endpoint = endpoint
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .http2_keep_alive_interval(self.keep_alive.unwrap_or(Duration::from_secs(60)))
            .keep_alive_while_idle(true)
            .user_agent(user_agent())
            .map_err(|e| Error::InvalidArgument(format!("user agent: {e}")))?;
        let proxy = self.proxy.resolve(&uri)?;
        let connect = || match proxy.clone() {
            Some(proxy) => {
                endpoint.connect_with_connector_lazy(tower::service_fn(move |target: http::Uri| {
                    let proxy = proxy.clone();
                    async move { proxy.connect(target).await }
                }))
            }
            None => endpoint.connect_lazy(),
        };
        let extra = self.connections.unwrap_or(1).max(1) - 1;
        let pool = Pool::new(
            connect(),
            (0..extra).map(|_| connect()).collect(),
            self.streams_per_connection
                .unwrap_or(STREAMS_PER_CONNECTION),
        );
        let universe =
            universe_of_endpoint.map(|ours| super::universe::Check::new(ours, credentials.clone()));
        self.assemble(pool, credentials, url, universe)
    }
}

#[cfg(feature = "adc")]
fn default_credentials() -> Result<Credentials, Error> {
    Ok(Credentials::application_default()?)
}

#[cfg(not(feature = "adc"))]
fn default_credentials() -> Result<Credentials, Error> {
    Err(crate::auth::AuthError::new(
        "none given, and Application Default Credentials need the `adc` feature: enable it or \
         pass Credentials::api_key / access_token / from_provider",
    )
    .into())
}

impl ClientBuilder {
    fn assemble(
        self,
        pool: Pool,
        credentials: Credentials,
        endpoint: String,
        universe: Option<super::universe::Check>,
    ) -> Result<Client, Error> {
        let user_project = self
            .quota_project
            .as_deref()
            .map(|p| {
                HeaderValue::try_from(p)
                    .map_err(|_| Error::InvalidArgument(format!("quota project {p:?}")))
            })
            .transpose()?;
        let polls = self
            .max_concurrent_polls
            .unwrap_or(DEFAULT_CONCURRENT_POLLS)
            .max(1);
        let server = endpoint.parse::<http::Uri>().ok().and_then(|uri| {
            let port = uri
                .port_u16()
                .unwrap_or(if uri.scheme_str() == Some("http") {
                    80
                } else {
                    443
                });
            Some((uri.host()?.into(), port))
        });
        let connections = pool.clone();
        Ok(Client {
            settings: Arc::new(Settings {
                connections,
                universe,
                transport: Transport::new(credentials, pool),
                endpoint,
                server,
                // Made once: every request clones these.
                operations_timeout: grpc_timeout(self.timeout.unwrap_or(OPERATIONS_DEADLINE)),
                api_timeout: grpc_timeout(self.timeout.unwrap_or(API_DEADLINE)),
                user_project,
                polls: Arc::new(Semaphore::new(polls)),
                budget: self
                    .max_polls_per_second
                    .filter(|n| *n > 0.0)
                    .map(super::budget::Budget::new),
                timeout: self.timeout,
                retry: self.retry.unwrap_or_default(),
                poll: self.poll.unwrap_or_default(),
            }),
        })
    }
}

fn user_agent() -> String {
    format!("ccai-lro/{}", env!("CARGO_PKG_VERSION"))
}
