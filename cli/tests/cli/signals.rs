//! Ctrl-C and SIGTERM: what is printed, what is cancelled, how the process ends.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use crate::{black_hole, create, json, Emulator, BIN};

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Starts `wait NAME EXTRA` against `endpoint` and returns once it has said it is waiting
/// (its signal handlers are in place and the first GetOperation is on its way).
fn spawn_wait(
    endpoint: &str,
    name: &str,
    extra: &[&str],
) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(BIN)
        .args(["--endpoint", endpoint, "wait", name])
        .args(extra)
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wait");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).expect("first line");
    assert!(line.starts_with("waiting for"), "{line}");
    (child, err)
}

/// Starts `wait` and returns once it has polled once (its first progress line on stderr).
fn waiting(
    emu: &Emulator,
    name: &str,
    extra: &[&str],
) -> (Child, BufReader<std::process::ChildStderr>) {
    let (child, mut err) = spawn_wait(&emu.endpoint, name, extra);
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

#[test]
fn ctrl_c_during_the_first_request_says_the_same() {
    let hole = black_hole();
    let name = "projects/p/locations/l/operations/1";
    let (mut child, err) = spawn_wait(&format!("http://{hole}"), name, &[]);
    signal(&child, "-INT");
    assert_eq!(child.wait().expect("exits").code(), Some(130));
    let err = rest(err);
    assert!(
        err.contains(&format!(
            "interrupted: {name} continues server-side; resume with: ccai-lro wait {name}"
        )),
        "{err}"
    );
}

#[test]
fn a_held_connection_does_not_keep_the_emulator_alive() {
    let mut emu = Emulator::start();
    let addr = emu.endpoint.trim_start_matches("http://").to_owned();
    // A client that starts a request and never finishes it, holding the connection open.
    let mut silent = std::net::TcpStream::connect(&addr).expect("connect");
    std::io::Write::write_all(&mut silent, b"GET /v1/projects/p HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    std::thread::sleep(std::time::Duration::from_millis(100));
    signal(&emu.child, "-TERM");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = emu.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the emulator is still running (hang guard; the grace is 3 s)"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}
