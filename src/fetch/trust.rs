//! Whom TLS trusts, and how: the system's root certificates and `--cacert`'s,
//! loaded on a thread of their own while the first connection is made, the
//! client certificate of `--cert`, and the TLS configuration the clients share.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_platform_verifier::Verifier;

use super::FetchSettings;
use crate::error::UsageError;

/// What the command line adds to TLS: CA certificates to trust besides the
/// system's (`--cacert`) and a client certificate (`--cert`, `--key`).
#[derive(Default)]
pub struct Trust {
    /// The CA certificates of `--cacert`.
    pub cacert: Vec<CertificateDer<'static>>,
    /// The client certificate chain and its key.
    pub identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// The roots, loading from the first client that speaks TLS on, and shared
    /// by any other.
    roots: OnceLock<Arc<RootsOnAThread>>,
}

impl Trust {
    /// Reads the files named on the command line, once for the run: a bad file
    /// is a usage error before anything is sent, not a failure at the first
    /// https URL, and the https client built then uses what was read now.
    pub fn read(config: &FetchSettings) -> Result<Trust, UsageError> {
        Ok(Trust {
            cacert: config
                .cacert
                .as_deref()
                .map(read_certificates)
                .transpose()?
                .unwrap_or_default(),
            identity: config
                .identity
                .as_ref()
                .map(|(cert, key)| read_identity(cert, key.as_deref()))
                .transpose()?,
            roots: OnceLock::new(),
        })
    }

    /// The TLS configuration of a client that speaks TLS: certificates checked
    /// against the roots (or not at all, `insecure`), the client certificate if
    /// one was given, and HTTP/2 offered before HTTP/1.1.
    pub fn client_config(&self, insecure: bool) -> Result<ClientConfig, rustls::Error> {
        let provider = provider();
        let roots = (!insecure).then(|| {
            let roots = self
                .roots
                .get_or_init(|| RootsOnAThread::start(&self.cacert, &provider));
            Arc::clone(roots)
        });
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CertificateCheck { roots }));
        let mut config = match &self.identity {
            Some((chain, key)) => builder.with_client_auth_cert(chain.clone(), key.clone_key())?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// ring, with AES-128-GCM ahead of AES-256-GCM as browsers order them: its
/// handshake hashes with SHA-256, which processors have instructions for, where
/// SHA-384 runs in software (about 70,000 instructions a handshake).
pub fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::ring::cipher_suite::*;
    Arc::new(CryptoProvider {
        cipher_suites: vec![
            TLS13_AES_128_GCM_SHA256,
            TLS13_AES_256_GCM_SHA384,
            TLS13_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        ..rustls::crypto::ring::default_provider()
    })
}

/// The verifier of the system's roots and `--cacert`'s (rustls-platform-verifier,
/// as reqwest would use it). Reading and parsing the system's few hundred PEM
/// files takes milliseconds, so they load on a thread of their own while the
/// first connection is made, which needs them only when the server's
/// certificate arrives, a round trip or two later.
struct RootsOnAThread {
    loading: Mutex<Option<JoinHandle<Result<Verifier, rustls::Error>>>>,
    loaded: OnceLock<Result<Verifier, rustls::Error>>,
    /// For loading on the checking thread if no other could be started.
    cacert: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
}

impl RootsOnAThread {
    fn start(cacert: &[CertificateDer<'static>], provider: &Arc<CryptoProvider>) -> Arc<Self> {
        let (extra, on_thread) = (cacert.to_vec(), Arc::clone(provider));
        let loading = std::thread::Builder::new()
            .name("gather-roots".to_string())
            .spawn(move || load(extra, on_thread))
            .ok();
        Arc::new(RootsOnAThread {
            loading: Mutex::new(loading),
            loaded: OnceLock::new(),
            cacert: cacert.to_vec(),
            provider: Arc::clone(provider),
        })
    }

    /// The verifier, waiting for the roots if they are still loading.
    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| {
                let thread = self
                    .loading
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                match thread.map(JoinHandle::join) {
                    Some(Ok(loaded)) => loaded,
                    // No thread could be started, or it panicked.
                    _ => load(self.cacert.clone(), Arc::clone(&self.provider)),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The platform's verifier, with the system's roots and `cacert` (each already
/// checked to be a CA certificate); it fails only when no root could be loaded.
fn load(
    cacert: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Verifier, rustls::Error> {
    Verifier::new_with_extra_roots(cacert, provider).map_err(|err| {
        rustls::Error::Other(OtherError(Arc::new(NoRoots(match err {
            // rustls says "unexpected error: " before the reason it was given.
            rustls::Error::General(why) => why,
            other => other.to_string(),
        }))))
    })
}

/// Why no certificate can be checked: the system's roots could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0}; install the system's CA certificates, name a bundle with SSL_CERT_FILE or \
     SSL_CERT_DIR, or give --cacert FILE"
)]
pub struct NoRoots(String);

impl fmt::Debug for RootsOnAThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootsOnAThread")
            .field("loaded", &self.loaded.get().map(Result::is_ok))
            .finish_non_exhaustive()
    }
}

/// How a server's certificate is checked: against the roots, or (`--insecure`)
/// not at all, when any certificate passes and so does the handshake's
/// signature (the certificate it would prove is not trusted anyway), like
/// curl's `-k`.
#[derive(Debug)]
struct CertificateCheck {
    roots: Option<Arc<RootsOnAThread>>,
}

impl CertificateCheck {
    /// The handshake's signature, checked by `verify` once the roots are loaded
    /// (rustls asks after the certificate, so they are), or passed unchecked.
    fn signature(
        &self,
        verify: impl FnOnce(&Verifier) -> Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.roots {
            Some(roots) => verify(roots.verifier()?),
            None => Ok(HandshakeSignatureValid::assertion()),
        }
    }
}

impl ServerCertVerifier for CertificateCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.roots {
            Some(roots) => roots.verifier()?.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature(|roots| roots.verify_tls12_signature(message, cert, dss))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature(|roots| roots.verify_tls13_signature(message, cert, dss))
    }

    // Asked for the first message of each handshake: it must not wait for the
    // roots. Unchecked, every scheme, so that no server is refused for how it signs.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        use SignatureScheme::*;
        match &self.roots {
            Some(roots) => roots
                .provider
                .signature_verification_algorithms
                .supported_schemes(),
            None => vec![
                ECDSA_NISTP256_SHA256,
                ECDSA_NISTP384_SHA384,
                ECDSA_NISTP521_SHA512,
                ED25519,
                ED448,
                RSA_PSS_SHA256,
                RSA_PSS_SHA384,
                RSA_PSS_SHA512,
                RSA_PKCS1_SHA256,
                RSA_PKCS1_SHA384,
                RSA_PKCS1_SHA512,
                RSA_PKCS1_SHA1,
                ECDSA_SHA1_Legacy,
            ],
        }
    }
}

/// The CA certificates in a PEM file; a file that holds none, or one that is no
/// CA certificate, is a usage error.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, UsageError> {
    let unusable = |why: String| UsageError::Invalid(format!("--cacert {}: {why}", path.display()));
    let pem = std::fs::read(path)
        .map_err(|err| unusable(format!("could not read it: {}", err.kind())))?;
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|_| unusable("it is not a PEM file of certificates".to_string()))?;
    if certificates.is_empty() {
        return Err(unusable(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string(),
        ));
    }
    for (number, certificate) in certificates.iter().enumerate() {
        webpki::anchor_from_trusted_cert(certificate).map_err(|_| {
            unusable(format!(
                "its certificate {} of {} cannot be read as a CA certificate",
                number + 1,
                certificates.len()
            ))
        })?;
    }
    Ok(certificates)
}

