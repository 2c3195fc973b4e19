//! The two gRPC services, as tonic traits over the shared state: `insights` serves the
//! `ContactCenterInsights` RPCs (the 17 that start operations create them in the operation
//! store; the others go to the resource engine), `operations` serves
//! `google.longrunning.Operations` from the operation store. Every call goes first through the
//! shared admission (record → latency → fault → bearer). The REST surface calls these same
//! service methods, so both protocols behave alike.

pub(crate) mod insights;
pub(crate) mod operations;
