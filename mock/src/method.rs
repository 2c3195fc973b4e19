//! gRPC method names, as used to key faults, scripts and recorded requests.

/// Matches every method in fault plans.
pub const ALL: &str = "*";

/// `google.longrunning.Operations/GetOperation`.
pub const GET_OPERATION: &str = "GetOperation";
/// `google.longrunning.Operations/ListOperations`.
pub const LIST_OPERATIONS: &str = "ListOperations";
/// `google.longrunning.Operations/CancelOperation`.
pub const CANCEL_OPERATION: &str = "CancelOperation";
/// `google.longrunning.Operations/DeleteOperation`.
pub const DELETE_OPERATION: &str = "DeleteOperation";
/// `google.longrunning.Operations/WaitOperation`.
pub const WAIT_OPERATION: &str = "WaitOperation";

/// The RPC names of the table's rows, in its order.
macro_rules! rpc_names {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
        route $key:literal = |$r:ident| $value:expr, $pattern:expr;
    )*) => {
        /// The 17 `ContactCenterInsights` RPCs that start a long-running operation.
        pub const INSIGHTS: [&str; 17] = [$($rpc),*];
    };
}

ccai_lro::insights_lro_rpcs!(rpc_names);
