//! The real `ccai-lro` binary against the emulator (a second process on 127.0.0.1): JSON shape,
//! paging, cancel, exit codes, error lines, names refused before any RPC.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ccai-lro");
const PARENT: &str = "projects/cli-test/locations/us-central1";

/// The emulator process, killed on drop.
struct Emulator {
    child: Child,
    endpoint: String,
}

impl Emulator {
    fn start() -> Emulator {
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emulator");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let addr = line.trim();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "first line names host:port, got {addr:?}"
        );
        Emulator {
            child,
            endpoint: format!("http://{addr}"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--endpoint")
            .arg(&self.endpoint)
            .args(args)
            .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
            .output()
            .expect("run ccai-lro")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn create(emu: &Emulator, display: &str) -> String {
    let out = emu.run(&["issue-models", "create", PARENT, "--display-name", display]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    json(&out)["name"]
        .as_str()
        .expect("operation name")
        .to_owned()
}

#[test]
fn create_and_wait_prints_rest_json() {
    let emu = Emulator::start();
    let out = emu.run(&[
        "issue-models",
        "create",
        PARENT,
        "--display-name",
        "Chat topics",
        "--medium",
        "CHAT",
        "--wait",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let op = json(&out);
    assert_eq!(op["done"], true);
    let resp = &op["response"];
    assert_eq!(
        resp["@type"],
        "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel"
    );
    assert_eq!(resp["displayName"], "Chat topics");
    assert_eq!(resp["state"], "UNDEPLOYED");
    assert_eq!(resp["inputDataConfig"]["medium"], "CHAT");
    // int64 as strings, as the REST API prints them.
    assert!(resp["trainingStats"]["analyzedConversationsCount"].is_string());
    assert_eq!(
        op["metadata"]["@type"],
        "type.googleapis.com/google.cloud.contactcenterinsights.v1.CreateIssueModelMetadata"
    );
    assert!(op["metadata"]["createTime"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(
        stderr(&out).contains("poll"),
        "progress lines on stderr: {}",
        stderr(&out)
    );
}

#[test]
fn list_follows_pages_and_get_shows_state() {
    let emu = Emulator::start();
    let names: Vec<String> = (0..3).map(|i| create(&emu, &format!("m{i}"))).collect();
    let out = emu.run(&["list", PARENT, "--page-size", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = json(&out);
    let ops = listed["operations"].as_array().expect("operations array");
    let got: Vec<&str> = ops.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(got, names);
    assert!(listed.get("unreachable").is_none());

    let out = emu.run(&["get", &names[0]]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["name"], names[0].as_str());
}

#[test]
fn cancel_then_get_and_wait_report_cancelled() {
    let emu = Emulator::start();
    let name = create(&emu, "to cancel");
    let out = emu.run(&["cancel", &name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = emu.run(&["get", &name]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "get exits 0 whatever the state: {}",
        stderr(&out)
    );
    assert_eq!(json(&out)["error"]["code"], 1);

    let out = emu.run(&["wait", &name]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["code"], 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: CANCELLED"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1);
}

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

#[test]
fn demo_runs_the_whole_flow() {
    let out = Command::new(BIN).arg("demo").output().expect("run demo");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let op = json(&out);
    assert_eq!(op["done"], true);
    assert_eq!(op["response"]["displayName"], "Support chat topics");
    assert!(op["response"]["trainingStats"]["issueStats"]
        .as_object()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(
        op["response"]["inputDataConfig"]["trainingConversationsCount"],
        "12000"
    );
    assert_eq!(op["response"]["inputDataConfig"]["medium"], "CHAT");
    assert_eq!(op["response"]["state"], "UNDEPLOYED");
    assert_eq!(
        op["metadata"]["request"]["issueModel"]["displayName"],
        "Support chat topics"
    );
}

#[test]
fn text_output_is_one_line_per_operation() {
    let emu = Emulator::start();
    let names: Vec<String> = (0..2).map(|i| create(&emu, &format!("t{i}"))).collect();
    emu.run(&["cancel", &names[1]]);
    let out = emu.run(&["--text", "list", PARENT]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("{}\trunning\t", names[0])),
        "{text}"
    );
    assert_eq!(
        lines[1],
        format!("{}\tfailed\tCANCELLED: Operation was cancelled.", names[1])
    );
}

/// An `Any` of a type nobody registered prints as `{"@type", "value"}` and still exits 0. The
/// server here is the library's mock on a loopback socket, so the test can plant such an `Any`.
#[test]
fn unknown_any_prints_as_base64() {
    use ccai_lro::mock::{MockServer, Script};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt
        .block_on(MockServer::start_tcp())
        .expect("mock on 127.0.0.1");
    let addr = server.local_addr().expect("bound address");
    let name = format!("{PARENT}/operations/unknown-any");
    let unknown = prost_types::Any {
        type_url: "type.googleapis.com/acme.v9.Mystery".into(),
        value: vec![0xde, 0xad],
    };
    server.insert(
        &name,
        Script::new()
            .metadata_any(unknown.clone())
            .respond_any(unknown),
    );
    let out = Command::new(BIN)
        .args(["--endpoint", &format!("http://{addr}"), "get", &name])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let op = json(&out);
    assert_eq!(
        op["metadata"],
        serde_json::json!({"@type": "type.googleapis.com/acme.v9.Mystery", "value": "3q0="})
    );
    drop(server);
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Starts `wait` and returns once it has polled once (its first progress line on stderr).
fn waiting(
    emu: &Emulator,
    name: &str,
    extra: &[&str],
) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(BIN)
        .args(["--endpoint", &emu.endpoint, "wait", name])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wait");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).expect("progress line");
    assert!(line.starts_with("poll 1"), "{line}");
    (child, err)
}

fn rest(mut err: BufReader<std::process::ChildStderr>) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut err, &mut s).expect("stderr");
    s
}

#[test]
fn ctrl_c_stops_waiting_and_names_the_operation() {
    let emu = Emulator::start();
    let name = create(&emu, "interrupted");
    let (mut child, err) = waiting(&emu, &name, &[]);
    signal(&child, "-INT");
    let status = child.wait().expect("wait exits");
    assert_eq!(status.code(), Some(130));
    let err = rest(err);
    assert!(
        err.contains(&format!("resume with: ccai-lro wait {name}")),
        "{err}"
    );
    // Stopping the wait did not cancel the operation.
    let out = emu.run(&["get", &name]);
    assert!(
        json(&out).get("error").is_none(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn ctrl_c_with_cancel_on_interrupt_cancels() {
    let emu = Emulator::start();
    let name = create(&emu, "cancel me");
    let (mut child, err) = waiting(&emu, &name, &["--cancel-on-interrupt"]);
    signal(&child, "-INT");
    assert_eq!(child.wait().expect("exits").code(), Some(130));
    assert!(rest(err).contains("cancellation requested"));
    let out = emu.run(&["get", &name]);
    assert_eq!(json(&out)["error"]["code"], 1);
}

#[test]
fn emulator_stops_cleanly_on_sigterm() {
    let mut emu = Emulator::start();
    signal(&emu.child, "-TERM");
    let status = emu.child.wait().expect("emulator exits");
    assert_eq!(status.code(), Some(0));
}
