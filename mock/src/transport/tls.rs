//! TLS on the emulator's one port: ALPN offers `h2` and `http/1.1`, so gRPC and REST clients
//! both find their protocol; a client CA makes a certificate signed by it required (mTLS).
//!
//! The handshake runs in the connection's own task, on its first read or write, so a slow or
//! silent client never holds up `accept`; it counts against the same handshake deadline as the
//! protocol's first bytes (`io.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::{
    fmt,
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use rustls::{
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::WebPkiClientVerifier,
    RootCertStore, ServerConfig,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::{server::TlsStream, FallibleAccept, TlsAcceptor};

/// A server certificate chain and key, and optionally the CA that client certificates must be
/// signed by. Its `Debug` shows no key material.
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: TlsAcceptor,
    client_auth: bool,
    /// Handshakes completed: full, and resumed from an earlier session (shared by clones).
    handshakes: Arc<[AtomicU64; 2]>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// From PEM: `cert_chain` (the server's certificate first, then intermediates), its private
    /// key, and `client_ca` to require client certificates signed by it. The error says which
    /// input is wrong and why.
    pub fn from_pem(
        cert_chain: &[u8],
        key: &[u8],
        client_ca: Option<&[u8]>,
    ) -> Result<TlsConfig, String> {
        let chain = certificates(cert_chain).map_err(|e| format!("certificate: {e}"))?;
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|e| format!("key: no private key in PEM ({e})"))?;
        let provider = Arc::new(ring_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS versions: {e}"))?;
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(pem) => {
                let mut roots = RootCertStore::empty();
                for ca in certificates(pem).map_err(|e| format!("client CA: {e}"))? {
                    roots
                        .add(ca)
                        .map_err(|e| format!("client CA: not a CA certificate ({e})"))?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| format!("client CA: {e}"))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(chain, key)
            .map_err(|e| format!("certificate and key do not go together: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsConfig {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            client_auth: client_ca.is_some(),
            handshakes: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
        })
    }

    /// The handshakes completed so far with this configuration (and its clones): `(full,
    /// resumed)`, resumed ones having skipped the certificate exchange by a client's session
    /// ticket or id.
    pub fn handshakes(&self) -> (u64, u64) {
        (
            self.handshakes[0].load(Ordering::Relaxed),
            self.handshakes[1].load(Ordering::Relaxed),
        )
    }

    /// Starts the handshake on `tcp`; it runs as the connection is first read or written.
    pub(crate) fn accept(&self, tcp: TcpStream) -> Conn {
        Conn::Handshaking(Box::new((
            self.acceptor.accept(tcp).into_fallible(),
            self.handshakes.clone(),
        )))
    }
}

/// Every certificate in `pem`; at least one.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM ({e})"))?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block in PEM".into());
    }
    Ok(certs)
}

/// An accepted connection: plaintext, or TLS (during or after its handshake).
pub(crate) enum Conn {
    Plain(TcpStream),
    Handshaking(Box<(FallibleAccept<TcpStream>, Arc<[AtomicU64; 2]>)>),
    Tls(Box<TlsStream<TcpStream>>),
    Failed,
}

impl Conn {
    /// Drives the handshake; ready once the connection can carry data.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Conn::Handshaking(accept) = self {
            let (accept, counts) = accept.as_mut();
            match Pin::new(accept).poll(cx) {
                Poll::Ready(Ok(stream)) => {
                    let resumed =
                        stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                    counts[usize::from(resumed)].fetch_add(1, Ordering::Relaxed);
                    *self = Conn::Tls(Box::new(stream));
                }
                Poll::Ready(Err((e, tcp))) => {
                    // TLS 1.3 refuses a client's certificate (or its absence) after the client
                    // has finished and sent its first request: closing with that request
                    // unread would reset the connection, and the client could lose the alert
                    // saying why. So the rest of what it sent is read and dropped first.
                    tokio::spawn(drain(tcp));
                    *self = Conn::Failed;
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        match self {
            Conn::Failed => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the TLS handshake failed",
            ))),
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = std::task::ready!(this.poll_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match this {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = std::task::ready!(this.poll_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match this {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, data),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
            _ => Poll::Ready(Ok(0)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            _ => Poll::Ready(Ok(())),
        }
    }
}

/// rustls's *ring* provider. rustls 0.23.48 deprecates its constructor because *ring* has no
/// post-quantum key exchange, and names no successor for *ring*; the emulator keeps *ring* on
/// purpose (it builds far faster than aws-lc-rs, and tonic's `tls-ring` uses it), so the
/// allowance is here and nowhere else.
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// After a failed handshake: closes our side, then reads and drops what the client still
/// sends, for at most [`DRAIN_TIME`] and [`DRAIN_BYTES`], so that the close sends no reset.
async fn drain(mut tcp: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp.shutdown().await;
    let mut buf = [0u8; 4096];
    let mut read = 0;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while read < DRAIN_BYTES {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n,
            }
        }
    })
    .await;
}

/// How long a connection whose handshake failed is read and dropped before it is closed.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);
/// The most bytes read and dropped from such a connection.
const DRAIN_BYTES: usize = 64 * 1024;
