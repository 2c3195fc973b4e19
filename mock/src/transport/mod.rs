//! How requests arrive: gRPC and REST on one port, over in-memory pipes (tests) or TCP (the
//! emulator), within limits that keep careless or hostile clients from exhausting the server.
//!
//! - `router`: the one port, gRPC routes first and REST as the fallback, with its HTTP/2
//!   limits, and the accepting of TCP connections;
//! - `grpc`: the two tonic services, Insights and `google.longrunning.Operations`;
//! - `rest`: the published HTTP/JSON bindings, handed to the same service code, and the
//!   emulator's admin endpoints;
//! - `admission`: what all network clients may take at once (requests, body bytes, streams);
//! - `io`, `connection_cap`, `tls`: each connection's IO (deadlines, the kill switch), the cap
//!   on open connections, and TLS.
//!
//! Everything here builds on the rest, never the reverse: the shared state (whose admission
//! every call goes through), the resource engine, the operations and `admin`. A connection's
//! [`ConnHandle`](crate::connection::ConnHandle) sits at the top level because that admission
//! kills it for `Fault::DropConnection`. The one name that goes the other way is
//! [`TlsConfig`](tls::TlsConfig): the builder's setting, which the shared `Behaviour` carries.

pub(crate) mod admission;
mod connection_cap;
pub(crate) mod grpc;
pub(crate) mod io;
mod reflection;
pub(crate) mod rest;
pub(crate) mod router;
pub(crate) mod tls;
