//! Server reflection (v1 and v1alpha), built on its first request, once per process: it
//! depends only on the embedded descriptor set. Building one decodes that set and indexes it
//! (about 0.5 MB of heap each); most mocks, in tests, are never asked, so they do not pay.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::server::NamedService;
use tower::util::{BoxCloneSyncService, Oneshot};
use tower::{Service, ServiceExt};

use super::admission::MAX_REFLECTION_MESSAGE;

type Boxed = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, Infallible>;

/// One version of the reflection service: its name and how it is built.
pub(crate) trait Version: Send + Sync + 'static {
    const NAME: &'static str;
    fn build() -> Option<Boxed>;
    /// Where this version is kept once built.
    fn built() -> &'static OnceLock<Option<Boxed>>;
}

/// `grpc.reflection.v1.ServerReflection`.
pub(crate) struct V1;
/// `grpc.reflection.v1alpha.ServerReflection`, which many tools still ask for.
pub(crate) struct V1Alpha;

impl Version for V1 {
    const NAME: &'static str =
        <tonic_reflection::pb::v1::server_reflection_server::ServerReflectionServer<
            tonic_reflection::server::v1::ReflectionService,
        > as NamedService>::NAME;

    fn built() -> &'static OnceLock<Option<Boxed>> {
        static BUILT: OnceLock<Option<Boxed>> = OnceLock::new();
        &BUILT
    }

    fn build() -> Option<Boxed> {
        let built = builder().build_v1().ok()?;
        Some(Boxed::new(
            built.max_decoding_message_size(MAX_REFLECTION_MESSAGE),
        ))
    }
}

impl Version for V1Alpha {
    const NAME: &'static str =
        <tonic_reflection::pb::v1alpha::server_reflection_server::ServerReflectionServer<
            tonic_reflection::server::v1alpha::ReflectionService,
        > as NamedService>::NAME;

    fn built() -> &'static OnceLock<Option<Boxed>> {
        static BUILT: OnceLock<Option<Boxed>> = OnceLock::new();
        &BUILT
    }

    fn build() -> Option<Boxed> {
        let built = builder().build_v1alpha().ok()?;
        Some(Boxed::new(
            built.max_decoding_message_size(MAX_REFLECTION_MESSAGE),
        ))
    }
}

/// Our own descriptor set: it always builds; were it not to, tools lose reflection only.
fn builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(ccai_lro::proto::FILE_DESCRIPTOR_SET)
}

/// The reflection service of version `V`, built when first called and then shared by every
/// server of the process. Should building fail, each call is answered UNIMPLEMENTED, as a
/// server without it would answer.
pub(crate) struct Lazy<V>(PhantomData<fn() -> V>);

impl<V: Version> Lazy<V> {
    pub(crate) fn new() -> Self {
        Lazy(PhantomData)
    }
}

impl<V> Clone for Lazy<V> {
    fn clone(&self) -> Self {
        Lazy(PhantomData)
    }
}

impl<V: Version> NamedService for Lazy<V> {
    const NAME: &'static str = V::NAME;
}

impl<V: Version> Service<http::Request<Body>> for Lazy<V> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = futures_util::future::Either<
        Oneshot<Boxed, http::Request<Body>>,
        std::future::Ready<Result<http::Response<Body>, Infallible>>,
    >;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match V::built().get_or_init(V::build).clone() {
            Some(service) => futures_util::future::Either::Left(service.oneshot(request)),
            None => futures_util::future::Either::Right(std::future::ready(Ok(
                tonic::Status::unimplemented("server reflection is unavailable").into_http(),
            ))),
        }
    }
}
