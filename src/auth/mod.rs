//! Credentials, and the tower layer that puts them on every call.
//!
//! Getting a token may mean a network round trip (metadata server, token exchange), so
//! credentials are applied by an *async* tower layer, [`AuthLayer`]: tonic interceptors are
//! synchronous. Sources: Application Default Credentials (feature `adc`, via
//! `google-cloud-auth`), an API key (`x-goog-api-key`), a fixed access token, any
//! [`CredentialsProvider`] of yours, or none ([`Credentials::anonymous`], for emulators).
//!
//! Secrets never show: [`Credentials`]' `Debug` names only the kind, header values are marked
//! sensitive, and errors say what failed without the token.
//!
//! ```
//! use ccai_lro::auth::Credentials;
//! let creds = Credentials::api_key("AIza-secret").unwrap();
//! assert!(!format!("{creds:?}").contains("AIza-secret"));
//! ```

#[cfg(feature = "adc")]
mod adc;
mod interceptor;
mod layer;

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use http::{header::AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

pub use interceptor::CredentialsInterceptor;
pub use layer::{AuthLayer, AuthService};

/// A boxed future, as [`CredentialsProvider`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
use crate::error::BoxError;

/// The header carrying an API key.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-goog-api-key");

/// Why credentials could not be produced. The message never contains a secret; the cause, if
/// any, is the [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct AuthError {
    message: String,
    source: Option<BoxError>,
}

// Written out, as every error type of the crate is: one derive crate less to build for two
// short impls.
impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl AuthError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> AuthError {
        AuthError {
            message: message.into(),
            source: None,
        }
    }

    /// An error saying `message`, caused by `source`.
    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> AuthError {
        AuthError {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// A source of request headers that authenticate a call (e.g. `authorization: Bearer …`).
///
/// Implementations should cache and refresh tokens themselves; [`AuthLayer`] asks before every
/// call.
pub trait CredentialsProvider: Send + Sync + 'static {
    /// The headers to add to the next call.
    fn headers(&self) -> BoxFuture<'_, Result<HeaderMap, AuthError>>;

    /// The universe these credentials belong to (`googleapis.com` for Google's), if they say:
    /// a client in another universe refuses them before any RPC. Default: they do not say.
    fn universe_domain(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}

/// How calls authenticate. Cheap to clone.
#[derive(Clone)]
pub struct Credentials(Source);

#[derive(Clone)]
enum Source {
    Anonymous,
    // Shared: every clone of a client (and of its channel) clones its credentials.
    Static(Arc<HeaderMap>),
    Provider(Arc<dyn CredentialsProvider>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Source::Anonymous => "anonymous",
            Source::Static(h) if h.contains_key(AUTHORIZATION) => "access token",
            Source::Static(_) => "api key",
            Source::Provider(_) => "provider",
        };
        f.debug_tuple("Credentials").field(&kind).finish()
    }
}

fn secret(value: &str, what: &str) -> Result<HeaderValue, AuthError> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| AuthError::new(format!("the {what} is not a valid header value")))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credentials {
    /// No credentials: for emulators and the mock server.
    pub fn anonymous() -> Credentials {
        Credentials(Source::Anonymous)
    }

    /// An API key, sent as `x-goog-api-key`.
    pub fn api_key(key: &str) -> Result<Credentials, AuthError> {
        let mut h = HeaderMap::new();
        h.insert(API_KEY_HEADER, secret(key, "API key")?);
        Ok(Credentials(Source::Static(Arc::new(h))))
    }

    /// A fixed OAuth2 access token, sent as `authorization: Bearer …`. It is not refreshed.
    pub fn access_token(token: &str) -> Result<Credentials, AuthError> {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            secret(&format!("Bearer {token}"), "access token")?,
        );
        Ok(Credentials(Source::Static(Arc::new(h))))
    }

    /// Your own provider, asked before every call (cache inside it).
    ///
    /// ```
    /// use ccai_lro::auth::{AuthError, BoxFuture, Credentials, CredentialsProvider};
    /// use http::{header::AUTHORIZATION, HeaderMap, HeaderValue};
    ///
    /// struct Vault; // e.g. reads a token another process keeps fresh
    /// impl CredentialsProvider for Vault {
    ///     fn headers(&self) -> BoxFuture<'_, Result<HeaderMap, AuthError>> {
    ///         Box::pin(async {
    ///             let mut h = HeaderMap::new();
    ///             h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer from-vault"));
    ///             Ok(h)
    ///         })
    ///     }
    /// }
    /// let creds = Credentials::from_provider(Vault);
    /// assert!(!creds.is_anonymous());
    /// ```
    pub fn from_provider(provider: impl CredentialsProvider) -> Credentials {
        Credentials(Source::Provider(Arc::new(provider)))
    }

    /// Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's user
    /// credentials, or the metadata server (service-account keys, authorized users,
    /// impersonation and external accounts included). Call inside a tokio runtime.
    ///
    /// Needs the `adc` feature.
    #[cfg(feature = "adc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "adc")))]
    pub fn application_default() -> Result<Credentials, AuthError> {
        adc::Adc::new().map(Credentials::from_provider)
    }

    /// The universe of provider credentials that say one (see
    /// [`CredentialsProvider::universe_domain`]); `None` for keys, tokens and anonymous ones.
    pub async fn universe_domain(&self) -> Option<String> {
        match &self.0 {
            Source::Provider(p) => p.universe_domain().await,
            _ => None,
        }
    }

    /// Whether calls carry no credentials.
    pub fn is_anonymous(&self) -> bool {
        matches!(self.0, Source::Anonymous)
    }

    /// The headers for the next call.
    pub async fn headers(&self) -> Result<HeaderMap, AuthError> {
        match &self.0 {
            Source::Anonymous => Ok(HeaderMap::new()),
            Source::Static(h) => Ok(HeaderMap::clone(h)),
            Source::Provider(p) => {
                let mut h = p.headers().await?;
                for v in h.values_mut() {
                    v.set_sensitive(true);
                }
                Ok(h)
            }
        }
    }
}
