//! Credentials as a synchronous tonic interceptor, for generated clients held directly.

use http::HeaderMap;

use super::{AuthError, Credentials};

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
                let next = credentials.headers().await.map_err(|e| e.to_string());
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
