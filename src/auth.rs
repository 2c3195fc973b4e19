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

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use futures_util::{future::Either, TryFutureExt};
use http::{header::AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

/// A boxed future, as [`CredentialsProvider`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The header carrying an API key.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-goog-api-key");

/// Why credentials could not be produced. The message never contains a secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// A source of request headers that authenticate a call (e.g. `authorization: Bearer …`).
///
/// Implementations should cache and refresh tokens themselves; [`AuthLayer`] asks before every
/// call.
pub trait CredentialsProvider: Send + Sync + 'static {
    /// The headers to add to the next call.
    fn headers(&self) -> BoxFuture<'_, Result<HeaderMap, AuthError>>;
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
        .map_err(|_| AuthError(format!("the {what} is not a valid header value")))?;
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
    #[cfg(feature = "adc")]
    pub fn application_default() -> Result<Credentials, AuthError> {
        adc::Adc::new().map(Credentials::from_provider)
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

#[cfg(feature = "adc")]
mod adc {
    use std::sync::Mutex;

    use google_cloud_auth::credentials::{self, CacheableResource, EntityTag};
    use http::{Extensions, HeaderMap};

    use super::{AuthError, BoxFuture, CredentialsProvider};

    /// google-cloud-auth's credentials plus the last headers, revalidated by entity tag so an
    /// unchanged token is not copied on every call.
    pub(super) struct Adc {
        inner: credentials::Credentials,
        cached: Mutex<Option<(EntityTag, HeaderMap)>>,
    }

    impl Adc {
        pub(super) fn new() -> Result<Adc, AuthError> {
            // google-cloud-auth is built without a default rustls provider; ring is ours (it
            // builds faster than aws-lc). Another crate may have installed one already: fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let inner = credentials::Builder::default()
                .build()
                .map_err(|e| AuthError(format!("Application Default Credentials: {e}")))?;
            Ok(Adc {
                inner,
                cached: Mutex::new(None),
            })
        }
    }

    impl CredentialsProvider for Adc {
        fn headers(&self) -> BoxFuture<'_, Result<HeaderMap, AuthError>> {
            Box::pin(async move {
                let mut ext = Extensions::new();
                let cached = self
                    .cached
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                if let Some((tag, _)) = &cached {
                    ext.insert(tag.clone());
                }
                let fresh = self
                    .inner
                    .headers(ext)
                    .await
                    .map_err(|e| AuthError(format!("Application Default Credentials: {e}")))?;
                match (fresh, cached) {
                    (CacheableResource::New { entity_tag, data }, _) => {
                        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((entity_tag, data.clone()));
                        Ok(data)
                    }
                    (CacheableResource::NotModified, Some((_, data))) => Ok(data),
                    (CacheableResource::NotModified, None) => Err(AuthError(
                        "credentials answered 'not modified' with nothing cached".into(),
                    )),
                }
            })
        }
    }
}

/// The same credentials as a synchronous tonic [`Interceptor`](tonic::service::Interceptor), for
/// code that holds generated clients directly (`XClient::with_interceptor(channel, i)`).
///
/// Interceptors cannot await, so a background task fetches the headers every `refresh` and the
/// interceptor reads the latest ones. The task stops when the last interceptor clone is dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ccai_lro::auth::AuthError> {
/// use std::time::Duration;
/// use ccai_lro::auth::Credentials;
/// use tonic::service::Interceptor;
/// let mut i = Credentials::api_key("k")?.interceptor(Duration::from_secs(60)).await?;
/// let req = i.call(tonic::Request::new(())).unwrap();
/// assert!(req.metadata().contains_key("x-goog-api-key"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CredentialsInterceptor {
    latest: tokio::sync::watch::Receiver<Result<HeaderMap, String>>,
}

impl Credentials {
    /// Fetches headers once, then keeps them fresh in a background task (call inside a tokio
    /// runtime). Fails if the first fetch fails.
    pub async fn interceptor(
        &self,
        refresh: std::time::Duration,
    ) -> Result<CredentialsInterceptor, AuthError> {
        let first = self.headers().await?;
        let (tx, rx) = tokio::sync::watch::channel(Ok(first));
        let credentials = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tokio::time::sleep(refresh) => {}
                }
                // A failed refresh is kept so calls report it rather than use stale credentials.
                let next = credentials.headers().await.map_err(|e| e.0);
                if tx.send(next).is_err() {
                    return;
                }
            }
        });
        Ok(CredentialsInterceptor { latest: rx })
    }
}

impl tonic::service::Interceptor for CredentialsInterceptor {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let latest = self.latest.borrow();
        let headers = latest.as_ref().map_err(|e| {
            tonic::Status::unauthenticated(format!("credentials refresh failed: {e}"))
        })?;
        for (name, value) in headers {
            if let Ok(mut v) = tonic::metadata::AsciiMetadataValue::try_from(value.as_bytes()) {
                v.set_sensitive(true);
                req.metadata_mut().insert(
                    tonic::metadata::MetadataKey::from_bytes(name.as_str().as_bytes()).map_err(
                        |_| tonic::Status::internal(format!("bad credential header name {name}")),
                    )?,
                    v,
                );
            }
        }
        Ok(req)
    }
}

/// Adds [`Credentials`] to every request of the wrapped service.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    credentials: Credentials,
}

impl AuthLayer {
    /// A layer applying `credentials`.
    pub fn new(credentials: Credentials) -> AuthLayer {
        AuthLayer { credentials }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            credentials: self.credentials.clone(),
        }
    }
}

/// The service [`AuthLayer`] makes.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    credentials: Credentials,
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    /// Anonymous and fixed credentials add their headers synchronously and return the inner
    /// future as is; only a provider, which may have to fetch a token, needs a boxed future.
    type Future = Either<
        futures_util::future::MapErr<S::Future, fn(S::Error) -> BoxError>,
        BoxFuture<'static, Result<S::Response, BoxError>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let boxed: fn(S::Error) -> BoxError = Into::into;
        match &self.credentials.0 {
            Source::Anonymous => Either::Left(self.inner.call(req).map_err(boxed)),
            Source::Static(headers) => {
                for (name, value) in headers.iter() {
                    req.headers_mut().insert(name.clone(), value.clone());
                }
                Either::Left(self.inner.call(req).map_err(boxed))
            }
            Source::Provider(_) => {
                // The ready inner service goes with this call; a fresh clone waits for the next.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let credentials = self.credentials.clone();
                Either::Right(Box::pin(async move {
                    let headers = credentials
                        .headers()
                        .await
                        .map_err(|e| Box::new(e) as BoxError)?;
                    req.headers_mut().extend(headers);
                    inner.call(req).await.map_err(Into::into)
                }))
            }
        }
    }
}

/// The credentials failure behind a failed call, if that is what failed.
pub(crate) fn failure(status: &tonic::Status) -> Option<String> {
    crate::error::find_source::<AuthError>(status).map(|e| e.0.clone())
}
