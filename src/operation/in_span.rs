//! A future run inside a tracing span that exists only when a subscriber wants it.
//!
//! `tracing::Instrumented` holds its `Span` (40 bytes) whether or not anything listens; a wait
//! is parked by the thousand, so this holds 8 bytes and boxes the span only when it is enabled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

pin_project_lite::pin_project! {
    /// `inner`, entered into `span` at each poll when there is one.
    pub(super) struct InSpan<F> {
        span: Option<Box<Span>>,
        #[pin]
        inner: F,
    }
}

impl<F> InSpan<F> {
    pub(super) fn new(span: Span, inner: F) -> Self {
        InSpan {
            span: (!span.is_disabled()).then(|| Box::new(span)),
            inner,
        }
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(|s| s.enter());
        this.inner.poll(cx)
    }
}
