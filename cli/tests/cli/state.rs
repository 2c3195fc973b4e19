//! `emulator --export-on-exit` on SIGTERM, then `--import`: the state comes back; `GET /state`
//! shows the same document; a file that does not parse stops the start and is left alone.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::{json, spawn_emulator, BIN, PARENT};

fn call(endpoint: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["--endpoint", endpoint, "--compact", "call"])
        .args(args)
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .output()
        .expect("run ccai-lro call")
}

/// `GET /state` over plain HTTP/1.1.
fn state(addr: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET /state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

#[test]
fn state_written_on_sigterm_comes_back_with_import() {
    let dir = std::env::temp_dir().join(format!("ccai-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("state.json");
    let file_arg = file.to_string_lossy().into_owned();
    let (mut child, addr, _err) = spawn_emulator(&["--export-on-exit", &file_arg]);
    let endpoint = format!("http://{addr}");
    let create = format!(
        r#"{{"parent": "{PARENT}", "conversationId": "kept", "conversation": {{"agentId": "a7"}}}}"#
    );
    let out = call(&endpoint, &["CreateConversation", &create]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = call(
        &endpoint,
        &["CreateIssueModel", &format!(r#"{{"parent": "{PARENT}"}}"#)],
    );
    assert!(out.status.success());
    let seen = state(&addr);
    assert_eq!(
        seen["resources"].as_array().map(Vec::len),
        Some(2),
        "{seen}"
    );
    assert_eq!(
        seen["operations"].as_array().map(Vec::len),
        Some(1),
        "{seen}"
    );

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert_eq!(child.wait().expect("exits").code(), Some(0));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("state written")).expect("json");
    assert_eq!(saved["resources"], seen["resources"]);

    let (mut again, addr, _err) = spawn_emulator(&["--import", &file_arg]);
    let endpoint = format!("http://{addr}");
    let name = format!("{PARENT}/conversations/kept");
    let out = call(
        &endpoint,
        &["GetConversation", &format!(r#"{{"name": "{name}"}}"#)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["agentId"], "a7");
    assert_eq!(state(&addr)["resources"], seen["resources"]);
    // A new operation does not take a saved name.
    let out = call(
        &endpoint,
        &["CreateIssueModel", &format!(r#"{{"parent": "{PARENT}"}}"#)],
    );
    let op = json(&out)["name"].as_str().unwrap_or_default().to_owned();
    let saved_op = &seen["operations"][0]["operation"]["name"];
    assert_ne!(serde_json::json!(op), *saved_op);
    let _ = again.kill();
    let _ = again.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_file_that_does_not_parse_stops_the_start_and_is_kept() {
    let dir = std::env::temp_dir().join(format!("ccai-bad-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("state.json");
    let text = "{\"version\": 1,\n \"resources\": [{\"@type\": \"type.googleapis.com/google.cloud.contactcenterinsights.v1.View\", \"name\": \"not/a/view\"}]}";
    std::fs::write(&file, text).expect("write");
    let file_arg = file.to_string_lossy().into_owned();
    let out = Command::new(BIN)
        .args([
            "emulator",
            "--import",
            &file_arg,
            "--export-on-exit",
            &file_arg,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&file_arg) && err.contains("resources[0]"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), text);

    std::fs::write(&file, "{\"version\": 1,\n \"resources\": [,]}").expect("write");
    let out = Command::new(BIN)
        .args(["emulator", "--import", &file_arg])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2 column"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
