//! The HTTP client: one reqwest `Client` for the whole run, with rustls on the
//! ring provider, proxies from the environment, and a resolver whose failures
//! are typed so that DNS errors are told apart from connect errors.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use reqwest::{Certificate, Client};

use super::proxy::ProxySettings;
use crate::error::UsageError;

/// The most header lines a response may have; curl accepts this many, and
/// hyper's default of 100 refuses real sites behind several CDN layers.
pub const MAX_RESPONSE_HEADERS: usize = 300;

/// How the client is set up.
pub struct ClientSettings<'a> {
    /// Idle connections kept per origin: the concurrency, so none is wasted.
    pub idle_per_host: usize,
    /// The limit on resolving, connecting, any proxy tunnel and the TLS handshake.
    pub connect_timeout: Duration,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
    /// Extra CA certificates to trust (`--cacert`), besides the system's.
    pub cacert: Option<&'a Path>,
    /// The proxies from the environment, already checked.
    pub proxies: &'a ProxySettings,
}

/// Builds the client. Redirects are followed by the fetcher, one hop at a time,
/// so that each hop's headers and failures are its own; reqwest's own retries
/// are off, since gather retries whole attempts with its own rules.
pub fn build(settings: &ClientSettings<'_>) -> anyhow::Result<Client> {
    // reqwest is built without a bundled crypto provider; ring builds fastest.
    // An error only means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .redirect(redirect::Policy::none())
        .retry(reqwest::retry::never())
        .connect_timeout(settings.connect_timeout)
        .pool_max_idle_per_host(settings.idle_per_host)
        .tcp_nodelay(true)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .dns_resolver(Arc::new(Resolver))
        .tls_danger_accept_invalid_certs(settings.insecure)
        .no_proxy();
    for proxy in settings.proxies.reqwest_proxies()? {
        builder = builder.proxy(proxy);
    }
    if let Some(path) = settings.cacert {
        for certificate in read_certificates(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().context("could not set up the HTTP client")
}

/// The CA certificates in a PEM file; a file that holds none is a usage error.
fn read_certificates(path: &Path) -> Result<Vec<Certificate>, UsageError> {
    let unusable = |why: String| UsageError::Invalid(format!("--cacert {}: {why}", path.display()));
    let pem = std::fs::read(path)
        .map_err(|err| unusable(format!("could not read it: {}", err.kind())))?;
    let certificates = Certificate::from_pem_bundle(&pem)
        .map_err(|_| unusable("it is not a PEM file of certificates".to_string()))?;
    if certificates.is_empty() {
        return Err(unusable(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string(),
        ));
    }
    Ok(certificates)
}

/// A host name that did not resolve, kept apart from connect errors.
#[derive(Debug, thiserror::Error)]
#[error("could not resolve host {host}")]
pub struct DnsFailed {
    /// The name that was looked up.
    pub host: String,
    /// What the system resolver said.
    #[source]
    pub cause: io::Error,
}

/// The system resolver (getaddrinfo, on tokio's blocking pool), with typed errors.
struct Resolver;

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.clone(), 0)).await;
            match found {
                Ok(addrs) => Ok(Box::new(addrs) as Addrs),
                Err(cause) => Err(Box::new(DnsFailed { host, cause }) as _),
            }
        })
    }
}
