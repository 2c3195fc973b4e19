//! Credentials from one universe and an endpoint in another: refused before the first RPC, as
//! Google's libraries do, instead of a confusing UNAUTHENTICATED from the server.

use tokio::sync::OnceCell;

use crate::{auth::Credentials, Error};

/// The endpoint's universe and the credentials to compare it with, compared once.
#[derive(Debug)]
pub(crate) struct Check {
    ours: String,
    credentials: Credentials,
    verdict: OnceCell<Option<String>>,
}

impl Check {
    pub(crate) fn new(ours: String, credentials: Credentials) -> Check {
        Check {
            ours,
            credentials,
            verdict: OnceCell::new(),
        }
    }

    /// Ok when the credentials say nothing of their universe or say ours.
    pub(crate) async fn verify(&self) -> Result<(), Error> {
        let theirs = self
            .verdict
            .get_or_init(|| async {
                self.credentials
                    .universe_domain()
                    .await
                    .filter(|theirs| !theirs.eq_ignore_ascii_case(&self.ours))
            })
            .await;
        match theirs {
            None => Ok(()),
            Some(theirs) => Err(Error::InvalidArgument(format!(
                "the credentials belong to the universe {theirs} and the endpoint to {ours}: use \
                 credentials of {ours}, or set GOOGLE_CLOUD_UNIVERSE_DOMAIN (ClientBuilder::\
                 universe_domain) to {theirs}",
                ours = self.ours
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthError, BoxFuture, CredentialsProvider};

    struct In(Option<&'static str>);
    impl CredentialsProvider for In {
        fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
            Box::pin(async { Ok(http::HeaderMap::new()) })
        }
        fn universe_domain(&self) -> BoxFuture<'_, Option<String>> {
            Box::pin(async move { self.0.map(str::to_owned) })
        }
    }

    fn check(theirs: Option<&'static str>) -> Check {
        Check::new(
            "googleapis.com".into(),
            Credentials::from_provider(In(theirs)),
        )
    }

    #[tokio::test]
    async fn the_same_universe_or_none_said_passes_another_does_not() {
        assert!(check(Some("googleapis.com")).verify().await.is_ok());
        assert!(check(Some("GoogleAPIs.com")).verify().await.is_ok());
        assert!(check(None).verify().await.is_ok());
        let other = check(Some("example-cloud.test"));
        assert!(other.verify().await.is_err());
        // Decided once, the same every call.
        assert!(other.verify().await.is_err());
        let keys = Check::new(
            "example-cloud.test".into(),
            Credentials::api_key("k").unwrap(),
        );
        assert!(
            keys.verify().await.is_ok(),
            "keys and tokens say no universe"
        );
    }
}
