//! `https` through an HTTP CONNECT proxy written here: from `https_proxy`, Basic credentials
//! from its URL, a 407 named, `NO_PROXY` honoured, and the bearer token only inside the TLS
//! tunnel. The target names (`insights.test`, `0.0.0.0`) are not loopback, so they are
//! proxied; the proxy sends every tunnel to the emulator on 127.0.0.1 and nothing resolves
//! them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

use crate::{spawn_emulator, stderr, BIN};

/// What a proxy saw: each CONNECT head, and every byte it relayed from clients.
#[derive(Default)]
struct Seen {
    heads: Vec<String>,
    relayed: Vec<u8>,
}

/// A CONNECT proxy on 127.0.0.1 that tunnels to `127.0.0.1:{target}` whatever the host asked
/// for; with `credentials`, a request without `Proxy-Authorization: Basic {credentials}` gets
/// 407.
fn proxy(target: u16, credentials: Option<&'static str>) -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let seen = record.clone();
            std::thread::spawn(move || tunnel(client, target, credentials, seen));
        }
    });
    (port, seen)
}

fn tunnel(mut client: TcpStream, target: u16, credentials: Option<&str>, seen: Arc<Mutex<Seen>>) {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read_exact(&mut byte).is_err() {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    seen.lock().unwrap().heads.push(head.clone());
    if let Some(c) = credentials {
        if !head.contains(&format!("Proxy-Authorization: Basic {c}\r\n")) {
            let _ = client.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n\r\n",
            );
            return;
        }
    }
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut from_client, mut to_client) = (client.try_clone().unwrap(), client);
    let mut to_server = server.try_clone().unwrap();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server, &mut to_client);
    });
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from_client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                seen.lock().unwrap().relayed.extend_from_slice(&buf[..n]);
                if to_server.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

/// A TLS emulator whose certificate names `insights.test` and `0.0.0.0`; its port, the CA's
/// path, and its stderr (kept open: the emulator writes there).
fn emulator(
    dir: &std::path::Path,
) -> (
    std::process::Child,
    u16,
    String,
    std::io::BufReader<std::process::ChildStderr>,
) {
    std::fs::create_dir_all(dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "proxy test CA");
    let ca = params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(vec!["insights.test".to_owned(), "0.0.0.0".to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(path("ca.pem"), ca.pem()).unwrap();
    std::fs::write(path("server.pem"), cert.pem()).unwrap();
    std::fs::write(path("server.key"), key.serialize_pem()).unwrap();
    let (child, addr, err) = spawn_emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &path("server.pem"),
        "--tls-key",
        &path("server.key"),
    ]);
    let port = addr.rsplit(':').next().unwrap().parse().unwrap();
    (child, port, path("ca.pem"), err)
}

const TOKEN: &str = "ya29.never-in-clear-8f2d";

fn get(endpoint: &str, ca: &str, env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "--endpoint",
        endpoint,
        "--ca-file",
        ca,
        "--access-token",
        TOKEN,
    ])
    .args(["get", "projects/p/locations/l/operations/1"]);
    for var in [
        "grpc_proxy",
        "https_proxy",
        "HTTPS_PROXY",
        "NO_PROXY",
        "no_proxy",
        "no_grpc_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn https_goes_through_the_proxy_of_the_environment_with_the_token_inside_tls() {
    let dir = std::env::temp_dir().join(format!("ccai-lro-proxy-{}", std::process::id()));
    let (mut emu, port, ca, _stderr) = emulator(&dir);
    let (open, open_seen) = proxy(port, None);
    let endpoint = format!("https://insights.test:{port}");

    // NOT_FOUND (exit 3) is the emulator's answer: the call went through.
    let out = get(
        &endpoint,
        &ca,
        &[("https_proxy", format!("http://127.0.0.1:{open}"))],
    );
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    {
        let seen = open_seen.lock().unwrap();
        assert!(
            seen.heads
                .iter()
                .any(|h| h.starts_with(&format!("CONNECT insights.test:{port} HTTP/1.1\r\n"))),
            "{:?}",
            seen.heads
        );
        assert!(!seen.relayed.is_empty());
        let clear = String::from_utf8_lossy(&seen.relayed);
        assert!(
            !clear.contains(TOKEN),
            "the token crossed the proxy in clear"
        );
        assert!(seen.heads.iter().all(|h| !h.contains(TOKEN)));
    }

    // Basic credentials from the URL; without them, a 407 named with the proxy.
    let (guarded, guarded_seen) = proxy(port, Some("dXNlcjpwQHNz")); // user:p@ss
    let out = get(
        &endpoint,
        &ca,
        &[(
            "HTTPS_PROXY",
            format!("http://user:p%40ss@127.0.0.1:{guarded}"),
        )],
    );
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    let out = get(
        &endpoint,
        &ca,
        &[("grpc_proxy", format!("http://127.0.0.1:{guarded}"))],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "proxy 127.0.0.1:{guarded} refused the tunnel: HTTP 407"
        )),
        "{err}"
    );
    assert!(err.contains("user:password@"), "says what to do: {err}");
    assert!(!err.contains("p@ss") && !err.contains("p%40ss"));
    assert_eq!(guarded_seen.lock().unwrap().heads.len(), 2);

    // NO_PROXY exempts a host: 0.0.0.0 (this machine) is reached directly.
    let before = open_seen.lock().unwrap().heads.len();
    let direct = format!("https://0.0.0.0:{port}");
    let env = [
        ("https_proxy", format!("http://127.0.0.1:{open}")),
        ("NO_PROXY", "example.com, 0.0.0.0".to_owned()),
    ];
    let out = get(&direct, &ca, &env);
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    assert_eq!(open_seen.lock().unwrap().heads.len(), before, "not proxied");
    let out = get(&direct, &ca, &env[..1]);
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    assert_eq!(open_seen.lock().unwrap().heads.len(), before + 1, "proxied");

    let _ = emu.kill();
    let _ = emu.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `GOOGLE_CLOUD_UNIVERSE_DOMAIN` names the default endpoint. Seen at the proxy, so nothing
/// resolves the name: the proxy answers 502 (its target is a closed port).
#[test]
fn the_universe_domain_names_the_default_endpoint() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (port, seen) = proxy(closed, None);
    let out = Command::new(BIN)
        .args([
            "--access-token",
            TOKEN,
            "get",
            "projects/p/locations/l/operations/1",
        ])
        .env_remove("CCAI_LRO_ENDPOINT")
        .env_remove("CONTACT_CENTER_INSIGHTS_EMULATOR_HOST")
        .env_remove("grpc_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("https_proxy", format!("http://127.0.0.1:{port}"))
        .env("GOOGLE_CLOUD_UNIVERSE_DOMAIN", "example-cloud.test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let heads = &seen.lock().unwrap().heads;
    assert!(
        heads
            .iter()
            .any(|h| h
                .starts_with("CONNECT contactcenterinsights.example-cloud.test:443 HTTP/1.1\r\n")),
        "{heads:?}"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "proxy 127.0.0.1:{port} refused the tunnel: HTTP 502"
        )),
        "{err}"
    );
}
