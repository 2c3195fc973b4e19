//! ccai-lro: typed long-running operations for Contact Center AI Insights over gRPC.
#![warn(missing_docs)]

pub mod proto;

#[cfg(feature = "mock")]
pub mod mock;
