//! [`Transport`]: the service stack under every client of this crate.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use tonic::body::Body;
use tower::Service;

use super::pool::Pool;
use crate::auth::{AuthLayer, AuthService, Credentials};
use crate::error::BoxError;

type Inner = <AuthService<Pool> as Service<http::Request<Body>>>::Future;

/// The service stack every client of this crate runs on: its credentials over its HTTP/2
/// connections to the endpoint. Public so that a tonic client on it has a type to name
/// ([`Client::transport`](crate::Client::transport),
/// [`InsightsClient::generated`](crate::insights::InsightsClient::generated),
/// [`Client::operations_client`](crate::Client::operations_client)); what it is made of is
/// not part of the API.
///
/// ```no_run
/// use ccai_lro::proto::google::longrunning::operations_client::OperationsClient;
/// use ccai_lro::Transport;
///
/// struct Held {
///     operations: OperationsClient<Transport>,
/// }
/// # fn make(client: &ccai_lro::Client) -> Held {
/// Held { operations: client.operations_client() }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Transport(AuthService<Pool>);

impl Transport {
    pub(crate) fn new(credentials: Credentials, pool: Pool) -> Transport {
        Transport(tower::Layer::layer(&AuthLayer::new(credentials), pool))
    }
}

pin_project_lite::pin_project! {
    /// A call under way on a [`Transport`].
    pub struct TransportFuture {
        #[pin]
        inner: Inner,
    }
}

impl Future for TransportFuture {
    type Output = Result<http::Response<Body>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}

impl std::fmt::Debug for TransportFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportFuture").finish_non_exhaustive()
    }
}

impl Service<http::Request<Body>> for Transport {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = TransportFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> TransportFuture {
        TransportFuture {
            inner: self.0.call(request),
        }
    }
}
