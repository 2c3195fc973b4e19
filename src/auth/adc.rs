//! Application Default Credentials through `google-cloud-auth` (feature `adc`).

use std::sync::Mutex;

use google_cloud_auth::credentials::{self, CacheableResource, EntityTag};
use http::{Extensions, HeaderMap};

use super::{AuthError, BoxFuture, CredentialsProvider};
use crate::sync::lock;

/// What to do when ADC cannot produce a token; google-cloud-auth's own words (which may call a
/// missing configuration "transient") stay in the error's source.
const NO_ADC: &str = "Application Default Credentials are not available: run `gcloud auth \
     application-default login`, set GOOGLE_APPLICATION_CREDENTIALS to a key file, or pass an \
     API key or access token";

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
            .map_err(|e| AuthError::with_source(NO_ADC, e))?;
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
            let cached = lock(&self.cached).clone();
            if let Some((tag, _)) = &cached {
                ext.insert(tag.clone());
            }
            let fresh = self
                .inner
                .headers(ext)
                .await
                .map_err(|e| AuthError::with_source(NO_ADC, e))?;
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
