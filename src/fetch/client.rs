//! The HTTP clients: one reqwest `Client` for plain http, which speaks no TLS and
//! so loads no root certificates, and one for https, built at the first https
//! URL with the TLS configuration of [`Trust`]; proxies from the environment,
//! `--resolve` overrides, and a resolver whose failures are typed so that DNS
//! errors are told apart from connect errors (and which keeps to `-4` or `-6`).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use reqwest::Client;

use super::proxy::ProxySettings;
use super::timing::{self, TimeConnects};
use super::trust::{self, Trust};
use super::{FetchSettings, Fetcher};
use crate::error::UsageError;
use crate::record::Failure;

/// The most header lines a response may have; curl accepts this many, and
/// hyper's default of 100 refuses real sites behind several CDN layers.
pub const MAX_RESPONSE_HEADERS: usize = 300;

/// How the clients are set up: read from the command line once, and kept for the
/// https client, which is built at the first https URL.
pub struct ClientSettings {
    /// Idle connections kept per origin: the concurrency, so none is wasted.
    pub idle_per_host: usize,
    /// The limit on resolving, connecting, any proxy tunnel and the TLS handshake.
    pub connect_timeout: Duration,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
    /// What `--cacert` and `--cert` gave, read once for both clients.
    pub trust: Trust,
    /// The proxies from the environment, already checked.
    pub proxies: ProxySettings,
    /// Addresses to use instead of resolving these hosts (`--resolve`).
    pub resolve: Vec<(String, Vec<SocketAddr>)>,
    /// Only this address family (`-4`, `-6`).
    pub family: Option<IpFamily>,
}

impl ClientSettings {
    /// The settings `config` gives, with its `--cacert` and `--cert` files read:
    /// a bad file is a usage error before anything is sent.
    pub fn of(config: &FetchSettings) -> Result<ClientSettings, UsageError> {
        Ok(ClientSettings {
            idle_per_host: config.idle_per_host,
            connect_timeout: config.connect_timeout,
            insecure: config.insecure,
            trust: Trust::read(config)?,
            proxies: config.proxies.clone(),
            resolve: config.resolve.clone(),
            family: config.family,
        })
    }
}

/// An address family `-4` or `-6` keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl IpFamily {
    fn holds(self, ip: IpAddr) -> bool {
        match self {
            IpFamily::V4 => ip.is_ipv4(),
            IpFamily::V6 => ip.is_ipv6(),
        }
    }
}

/// Builds a client. Redirects are followed by the fetcher, one hop at a time,
/// so that each hop's headers and failures are its own; reqwest's own retries
/// are off, since gather retries whole attempts with its own rules.
///
/// `time_connections` times each new connection, for `connect_ms`, and tells the
/// engine it is up ([`crate::connected`]). It costs reqwest a clone of its
/// layered connector per request (about 7,000 instructions), so it is on only
/// where a format shows the time, or for https while new origins are probed.
/// `tls` speaks TLS: to https origins, and to an https proxy. Building such a
/// client starts loading the system's root certificates (see [`Trust`]); without
/// it the client trusts no certificate and loads none.
pub fn build(
    settings: &ClientSettings,
    time_connections: bool,
    tls: bool,
) -> anyhow::Result<Client> {
    let mut builder = Client::builder()
        .redirect(redirect::Policy::none())
        .retry(reqwest::retry::never())
        .connect_timeout(settings.connect_timeout)
        .pool_max_idle_per_host(settings.idle_per_host)
        .tcp_nodelay(true)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .dns_resolver(Arc::new(Resolver {
            family: settings.family,
        }))
        .no_proxy();
    // Binding to the family's unspecified address keeps even IP-literal URLs to it.
    match settings.family {
        Some(IpFamily::V4) => builder = builder.local_address(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        Some(IpFamily::V6) => builder = builder.local_address(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        None => {}
    }
    if time_connections {
        builder = builder.connector_layer(TimeConnects);
    }
    for (host, addrs) in &settings.resolve {
        builder = builder.resolve_to_addrs(host, addrs);
    }
    for proxy in settings.proxies.reqwest_proxies()? {
        builder = builder.proxy(proxy);
    }
    let tls_config = if tls {
        builder = builder.tls_info(true);
        settings.trust.client_config(settings.insecure)?
    } else {
        trusting_nothing()?
    };
    builder
        .tls_backend_preconfigured(tls_config)
        .build()
        .context("could not set up the HTTP client")
}

/// A TLS configuration for a client that only speaks plain http: it trusts no
/// certificate, so a TLS peer it ever met would fail, never pass unchecked.
fn trusting_nothing() -> anyhow::Result<rustls::ClientConfig> {
    Ok(
        rustls::ClientConfig::builder_with_provider(trust::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    )
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
    /// The name has addresses, but none of the family `-4` or `-6` asked for.
    pub wrong_family: Option<IpFamily>,
}

/// The system resolver (getaddrinfo, on tokio's blocking pool), with typed errors,
/// keeping to one address family if asked.
struct Resolver {
    family: Option<IpFamily>,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let family = self.family;
        Box::pin(async move {
            let started = Instant::now();
            let found = tokio::net::lookup_host((host.clone(), 0)).await;
            timing::note_dns(started.elapsed());
            let addrs: Vec<SocketAddr> = match found {
                Ok(addrs) => addrs
                    .filter(|addr| family.is_none_or(|family| family.holds(addr.ip())))
                    .collect(),
                Err(cause) => {
                    let failed = DnsFailed {
                        host,
                        cause,
                        wrong_family: None,
                    };
                    return Err(Box::new(failed) as _);
                }
            };
            if addrs.is_empty() {
                let failed = DnsFailed {
                    host,
                    cause: io::Error::other("no address of the family asked for"),
                    wrong_family: family,
                };
                return Err(Box::new(failed) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

impl Fetcher {
    /// The client for `url`: the https one, or the plain one. The https one is
    /// built at the first https URL; if it cannot be, each https URL fails.
    pub(super) fn client_for(&self, url: &url::Url) -> Result<&Client, Failure> {
        match url.scheme() {
            "https" => self
                .https_client
                .get_or_init(|| {
                    build(&self.connections, self.https_timed, true)
                        .map_err(|err| tls_unusable(&err))
                })
                .as_ref()
                .map_err(|why| Failure::Tls(why.clone())),
            _ => Ok(&self.client),
        }
    }
}

/// Why https cannot be set up, for every https URL's record (a TLS failure).
fn tls_unusable(err: &anyhow::Error) -> String {
    format!("could not set up TLS: {err:#}")
}
