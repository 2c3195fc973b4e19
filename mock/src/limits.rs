//! Every bound and default of the mock server and the emulator, listed once. SECURITY.md says
//! what each one protects and what a client sees past it.

pub use crate::builder::SHUTDOWN_GRACE;
pub use crate::data::fetch::MAX_INGEST_BYTES;
pub use crate::data::storage::{MAX_LISTED_OBJECTS, MAX_OBJECT_BYTES, STORAGE_TIMEOUT};
pub use crate::data::transcript::{
    MAX_SEGMENTS as MAX_TRANSCRIPT_SEGMENTS, MAX_TRANSCRIPT_BYTES, MAX_WORDS_PER_SEGMENT,
};
pub use crate::engine::filter::{
    MAX_DEPTH as MAX_FILTER_DEPTH, MAX_FILTER_LEN, MAX_TERMS as MAX_FILTER_TERMS,
};
pub use crate::engine::list::SCAN_BUDGET as MAX_FILTER_SCAN;
pub use crate::engine::{
    DEFAULT_PAGE_SIZE, MAX_MASK_PATHS, MAX_PAGE_SIZE, MAX_PER_KIND, MAX_RESOURCE_BYTES,
    MAX_TOTAL_BYTES,
};
pub use crate::names::MAX_NAME_LEN;
pub use crate::notify::publish::{
    ATTEMPTS as PUBLISH_ATTEMPTS, MAX_QUEUED as MAX_QUEUED_NOTIFICATIONS, PUBLISH_TIMEOUT,
};
pub use crate::notify::MAX_RECORDED as MAX_RECORDED_NOTIFICATIONS;
pub use crate::operations::defaults::{STEP as DEFAULT_STEP, STEPS as DEFAULT_STEPS};
pub use crate::operations::store::MAX_PAGE_BYTES;
pub use crate::record::MAX_RECORDED_REQUEST;
pub use crate::server::{DEFAULT_MAX_OPERATIONS, DEFAULT_RECORD_LIMIT, DEFAULT_SEED};
pub use crate::transport::admission::{
    MAX_RECEIVING, MAX_REFLECTION_MESSAGE, MAX_REQUESTS, MAX_SENDING, MAX_STREAMING_CALLS,
};
pub use crate::transport::grpc::insights::MAX_HELD_BYTES;
pub use crate::transport::grpc::operations::MAX_PAGE_SIZE as MAX_OPERATIONS_PAGE_SIZE;
pub use crate::transport::io::MAX_HTTP1_HEAD;
pub use crate::transport::rest::template::{MAX_PATH_LEN, MAX_SEGMENTS as MAX_PATH_SEGMENTS};
pub use crate::transport::rest::MAX_BODY;
pub use crate::transport::router::{
    HANDSHAKE_TIMEOUT, KEEPALIVE, KEEPALIVE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTION_AGE,
    MAX_CONNECTION_AGE_GRACE, MAX_HEADER_LIST, MAX_STREAMS, REQUEST_TIMEOUT, SILENCE,
};
