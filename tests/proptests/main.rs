//! Property tests of everything that reads bytes or text from outside: operations and their
//! `Any` payloads (typed handles and REST JSON), `google.rpc.Status` details from
//! `grpc-status-details-bin`, and resource names. None of it may panic, and every failure must
//! land in the right error class. The fuzz targets in `fuzz/` run the same bodies on raw bytes;
//! an input they find goes into the topic's module as a regression case (none so far: see
//! fuzz/README.md).

#[path = "../common/offline.rs"]
mod offline;

mod names;
mod operation;
mod status;
mod strategies;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// A fixed seed: the suite is deterministic (exploration is the fuzzers' job, `fuzz/`); the
/// regressions files replay any case that ever failed. Proptest finds them by source file:
/// `tests/proptest-regressions/<module>.txt`, beside this directory (its `SourceParallel`
/// default, since this directory holds a `main.rs`).
fn fixed() -> ProptestConfig {
    ProptestConfig {
        rng_seed: RngSeed::Fixed(0x0000_CCA1_2026),
        ..ProptestConfig::default()
    }
}
