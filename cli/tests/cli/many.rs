//! `wait` on many names: a JSON line per operation as it finishes, exit codes by outcome, the
//! names still running on a timeout, a thousand names from standard input.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{create, stderr, Emulator, BIN, PARENT};

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON line ({e}): {l}")))
        .collect()
}

#[test]
fn many_names_print_a_line_each_and_exit_by_outcome() {
    let emu = Emulator::start();
    let names: Vec<String> = (0..4).map(|i| create(&emu, &format!("many {i}"))).collect();
    emu.run(&["cancel", &names[3]]);

    let args: Vec<&str> = ["wait"]
        .into_iter()
        .chain(names.iter().map(String::as_str))
        .collect();
    let out = emu.run(&args);
    assert_eq!(
        out.status.code(),
        Some(4),
        "one was cancelled: {}",
        stderr(&out)
    );
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    let mut listed: Vec<&str> = got.iter().filter_map(|op| op["name"].as_str()).collect();
    listed.sort();
    let mut want: Vec<&str> = names.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(listed, want);
    assert!(got.iter().all(|op| op["done"] == true));
    assert_eq!(got.iter().filter(|op| op["error"]["code"] == 1).count(), 1);

    // The three that succeeded, from a file, with a budget: exit 0.
    let file = std::env::temp_dir().join(format!("ccai-lro-names-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "# started today\n{}\n\n{}\n{}\n",
            names[0], names[1], names[2]
        ),
    )
    .expect("write names");
    let path = file.to_string_lossy().into_owned();
    let out = emu.run(&["wait", "--names-from", &path, "--max-rps", "20"]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out).len(), 3);
}

#[test]
fn a_timeout_lists_what_still_runs() {
    let emu = Emulator::start();
    let a = create(&emu, "slow a");
    let b = create(&emu, "slow b");
    let out = emu.run(&["wait", &a, &b, "--timeout", "300ms"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    for n in [&a, &b] {
        assert!(
            err.contains(&format!("timeout: {n} still running")),
            "{err}"
        );
    }
    assert!(
        err.contains("resume with: ccai-lro wait --names-from"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
}

#[test]
fn names_are_checked_before_any_rpc() {
    let out = Command::new(BIN)
        .args(["--endpoint", "http://127.0.0.1:1", "wait"])
        .arg(format!("{PARENT}/operations/1"))
        .arg("projects/p/operations/2")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("projects/p/operations/2"));
}

/// A thousand finished operations on the mock (served on loopback), their names on stdin.
#[test]
fn a_thousand_names_from_stdin() {
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::IssueModel;
    use ccai_lro_mock::{MockServer, Script};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt
        .block_on(
            MockServer::builder()
                .record_limit(usize::MAX)
                .start_tcp("127.0.0.1:0"),
        )
        .expect("mock on 127.0.0.1");
    let addr = server.local_addr().expect("bound address");
    let names: Vec<String> = (0..1000)
        .map(|i| format!("{PARENT}/operations/bulk-{i}"))
        .collect();
    for (i, n) in names.iter().enumerate() {
        let model = IssueModel {
            display_name: format!("model {i}"),
            ..Default::default()
        };
        server.insert(n, Script::new().respond(&model));
    }
    let mut child = Command::new(BIN)
        .args([
            "--endpoint",
            &format!("http://{addr}"),
            "wait",
            "--names-from",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(names.join("\n").as_bytes())
        .expect("names");
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = lines(&out);
    assert_eq!(got.len(), 1000);
    let displayed: std::collections::HashSet<&str> = got
        .iter()
        .filter_map(|op| op["response"]["displayName"].as_str())
        .collect();
    assert_eq!(displayed.len(), 1000, "each operation once");
    // One ListOperations page answered for all of them.
    assert_eq!(server.requests().len(), 1);
}
