//! The plain Rust that `tools/gen_proto.py` writes from the published schema: the mock's
//! `ContactCenterInsights` service (`grpc.rs`) and the REST surface's dispatch by RPC name
//! (`rest.rs`). Edit the generator, never these files: the client crate's `tests/generated.rs`
//! names one that differs from what it writes.

mod grpc;
pub(crate) mod rest;
