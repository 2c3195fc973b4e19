//! The async tower layer that puts credentials on every call.

use std::task::{Context, Poll};

use futures_util::{future::Either, TryFutureExt};

use super::{BoxError, BoxFuture, Credentials, Source};

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
