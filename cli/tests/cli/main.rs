//! The real `ccai-lro` binary against the emulator (a second process on 127.0.0.1): JSON shape,
//! paging, cancel, exit codes, error lines, names refused before any RPC, deadlines, signals.

mod call;
mod commands;
mod errors;
#[cfg(target_os = "linux")]
mod floods;
mod many;
mod proxy;
mod signals;
mod state;
mod tls;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_ccai-lro");
pub const PARENT: &str = "projects/cli-test/locations/us-central1";

/// The emulator process, killed on drop.
pub struct Emulator {
    pub child: Child,
    pub endpoint: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// An emulator started with `options` too.
    pub fn start_with(options: &[&str]) -> Emulator {
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(options)
            .env_remove("STORAGE_EMULATOR_HOST")
            .env_remove("PUBSUB_EMULATOR_HOST")
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

    pub fn run(&self, args: &[&str]) -> Output {
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

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn create(emu: &Emulator, display: &str) -> String {
    let out = emu.run(&["issue-models", "create", PARENT, "--display-name", display]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    json(&out)["name"]
        .as_str()
        .expect("operation name")
        .to_owned()
}

/// A TCP address that accepts connections and never says a word: a server that hangs.
/// Connections are held until the test process ends.
pub fn black_hole() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind black hole");
    let addr = listener.local_addr().expect("black hole address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    addr
}

/// An emulator started with `args`, its address, and its stderr to read the banner from.
pub fn spawn_emulator(args: &[&str]) -> (Child, String, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(BIN)
        .arg("emulator")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let err = BufReader::new(child.stderr.take().expect("stderr"));
    (child, line.trim().to_owned(), err)
}
