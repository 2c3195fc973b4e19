//! Every bound and default of the mock server and the emulator, listed once. SECURITY.md says
//! what each one protects and what a client sees past it.

pub use crate::builder::SHUTDOWN_GRACE;
pub use crate::engine::{
    DEFAULT_PAGE_SIZE, MAX_MASK_PATHS, MAX_PAGE_SIZE, MAX_PER_KIND, MAX_RESOURCE_BYTES,
    MAX_TOTAL_BYTES,
};
pub use crate::names::MAX_NAME_LEN;
pub use crate::notify::publish::{
    ATTEMPTS as PUBLISH_ATTEMPTS, MAX_QUEUED as MAX_QUEUED_NOTIFICATIONS,
};
pub use crate::notify::MAX_RECORDED as MAX_RECORDED_NOTIFICATIONS;
pub use crate::operations::defaults::{STEP as DEFAULT_STEP, STEPS as DEFAULT_STEPS};
pub use crate::operations::store::MAX_PAGE_BYTES;
pub use crate::record::MAX_RECORDED_REQUEST;
pub use crate::server::{DEFAULT_MAX_OPERATIONS, DEFAULT_RECORD_LIMIT, DEFAULT_SEED};
pub use crate::transport::admission::{
    MAX_RECEIVING, MAX_REQUESTS, MAX_SENDING, MAX_STREAMING_CALLS,
};
pub use crate::transport::grpc::insights::MAX_HELD_BYTES;
pub use crate::transport::io::MAX_HTTP1_HEAD;
pub use crate::transport::rest::MAX_BODY;
pub use crate::transport::router::{
    HANDSHAKE_TIMEOUT, KEEPALIVE, KEEPALIVE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTION_AGE,
    MAX_CONNECTION_AGE_GRACE, MAX_HEADER_LIST, MAX_STREAMS, REQUEST_TIMEOUT, SILENCE,
};
