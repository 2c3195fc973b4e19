//! `ccai-lro call`: any RPC from JSON, its answer as JSON; bad input refused before any RPC.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::{json, stderr, Emulator, BIN, PARENT};

#[test]
fn the_list_names_all_74_rpcs_with_their_request_types() {
    let out = Command::new(BIN).args(["call", "--list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 74);
    assert!(lines.contains(
        &"GetIssueModel\tgoogle.cloud.contactcenterinsights.v1.GetIssueModelRequest\tgoogle.cloud.contactcenterinsights.v1.IssueModel\tread"
    ));
    assert!(lines.contains(
        &"CreateAnalysis\tgoogle.cloud.contactcenterinsights.v1.CreateAnalysisRequest\tOperation<google.cloud.contactcenterinsights.v1.Analysis>\twrite"
    ));
}

#[test]
fn a_starter_prints_its_operation_and_waits_with_wait() {
    let emu = Emulator::start();
    let request = format!(r#"{{"parent": "{PARENT}", "issueModel": {{"displayName": "Topics"}}}}"#);
    let out = emu.run(&["call", "CreateIssueModel", &request]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let op = json(&out);
    assert!(op["name"].as_str().unwrap().starts_with(PARENT), "{op}");
    assert_eq!(
        op["metadata"]["request"]["issueModel"]["displayName"],
        "Topics"
    );

    // snake_case names, the full method name, and --wait.
    let request =
        format!(r#"{{"parent": "{PARENT}", "issue_model": {{"display_name": "Waited"}}}}"#);
    let out = emu.run(&[
        "call",
        "google.cloud.contactcenterinsights.v1.ContactCenterInsights.CreateIssueModel",
        &request,
        "--wait",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let op = json(&out);
    assert_eq!(op["done"], true, "{op}");
    assert_eq!(op["response"]["displayName"], "Waited", "{op}");
}

#[test]
fn the_request_can_come_from_stdin() {
    let emu = Emulator::start();
    let mut child = Command::new(BIN)
        .args([
            "--endpoint",
            &emu.endpoint,
            "--compact",
            "call",
            "CreateIssueModel",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let request = format!(r#"{{"parent": "{PARENT}", "issueModel": {{"displayName": "Piped"}}}}"#);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.trim().lines().count(), 1, "--compact: one line");
    assert_eq!(
        json(&out)["metadata"]["request"]["issueModel"]["displayName"],
        "Piped"
    );
}

#[test]
fn a_server_error_exits_3_with_its_code_and_detail() {
    let emu = Emulator::start();
    let name = format!("{PARENT}/issueModels/nope");
    let out = emu.run(&[
        "call",
        "DeployIssueModel",
        &format!(r#"{{"name": "{name}"}}"#),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.starts_with("error: NOT_FOUND: "), "{err}");
    assert!(err.contains("ResourceInfo"), "the detail is shown: {err}");
    assert!(err.contains(&name), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Bad input exits 2 before any RPC: the endpoint is a closed port, so an RPC would fail
/// with exit 3 instead.
#[test]
fn bad_input_exits_2_before_any_rpc() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["--endpoint", &endpoint, "call"])
            .args(args)
            .output()
            .unwrap()
    };
    let cases: [(&[&str], &str); 6] = [
        (&["GetSetting", "{}"], "unknown RPC \"GetSetting\""),
        (
            &["GetSettings", r#"{"nam": "x"}"#],
            "GetSettingsRequest): unrecognized field name 'nam'",
        ),
        (&["GetSettings", r#"{"name": "#], "GetSettingsRequest): EOF"),
        (
            &["GetSettings", r#"{"name": "x"} trailing"#],
            "trailing characters",
        ),
        (
            &["GetSettings", r#"{"name": "projects/p/settings"}"#],
            "expected projects/{project}/locations/{location}/settings",
        ),
        (
            &[
                "GetSettings",
                r#"{"name": "projects/p/locations/l/settings"}"#,
                "--wait",
            ],
            "--wait: GetSettings does not start an operation",
        ),
    ];
    for (args, expect) in cases {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(err.starts_with("error: INVALID_ARGUMENT: "), "{err}");
    }
}
