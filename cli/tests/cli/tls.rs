//! The emulator over TLS and the CLI reaching it: `--ca-file`, only `SSL_CERT_FILE`, an
//! untrusted certificate (exit 3 at once, the reason named), mTLS, and bad TLS files.

use std::path::PathBuf;
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

use crate::{spawn_emulator, stderr, BIN};

/// A CA and a certificate it signed, written to a fresh directory.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(tag: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("ccai-lro-tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "CLI test CA");
        let ca = params.self_signed(&ca_key).unwrap();
        let leaf = |names: Vec<String>, usage| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.extended_key_usages = vec![usage];
            (
                p.signed_by(&key, &ca, &ca_key).unwrap().pem(),
                key.serialize_pem(),
            )
        };
        let (server, server_key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) = leaf(
            vec!["backend.example".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        for (name, text) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server),
            ("server.key", server_key),
            ("client.pem", client),
            ("client.key", client_key),
            ("junk.pem", "not a certificate".into()),
        ] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn get(endpoint: &str, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["--endpoint", endpoint, "--api-key", "k"])
        .args(extra)
        .args(["get", "projects/p/locations/l/operations/1"])
        .env_remove("CCAI_LRO_CA_FILE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// An emulator over TLS with `pki`'s server certificate and `extra` flags; its `https://`
/// endpoint, and its stderr (kept open: the emulator writes there).
fn tls_emulator(
    pki: &Pki,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStderr>,
) {
    let (cert, key) = (pki.path("server.pem"), pki.path("server.key"));
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ];
    args.extend_from_slice(extra);
    let (child, addr, err) = spawn_emulator(&args);
    (child, format!("https://{addr}"), err)
}

#[test]
fn the_cli_reaches_a_tls_emulator_by_ca_file_or_ssl_cert_file_and_refuses_an_untrusted_one() {
    let pki = Pki::new("trust");
    let (mut child, endpoint, _err) = tls_emulator(&pki, &[]);
    // The operation does not exist: NOT_FOUND (exit 3) proves the call went through TLS.
    let with_file = get(&endpoint, &["--ca-file", &pki.path("ca.pem")], &[]);
    assert!(
        stderr(&with_file).contains("NOT_FOUND"),
        "{}",
        stderr(&with_file)
    );
    let with_env = get(&endpoint, &[], &[("SSL_CERT_FILE", &pki.path("ca.pem"))]);
    assert!(
        stderr(&with_env).contains("NOT_FOUND"),
        "{}",
        stderr(&with_env)
    );

    let started = std::time::Instant::now();
    let untrusted = get(&endpoint, &[], &[]);
    assert_eq!(untrusted.status.code(), Some(3));
    let err = stderr(&untrusted);
    assert!(
        err.contains("TLS: the server's certificate is signed by an unknown issuer"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "no retries"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_emulator_requiring_client_certificates_serves_only_clients_with_one() {
    let pki = Pki::new("mtls");
    let (mut child, endpoint, _err) = tls_emulator(&pki, &["--tls-client-ca", &pki.path("ca.pem")]);
    let ca = ["--ca-file", &pki.path("ca.pem")];
    let client = pki.path("client.pem");
    let key = pki.path("client.key");
    let mut with = ca.to_vec();
    with.extend(["--client-cert", &client, "--client-key", &key]);
    let out = get(&endpoint, &with, &[]);
    assert!(stderr(&out).contains("NOT_FOUND"), "{}", stderr(&out));
    let out = get(&endpoint, &ca, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("the server asked for a client certificate"),
        "{}",
        stderr(&out)
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn bad_tls_files_stop_the_emulator_naming_the_file() {
    let pki = Pki::new("bad");
    let junk = pki.path("junk.pem");
    let out = Command::new(BIN)
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &junk,
            "--tls-key",
        ])
        .arg(pki.path("server.key"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&junk) && err.contains("certificate: no CERTIFICATE"),
        "{err}"
    );

    let missing = pki.path("missing.pem");
    let out = Command::new(BIN)
        .args(["emulator", "--tls-cert", &missing, "--tls-key", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("cannot read --tls-cert {missing}")),
        "{}",
        stderr(&out)
    );

    let out = get("https://127.0.0.1:1", &["--ca-file", &junk], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a PEM certificate"),
        "{}",
        stderr(&out)
    );
}
