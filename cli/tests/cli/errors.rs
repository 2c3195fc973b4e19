//! Exit codes, error lines, and what is refused before any RPC.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::{black_hole, create, stderr, Emulator, BIN};

#[test]
fn exit_codes_and_error_lines() {
    let emu = Emulator::start();
    let out = emu.run(&[
        "get",
        "projects/cli-test/locations/us-central1/operations/missing",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("error: NOT_FOUND"),
        "{}",
        stderr(&out)
    );

    let name = create(&emu, "slow");
    let out = emu.run(&["wait", &name, "--timeout", "1ms"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("continues server-side"),
        "{}",
        stderr(&out)
    );

    let out = emu.run(&["wait", "not/a/name"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("projects/{project}/locations/{location}/operations/{operation}"));

    let out = emu.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn malformed_names_are_refused_before_any_rpc() {
    // Nothing listens on port 1: had an RPC been attempted, this would be a transport error (3).
    for args in [
        vec!["get", "projects/p/operations/1"],
        vec!["cancel", "operations/1"],
        vec!["list", "projects/p"],
        vec!["issue-models", "deploy", "projects/p/locations/l/models/m"],
    ] {
        let out = Command::new(BIN)
            .arg("--endpoint")
            .arg("http://127.0.0.1:1")
            .args(&args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("invalid resource name"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// `ccai-lro ARGS` with no emulator in the environment.
fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .env_remove("CCAI_LRO_ENDPOINT")
        .output()
        .expect("run ccai-lro")
}

#[test]
fn a_wait_deadline_holds_when_nothing_answers() {
    let hole = black_hole();
    let name = "projects/p/locations/l/operations/1";
    // Refused at once (port 1), and accepted but never answered (the black hole): either way
    // the wait ends at its deadline with exit 5, not after a first request's retries.
    for endpoint in ["http://127.0.0.1:1".to_owned(), format!("http://{hole}")] {
        let started = Instant::now();
        let out = run(&["--endpoint", &endpoint, "wait", name, "--timeout", "1s"]);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(5), "{endpoint}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("resume with: ccai-lro wait {name}")),
            "{}",
            stderr(&out)
        );
        // A hang guard, not a timing goal (BENCHMARKS has the figure, 1.00 s): before, the
        // first GetOperation ran outside the deadline, 2-6 s against the refused port.
        assert!(took < Duration::from_secs(5), "{endpoint}: {took:?}");
    }
}

#[test]
fn an_error_line_names_its_code_once() {
    let emu = Emulator::start();
    let out = emu.run(&[
        "get",
        "projects/cli-test/locations/us-central1/operations/missing",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("NOT_FOUND").count(), 1, "{err}");
    assert!(err.starts_with("error: NOT_FOUND: GetOperation: "), "{err}");
}

#[test]
fn negative_values_are_refused_with_what_is_allowed() {
    let name = "projects/p/locations/l/operations/1";
    for args in [
        vec!["list", "projects/p/locations/l", "--page-size", "-1"],
        vec!["list", "projects/p/locations/l", "--page-size=-1"],
        vec!["wait", name, "--timeout", "-1s"],
        vec!["wait", name, "--timeout=-1s"],
    ] {
        let out = run(&[&["--endpoint", "http://127.0.0.1:1"], args.as_slice()].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("is negative"), "{args:?}: {err}");
        assert!(
            !err.contains("-- -1"),
            "no advice that does not work: {err}"
        );
    }
}

#[test]
fn an_emulator_that_could_serve_no_one_is_refused() {
    let out = run(&[
        "emulator",
        "--listen",
        "127.0.0.1:0",
        "--max-connections",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 or more"), "{}", stderr(&out));
}

#[test]
fn whitespace_in_a_name_is_refused_before_any_rpc() {
    // Port 1: an RPC would have been a transport error (exit 3).
    for name in [
        "projects/p/locations/l/operations/a b",
        "projects/p/locations/l\u{a0}/operations/1",
    ] {
        let out = run(&["--endpoint", "http://127.0.0.1:1", "get", name]);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error: INVALID_ARGUMENT: invalid resource name"));
    }
}

#[test]
fn missing_credentials_say_how_to_give_them() {
    // A key file that does not exist: ADC fails while the client is built, before any call
    // (the endpoint is loopback all the same).
    let out = Command::new(BIN)
        .args([
            "--endpoint",
            "https://127.0.0.1:1",
            "get",
            "projects/p/locations/l/operations/1",
        ])
        .env(
            "GOOGLE_APPLICATION_CREDENTIALS",
            "/nonexistent/ccai-lro-test-key.json",
        )
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .env_remove("CCAI_LRO_API_KEY")
        .env_remove("CCAI_LRO_ACCESS_TOKEN")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    for hint in [
        "gcloud auth application-default login",
        "--api-key",
        "--access-token",
        "CONTACT_CENTER_INSIGHTS_EMULATOR_HOST",
    ] {
        assert!(err.contains(hint), "{hint}: {err}");
    }
    assert!(!err.contains("transient"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // Without credentials all the same, a malformed name is the user's input: exit 2.
    let out = Command::new(BIN)
        .args(["get", "projects/p/operations/1"])
        .env(
            "GOOGLE_APPLICATION_CREDENTIALS",
            "/nonexistent/ccai-lro-test-key.json",
        )
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .env_remove("CCAI_LRO_ENDPOINT")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_port_in_use_is_an_io_failure() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = run(&["emulator", "--listen", &addr]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(&format!("error: cannot listen on {addr}")));
}
