//! Application Default Credentials through `google-cloud-auth` (feature `adc`).

use std::sync::Mutex;

use google_cloud_auth::credentials::{self, CacheableResource, EntityTag};
use http::{Extensions, HeaderMap};

use super::{AuthError, BoxFuture, CredentialsProvider};
use crate::sync::lock;

/// What to do when ADC cannot be set up or cannot produce a token. The whole cause stays in
/// the error's source; the message quotes one line of it (for a token, the innermost cause:
/// google-cloud-auth's outer words may call a missing configuration "transient").
const NO_ADC: &str = "Application Default Credentials are not available";
const WHAT_TO_DO: &str = "run `gcloud auth application-default login`, set \
     GOOGLE_APPLICATION_CREDENTIALS to a key file, or pass an API key or access token";

/// `NO_ADC (cause), WHAT_TO_DO`, the cause cut to its first line and 200 characters.
fn explain(cause: &dyn std::error::Error) -> String {
    let text = cause.to_string();
    let line: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    format!("{NO_ADC} ({line}): {WHAT_TO_DO}")
}

/// The last error in a source chain.
fn innermost<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    let mut e = e;
    while let Some(next) = e.source() {
        e = next;
    }
    e
}

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
        // rustls 0.23.48 deprecates ring's constructor (no post-quantum key exchange) and
        // names no successor for ring: the choice is deliberate, so the allowance is local.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = credentials::Builder::default()
            .build()
            .map_err(|e| AuthError::with_source(explain(&e), e))?;
        Ok(Adc {
            inner,
            cached: Mutex::new(None),
        })
    }
}

impl CredentialsProvider for Adc {
    fn universe_domain(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(self.inner.universe_domain())
    }

    fn headers(&self) -> BoxFuture<'_, Result<HeaderMap, AuthError>> {
        Box::pin(async move {
            let mut ext = Extensions::new();
            let cached = lock(&self.cached).clone();
            if let Some((tag, _)) = &cached {
                ext.insert(tag.clone());
            }
            let fresh = self
                .inner
                .headers(ext)
                .await
                .map_err(|e| AuthError::with_source(explain(innermost(&e)), e))?;
            match (fresh, cached) {
                (CacheableResource::New { entity_tag, data }, _) => {
                    *lock(&self.cached) = Some((entity_tag, data.clone()));
                    Ok(data)
                }
                (CacheableResource::NotModified, Some((_, data))) => Ok(data),
                (CacheableResource::NotModified, None) => Err(AuthError::new(
                    "credentials answered 'not modified' with nothing cached",
                )),
            }
        })
    }
}
