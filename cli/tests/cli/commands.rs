//! The commands' output: REST JSON, pages, cancel, text lines, the demo.

use std::process::Command;

use crate::{create, json, spawn_emulator, stderr, Emulator, BIN, PARENT};

#[test]
fn create_and_wait_prints_rest_json() {
    let emu = Emulator::start();
    // One chat about billing to train on (the emulator's rule: the label `issue` names it).
    let conversation = format!(
        r#"{{"parent": "{PARENT}", "conversation": {{"medium": "CHAT", "labels": {{"issue": "Billing"}}}}}}"#
    );
    let made = emu.run(&["call", "CreateConversation", &conversation]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
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
    // int64 as strings, as the REST API prints them; counted from the stored conversation.
    assert_eq!(resp["trainingStats"]["analyzedConversationsCount"], "1");
    let issues = resp["trainingStats"]["issueStats"]
        .as_object()
        .expect("issue stats");
    assert_eq!(issues.len(), 1);
    assert!(issues.values().all(|s| s["displayName"] == "Billing"));
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
    // After the "waiting for" line, the one error line.
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("error: CANCELLED")),
        "{err}"
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1);
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
    // The four conversations made from the demo's transcripts, all six turns long, counted.
    assert_eq!(
        op["response"]["inputDataConfig"]["trainingConversationsCount"],
        "4"
    );
    assert_eq!(
        op["response"]["trainingStats"]["analyzedConversationsCount"],
        "4"
    );
    assert!(
        stderr(&out).contains("has 6 turns"),
        "the conversation's turns and matches: {}",
        stderr(&out)
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
    use ccai_lro_mock::{MockServer, Script};
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

#[test]
fn emulator_flags_and_shutdown() {
    use std::io::{BufRead, Read, Write};
    let (mut child, addr, mut err) = spawn_emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--op-duration",
        "1s",
        "--max-operations",
        "1",
        "--fault-rate",
        "0",
    ]);
    let mut banner = String::new();
    for _ in 0..3 {
        err.read_line(&mut banner).expect("banner");
    }
    assert!(
        banner.contains(&format!(
            "export CONTACT_CENTER_INSIGHTS_EMULATOR_HOST={addr}"
        )),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("curl -s http://{addr}/v1/")),
        "{banner}"
    );

    let endpoint = format!("http://{addr}");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("--endpoint")
            .arg(&endpoint)
            .args(args)
            .output()
            .expect("run")
    };
    let create = ["issue-models", "create", PARENT, "--display-name", "one"];
    assert_eq!(run(&create).status.code(), Some(0));
    let full = run(&create);
    assert_eq!(full.status.code(), Some(3), "{}", stderr(&full));
    assert!(
        stderr(&full).contains("RESOURCE_EXHAUSTED") && stderr(&full).contains("--max-operations")
    );

    // POST /shutdown over plain HTTP/1.1: the process exits cleanly.
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        conn,
        "POST /shutdown HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = child.wait().expect("emulator exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn list_streams_pages_and_stops_at_the_limit() {
    let emu = Emulator::start();
    let names: Vec<String> = (0..5).map(|i| create(&emu, &format!("l{i}"))).collect();
    for extra in [&[][..], &["--compact"][..]] {
        let mut args = extra.to_vec();
        args.extend(["list", PARENT, "--page-size", "2", "--limit", "3"]);
        let out = emu.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let listed = json(&out);
        let got: Vec<&str> = listed["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(
            got,
            names[..3].iter().map(String::as_str).collect::<Vec<_>>(),
            "{extra:?}"
        );
    }
    let out = emu.run(&["list", "projects/cli-test/locations/empty"]);
    assert_eq!(json(&out)["operations"], serde_json::json!([]));
}

#[test]
fn the_emulator_warns_when_reachable_from_other_machines() {
    use std::io::BufRead;
    let (mut child, _addr, mut err) = spawn_emulator(&["--listen", "0.0.0.0:0"]);
    let mut warning = String::new();
    err.read_line(&mut warning).expect("warning");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        warning.contains("warning") && warning.contains("no authentication"),
        "{warning}"
    );
}

