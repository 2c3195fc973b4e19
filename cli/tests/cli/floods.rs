//! The emulator process out of file descriptors: it backs off, and serves again once the
//! descriptors are freed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{create, Emulator, BIN};

/// The emulator with at most `fds` open descriptors, its stderr in a buffer this test can read.
fn starved_emulator(fds: u32) -> (Emulator, Arc<Mutex<String>>) {
    // No --log: running out of descriptors is worth a warning on its own.
    let script = format!("ulimit -n {fds} && exec \"$0\" emulator --listen 127.0.0.1:0");
    let mut child = Command::new("sh")
        .args(["-c", &script, BIN])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn emulator under ulimit");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
    let emu = Emulator {
        child,
        endpoint: format!("http://{}", line.trim()),
    };
    (emu, log)
}

#[test]
fn out_of_descriptors_it_backs_off_and_serves_again() {
    let (emu, log) = starved_emulator(64);
    let name = create(&emu, "before");
    let addr = emu.endpoint.trim_start_matches("http://").to_owned();
    // More connections than descriptors, fewer than the kernel queues (a listen backlog is
    // often 128): connecting does not block, accepting fails.
    let flood: Vec<_> = (0..120)
        .map(|_| std::net::TcpStream::connect(&addr).expect("connect (queued by the kernel)"))
        .collect();
    let started = Instant::now();
    while !log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains("accept failed")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "accept never failed: {}",
            log.lock().unwrap_or_else(|e| e.into_inner())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(flood);
    let out = emu.run(&["get", &name]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "served again: {}",
        super::stderr(&out)
    );
}

#[test]
fn handshake_timeout_closes_a_silent_connection_at_its_setting() {
    use std::io::Read;
    let (mut child, addr, _err) =
        super::spawn_emulator(&["--listen", "127.0.0.1:0", "--handshake-timeout", "1s"]);
    let mut silent = std::net::TcpStream::connect(&addr).expect("connect");
    // Past the 1 s asked for, well short of the 10 s default: only the flag can close it here.
    silent
        .set_read_timeout(Some(Duration::from_secs(8)))
        .expect("read timeout");
    let read = silent.read(&mut [0u8; 16]);
    let _ = child.kill();
    let _ = child.wait();
    match read {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the emulator did not close the silent connection: {other:?}"),
    }
}