/// A client certificate and its key, checked to belong together; any problem is
/// a usage error, found before anything is sent.
fn read_identity(
    cert: &Path,
    key: Option<&Path>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), UsageError> {
    let read = |path: &Path, flag: &str| {
        std::fs::read(path).map_err(|err| {
            UsageError::Invalid(format!(
                "{flag} {}: could not read it: {}",
                path.display(),
                err.kind()
            ))
        })
    };
    let cert_pem = read(cert, "--cert")?;
    let key_path = key.unwrap_or(cert);
    let key_pem = if key.is_some() {
        read(key_path, "--key")?
    } else {
        cert_pem.clone()
    };
    let unusable = |path: &Path, flag: &str, why: &str| {
        UsageError::Invalid(format!("{flag} {}: {why}", path.display()))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| unusable(cert, "--cert", "not a PEM file of certificates"))?;
    if chain.is_empty() {
        return Err(unusable(cert, "--cert", "it holds no PEM certificate"));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| unusable(key_path, "--key", "it holds no PEM private key"))?;
    let signing = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key_der.clone_key())
        .map_err(|_| unusable(key_path, "--key", "a key of a kind TLS cannot use"))?;
    rustls::sign::CertifiedKey::new(chain.clone(), signing)
        .keys_match()
        .map_err(|_| {
            unusable(
                key_path,
                "--key",
                "this key does not belong to the --cert certificate",
            )
        })?;
    Ok((chain, key_der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CipherSuite;

    #[test]
    fn every_suite_of_ring_is_offered_with_aes_128_first() {
        let names = |provider: &CryptoProvider| {
            let mut names: Vec<u16> = provider
                .cipher_suites
                .iter()
                .map(|suite| suite.suite().into())
                .collect();
            names.sort_unstable();
            names
        };
        let ours = provider();
        assert_eq!(
            names(&ours),
            names(&rustls::crypto::ring::default_provider())
        );
        assert_eq!(
            ours.cipher_suites[0].suite(),
            CipherSuite::TLS13_AES_128_GCM_SHA256
        );
    }
}
