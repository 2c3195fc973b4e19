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

/// Every name a fault, latency or script may be keyed by: [`ALL`], the five Operations
/// methods, and the 74 Insights RPCs.
fn known() -> impl Iterator<Item = &'static str> {
    [
        ALL,
        GET_OPERATION,
        LIST_OPERATIONS,
        CANCEL_OPERATION,
        DELETE_OPERATION,
        WAIT_OPERATION,
    ]
    .into_iter()
    .chain(ccai_lro::rpc::INSIGHTS_METHODS.iter().map(|m| m.name))
}

fn starts_an_operation(rpc: &str) -> bool {
    ccai_lro::rpc::INSIGHTS_OPERATION_METHODS
        .iter()
        .any(|m| m.name == rpc)
}

/// `rpc` is not a method: the line names the closest one.
fn unknown(rpc: &str, what: &str) -> String {
    let closest = known()
        .filter(|k| *k != ALL)
        .map(|k| (strsim::damerau_levenshtein(rpc, k), k))
        .min();
    let hint = match closest {
        Some((d, k)) if d <= 3 => format!("did you mean {k:?}?"),
        _ => "the names are those of ccai_lro::rpc::INSIGHTS_METHODS and the Operations methods"
            .to_owned(),
    };
    format!("{rpc:?} is not an RPC {what}; {hint}")
}

/// Panics unless `rpc` is an Insights RPC that answers at once (what `answer` scripts): a
/// misspelt or long-running name would otherwise be kept and never used, and a test would
/// quietly check the defaults.
#[track_caller]
pub(crate) fn assert_answerable(rpc: &str) {
    if starts_an_operation(rpc) {
        panic!(
            "MockServer::answer({rpc:?}): {rpc} starts a long-running operation, whose outcome \
             is scripted with script_for({rpc:?}, …)"
        );
    }
    if rpc == ALL || !known().any(|k| k == rpc) {
        panic!(
            "MockServer::answer: {}",
            unknown(rpc, "of the Insights service")
        );
    }
    if !ccai_lro::rpc::INSIGHTS_METHODS
        .iter()
        .any(|m| m.name == rpc)
    {
        panic!(
            "MockServer::answer({rpc:?}): {rpc} is an Operations method, answered from the \
             operations the mock holds: insert one with MockServer::insert"
        );
    }
}

/// Panics unless `rpc` is one of the Insights RPCs that start an operation
/// ([`ccai_lro::rpc::INSIGHTS_OPERATION_METHODS`], what `script_for` scripts).
#[track_caller]
pub(crate) fn assert_starter(rpc: &str) {
    if starts_an_operation(rpc) {
        return;
    }
    if rpc != ALL && known().any(|k| k == rpc) {
        panic!(
            "script_for({rpc:?}): {rpc} starts no operation; script its answer with \
             MockServer::answer({rpc:?}, …)"
        );
    }
    panic!(
        "script_for: {}",
        unknown(rpc, "that starts a long-running operation")
    );
}

/// Panics unless `method` is [`ALL`], an Operations method or an Insights RPC (what faults
/// and latencies are keyed by).
#[track_caller]
pub(crate) fn assert_known(method: &str, call: &str) {
    if !known().any(|k| k == method) {
        panic!("{call}: {}", unknown(method, "this server serves"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let err = std::panic::catch_unwind(f).expect_err("a panic");
        err.downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn every_wrong_name_is_refused_naming_the_right_choice() {
        type Call = Box<dyn FnOnce() + std::panic::UnwindSafe>;
        let cases: [(&str, Call, &str); 7] = [
            (
                "a long-running RPC answered",
                Box::new(|| assert_answerable("CreateAnalysis")),
                "script_for(\"CreateAnalysis\"",
            ),
            (
                "a misspelt answer",
                Box::new(|| assert_answerable("GetConverstion")),
                "did you mean \"GetConversation\"",
            ),
            (
                "an Operations method answered",
                Box::new(|| assert_answerable("GetOperation")),
                "MockServer::insert",
            ),
            (
                "* answered",
                Box::new(|| assert_answerable("*")),
                "is not an RPC",
            ),
            (
                "a misspelt starter",
                Box::new(|| assert_starter("CreateAnalyses")),
                "did you mean \"CreateAnalysis\"",
            ),
            (
                "an immediate RPC scripted",
                Box::new(|| assert_starter("GetConversation")),
                "MockServer::answer(\"GetConversation\"",
            ),
            (
                "a misspelt fault key",
                Box::new(|| assert_known("GetOperations", "fail_rate")),
                "did you mean \"GetOperation\"",
            ),
        ];
        for (what, call, want) in cases {
            let message = panic_of(call);
            assert!(message.contains(want), "{what}: {message}");
        }
        let far = panic_of(|| assert_starter("Frobnicate"));
        assert!(far.contains("INSIGHTS_METHODS"), "{far}");
    }

    #[test]
    fn every_right_name_is_taken() {
        for m in ccai_lro::rpc::INSIGHTS_METHODS {
            if starts_an_operation(m.name) {
                assert_starter(m.name);
            } else {
                assert_answerable(m.name);
            }
            assert_known(m.name, "latency");
        }
        for m in [ALL, GET_OPERATION, WAIT_OPERATION] {
            assert_known(m, "fail_sequence");
        }
    }
}