#[test]
fn the_emulator_logs_one_line_per_request() {
    use std::io::{BufRead, Read, Write};
    let (mut child, addr, err) = spawn_emulator(&["--listen", "127.0.0.1:0", "--log"]);
    let endpoint = format!("http://{addr}");
    let missing = format!("{PARENT}/operations/missing");
    let out = Command::new(BIN)
        .args(["--endpoint", &endpoint, "get", &missing])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    // The same miss over REST (HTTP/1.1), then a REST success.
    for path in [format!("/v1/{missing}"), format!("/v1/{PARENT}/operations")] {
        let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let _ = conn.read_to_string(&mut String::new());
    }
    let mut lines = err.lines().map_while(Result::ok);
    let mut next = |what: &str| {
        lines
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("a request line with {what}"))
    };
    let grpc = next("GetOperation");
    let rest_miss = next("GET /v1/");
    let rest_ok = next("GET /v1/");
    let _ = child.kill();
    let _ = child.wait();
    // One vocabulary: google.rpc.Code names, the HTTP status beside them for REST only.
    assert!(
        grpc.contains("code=NOT_FOUND") && !grpc.contains("http=") && grpc.contains("latency="),
        "{grpc}"
    );
    assert!(grpc.contains("operations%2Fmissing"), "{grpc}");
    assert!(
        rest_miss.contains("code=NOT_FOUND") && rest_miss.contains("http=404"),
        "{rest_miss}"
    );
    assert!(
        rest_ok.contains("code=OK") && rest_ok.contains("http=200"),
        "{rest_ok}"
    );
}

#[test]
fn emulator_help_lists_only_what_the_emulator_uses_and_how_to_point_clients() {
    let out = std::process::Command::new(crate::BIN)
        .args(["emulator", "--help"])
        .output()
        .expect("help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let listed = |option: &str| help.lines().any(|l| l.trim_start().starts_with(option));
    for client_only in [
        "--endpoint",
        "--api-key",
        "--access-token",
        "--ca-file",
        "--compact",
        "--text",
    ] {
        assert!(!listed(client_only), "{client_only} listed:\n{help}");
    }
    assert!(listed("--import") && listed("--listen"));
    for said in [
        "--import",
        "--export-on-exit",
        "GET /state",
        "Python",
        "Node.js",
        "with_endpoint",
        "do not read CONTACT_CENTER_INSIGHTS_EMULATOR_HOST",
    ] {
        assert!(help.contains(said), "{said} missing:\n{help}");
    }
    // The client options still work before and after other subcommands.
    let out = std::process::Command::new(crate::BIN)
        .args(["get", "--help"])
        .output()
        .expect("help");
    assert!(String::from_utf8_lossy(&out.stdout).contains("--endpoint"));
}

/// `emulator --storage-dir DIR` reads `gs://BUCKET/OBJECT` from `DIR/BUCKET/OBJECT`: a
/// conversation made from a transcript there has its turns; a folder that does not exist stops
/// the start, naming it.
#[test]
fn the_emulator_reads_transcripts_from_a_storage_folder() {
    let dir = std::env::temp_dir().join(format!("ccai-cli-storage-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("calls")).unwrap();
    std::fs::write(
        dir.join("calls/t.json"),
        r#"{"entries": [{"text": "Hi", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1},
                        {"text": "Hello", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": 2000000}]}"#,
    )
    .unwrap();
    let emu = Emulator::start_with(&["--storage-dir", dir.to_str().unwrap()]);
    let request = format!(
        r#"{{"parent": "{PARENT}", "conversation": {{"dataSource": {{"gcsSource": {{"transcriptUri": "gs://calls/t.json"}}}}}}}}"#
    );
    let out = emu.run(&["call", "CreateConversation", &request]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let made = json(&out);
    assert_eq!(made["turnCount"], 2, "{made}");
    assert_eq!(made["duration"], "1.999999s", "{made}");
    let missing = Command::new(BIN)
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--storage-dir",
            "/no/such/folder",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("/no/such/folder"),
        "{}",
        stderr(&missing)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
