//! The HTTP client: hyper's pooled client over gather's own connector, which
//! resolves names (so DNS failures are told apart), goes through a proxy from the
//! environment when one applies, speaks TLS through rustls, and times the whole
//! connect.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::Uri;
use http_body_util::Empty;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::dns::{GaiAddrs, GaiResolver, Name};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// The pooled client every fetch shares. Requests have no body: gather only GETs.
pub type HttpClient = Client<Connector, Empty<Bytes>>;

/// How the client is set up.
pub struct ClientSettings {
    /// Idle connections kept per origin: the concurrency, so none is wasted.
    pub idle_per_host: usize,
    /// The limit on resolving, connecting, any proxy tunnel and the TLS handshake.
    pub connect_timeout: Duration,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
}

/// Builds the client. Proxies come from the environment, as curl reads them.
pub fn build(settings: &ClientSettings, proxies: Arc<Matcher>) -> anyhow::Result<HttpClient> {
    let mut tcp = HttpConnector::new_with_resolver(Resolver(GaiResolver::new()));
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let route = Route { tcp, proxies };
    let tls = HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(settings.insecure).context("could not set up TLS")?)
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(route);
    let connector = Connector {
        tls,
        timeout: settings.connect_timeout,
    };
    Ok(Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(settings.idle_per_host)
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build(connector))
}

fn tls_config(insecure: bool) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Verifier {
        provider: provider.clone(),
        platform: if insecure {
            None
        } else {
            Some(OnceLock::new())
        },
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// A name that did not resolve, kept apart from connect errors.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DnsFailed(io::Error);

/// Resolving, connecting and the TLS handshake took longer than the limit.
#[derive(Debug, thiserror::Error)]
#[error("connect timed out")]
pub struct ConnectTimedOut;

/// The environment names a proxy gather cannot use.
#[derive(Debug, thiserror::Error)]
#[error("proxy {0} is not supported: gather uses http:// proxies only")]
pub struct UnsupportedProxy(String);

#[derive(Clone)]
struct Resolver(GaiResolver);

impl Service<Name> for Resolver {
    type Response = GaiAddrs;
    type Error = DnsFailed;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, DnsFailed>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), DnsFailed>> {
        self.0.poll_ready(cx).map_err(DnsFailed)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolving = self.0.call(name);
        Box::pin(async move { resolving.await.map_err(DnsFailed) })
    }
}

/// Decides per destination: straight there, through a CONNECT tunnel (https via
/// a proxy), or to the proxy itself (http via a proxy, sent in absolute form).
#[derive(Clone)]
struct Route {
    tcp: HttpConnector<Resolver>,
    proxies: Arc<Matcher>,
}

impl Service<Uri> for Route {
    type Response = Conn;
    type Error = BoxError;
    type Future = Connecting<Conn>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut tcp = self.tcp.clone();
        let Some(proxy) = self.proxies.intercept(&dst) else {
            return Box::pin(async move { Ok(Conn::new(tcp.call(dst).await?, false)) });
        };
        let proxy_uri = proxy.uri().clone();
        if proxy_uri.scheme_str() != Some("http") {
            return Box::pin(async move { Err(UnsupportedProxy(proxy_uri.to_string()).into()) });
        }
        if dst.scheme_str() == Some("https") {
            let mut tunnel = Tunnel::new(proxy_uri, tcp);
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            return Box::pin(async move { Ok(Conn::new(tunnel.call(dst).await?, false)) });
        }
        Box::pin(async move { Ok(Conn::new(tcp.call(proxy_uri).await?, true)) })
    }
}

/// The outermost connector: TLS over the route, under the connect timeout.
#[derive(Clone)]
pub struct Connector {
    tls: HttpsConnector<Route>,
    timeout: Duration,
}

impl Service<Uri> for Connector {
    type Response = MaybeHttpsStream<Conn>;
    type Error = BoxError;
    type Future = Connecting<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.tls.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.tls.call(dst);
        let limit = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(ConnectTimedOut.into()),
            }
        })
    }
}

/// A TCP connection that knows whether it leads to a proxy, which changes how
/// hyper writes the request line.
pub struct Conn {
    io: TokioIo<TcpStream>,
    to_proxy: bool,
}

impl Conn {
    fn new(io: TokioIo<TcpStream>, to_proxy: bool) -> Conn {
        Conn { io, to_proxy }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.to_proxy)
    }
}

impl Read for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Checks certificates against the system's roots, loaded on the first TLS
/// handshake rather than at start-up (lists of http URLs never pay for it); or,
/// with `--insecure`, accepts any certificate while still checking signatures.
struct Verifier {
    provider: Arc<CryptoProvider>,
    platform: Option<OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.platform.is_some() {
            "system roots"
        } else {
            "insecure"
        };
        f.debug_struct("Verifier").field("mode", &mode).finish()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(platform) = &self.platform else {
            return Ok(ServerCertVerified::assertion());
        };
        let verifier = platform.get_or_init(|| {
            rustls_platform_verifier::Verifier::new(self.provider.clone()).map_err(|err| {
                rustls::Error::General(format!(
                    "could not load the system's root certificates: {err}"
                ))
            })
        });
        match verifier {
            Ok(verifier) => verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            Err(err) => Err(err.clone()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
