//! The client's TLS: the system's trust store (the webpki roots where it has none), extra CAs,
//! and a client identity for mTLS; inputs checked before any RPC.

use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use crate::Error;

/// What the builder was given for TLS.
#[derive(Debug, Default)]
pub(crate) struct TlsSettings {
    pub(crate) ca_certificates: Vec<Vec<u8>>,
    pub(crate) identity: Option<ClientIdentity>,
}

/// A client certificate and its private key (PEM); the key never shows in `Debug`.
pub(crate) struct ClientIdentity {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl ClientIdentity {
    pub(crate) fn new(cert: &[u8], key: &[u8]) -> ClientIdentity {
        ClientIdentity {
            cert: cert.to_vec(),
            key: key.to_vec(),
        }
    }
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity(<certificate and key redacted>)")
    }
}

/// Whether `pem` holds one certificate at least, all of them well-formed.
fn has_certificates(pem: &[u8]) -> bool {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .is_ok_and(|c| !c.is_empty())
}

impl TlsSettings {
    /// Refuses CA certificates and a client identity that do not parse, before any RPC: tonic
    /// would skip them silently.
    pub(crate) fn check(&self) -> Result<(), Error> {
        for (i, pem) in self.ca_certificates.iter().enumerate() {
            if !has_certificates(pem) {
                return Err(Error::InvalidArgument(format!(
                    "CA certificate #{} is not a PEM certificate",
                    i + 1
                )));
            }
        }
        if let Some(id) = &self.identity {
            if !has_certificates(&id.cert) {
                return Err(Error::InvalidArgument(
                    "the client certificate is not a PEM certificate".into(),
                ));
            }
            if PrivateKeyDer::from_pem_slice(&id.key).is_err() {
                return Err(Error::InvalidArgument(
                    "the client key is not a PEM private key".into(),
                ));
            }
        }
        Ok(())
    }

    /// The system's roots (the webpki roots where it has none), the extra CAs, the identity.
    pub(crate) fn config(&self) -> ClientTlsConfig {
        let system = rustls_native_certs::load_native_certs();
        let mut tls = if system.certs.is_empty() {
            tracing::debug!(errors = ?system.errors, "no system trust store: using the webpki roots");
            ClientTlsConfig::new().with_webpki_roots()
        } else {
            tracing::debug!(
                certificates = system.certs.len(),
                "using the system trust store"
            );
            ClientTlsConfig::new().with_native_roots()
        };
        for pem in &self.ca_certificates {
            tls = tls.ca_certificate(Certificate::from_pem(pem));
        }
        if let Some(identity) = &self.identity {
            tls = tls.identity(Identity::from_pem(&identity.cert, &identity.key));
        }
        tls
    }
}
