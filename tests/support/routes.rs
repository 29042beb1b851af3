//! A small server of a test's own: each test gives the handler for its routes,
//! and reads back what arrived. Plain HTTP, or HTTP and HTTPS on one port (the
//! first byte tells them apart), on 127.0.0.1 port 0, on a thread of its own.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path and query asked for (HTTP/2 sends the whole URL; this is its path).
    pub target: String,
    /// Lower-case header names with their values, in the order sent.
    pub headers: Vec<(String, String)>,
    /// Whether it arrived over TLS.
    pub tls: bool,
    /// When it arrived.
    pub at: Instant,
    /// The protocol: `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
    /// The host asked for: the Host header, or HTTP/2's `:authority`.
    pub host: String,
}

impl Seen {
    /// The value of a header, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Something the server waits for before it answers.
type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the handler answers.
pub struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    wait: Option<Wait>,
}

impl Reply {
    /// A reply with this status and no body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            wait: None,
        }
    }

    /// 200 with a plain-text body.
    pub fn text(body: &str) -> Reply {
        Reply::status(200)
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.as_bytes())
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("location", location)
    }

    /// Adds a header.
    pub fn header(self, name: &str, value: &str) -> Reply {
        self.header_bytes(name, value.as_bytes())
    }

    /// Adds a header whose value is raw bytes (which need not be ASCII).
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Reply {
        self.headers.push((name.to_string(), value.to_vec()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: &[u8]) -> Reply {
        self.body = body.to_vec();
        self
    }

    /// Answers only after `delay`.
    pub fn after(self, delay: Duration) -> Reply {
        self.when(tokio::time::sleep(delay))
    }

    /// Answers only once `ready` is done (the server gives up waiting after
    /// [`CONNECTION_LIFETIME`]).
    pub fn when(mut self, ready: impl Future<Output = ()> + Send + 'static) -> Reply {
        self.wait = Some(Box::pin(ready));
        self
    }
}

/// Waits until `done` holds, checking every 10 ms, for at most 15 s; says
/// whether it came true, so a handler can tell the test it gave up.
pub async fn until(done: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > Duration::from_secs(15) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A running server and what it has seen.
pub struct TestServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
}

impl TestServer {
    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `https://127.0.0.1:PORT{path}`, for a server started with [`http_and_https`].
    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen lock").clone()
    }

    /// The requests so far whose target starts with `prefix`.
    pub fn seen_at(&self, prefix: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|seen| seen.target.starts_with(prefix))
            .collect()
    }
}

/// A plain HTTP/1.1 server whose every request goes to `handler`.
pub fn http(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> TestServer {
    start(Arc::new(handler), None)
}

/// The certificate an HTTPS test server presents.
#[derive(Debug, Clone, Copy)]
pub enum Cert {
    /// Self-signed, for 127.0.0.1 and localhost (tests/support/test-cert.pem).
    SelfSigned,
    /// Signed by the test CA (tests/support/pki/ca-cert.pem), for 127.0.0.1,
    /// localhost and test.gather.example.
    Valid,
    /// Signed by the test CA, for other.example and www.other.example only.
    WrongName,
    /// Signed by the test CA, for 127.0.0.1; expired on 2020-02-01.
    Expired,
}

/// HTTP/1.1 and HTTPS (with `cert`) on the same port.
pub fn http_and_https(
    cert: Cert,
    handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let (cert, key) = cert.pem();
    start(Arc::new(handler), Some(acceptor(cert, key, None)))
}

/// HTTP/1.1 and HTTPS on the same port, with a certificate and key given as PEM;
/// with `client_ca`, a TLS client must present a certificate that CA signed.
pub fn http_and_https_with(
    cert: &[u8],
    key: &[u8],
    client_ca: Option<&[u8]>,
    handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> TestServer {
    start(Arc::new(handler), Some(acceptor(cert, key, client_ca)))
}

/// The test CA's client certificate and key files, for `--cert` and `--key`.
pub fn test_client_cert() -> (String, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pki/");
    (
        format!("{dir}client-cert.pem"),
        format!("{dir}client-key.pem"),
    )
}

/// The test CA's certificate, as PEM.
pub const TEST_CA_PEM: &[u8] = include_bytes!("pki/ca-cert.pem");

/// The test CA's certificate file, for `--cacert`.
pub fn test_ca() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pki/ca-cert.pem").to_string()
}

/// A server that hands each raw connection to `handler`, for answers no HTTP
/// library would give.
pub fn raw<F, Fut>(handler: F) -> TestServer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    spawn_listener(move |stream, _seen| {
        let handler = Arc::clone(&handler);
        async move { handler(stream).await }
    })
}

/// A server that makes each connection TLS (with `cert`) and hands it to
/// `handler`, for an https forward proxy.
pub fn raw_tls<F, Fut>(cert: Cert, handler: F) -> TestServer
where
    F: Fn(tokio_rustls::server::TlsStream<TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    let (cert, key) = cert.pem();
    let acceptor = acceptor(cert, key, None);
    spawn_listener(move |stream, _seen| {
        let handler = Arc::clone(&handler);
        let acceptor = acceptor.clone();
        async move {
            if let Ok(tls) = acceptor.accept(stream).await {
                handler(tls).await;
            }
        }
    })
}

/// No connection is served longer than this, so a server never holds a test up.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

fn start(handler: Handler, tls: Option<tokio_rustls::TlsAcceptor>) -> TestServer {
    spawn_listener(move |stream, seen| {
        let handler = Arc::clone(&handler);
        let tls = tls.clone();
        async move {
            let acceptor = match tls {
                Some(acceptor) if starts_with_tls(&stream).await => acceptor,
                _ => {
                    serve(hyper_util::rt::TokioIo::new(stream), handler, seen, false).await;
                    return;
                }
            };
            {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                serve(hyper_util::rt::TokioIo::new(tls), handler, seen, true).await;
            }
        }
    })
}

fn spawn_listener<F, Fut>(on_connection: F) -> TestServer
where
    F: Fn(TcpStream, Arc<Mutex<Vec<Seen>>>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread_seen = Arc::clone(&seen);
    let accepted = Arc::clone(&connections);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("test server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            ready_tx
                .send(listener.local_addr().expect("local addr"))
                .expect("report address");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                let serving = on_connection(stream, Arc::clone(&thread_seen));
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(CONNECTION_LIFETIME, serving).await;
                });
            }
        });
    });
    let addr = ready_rx.recv().expect("test server started");
    TestServer {
        addr,
        seen,
        connections,
    }
}

async fn starts_with_tls(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    // 0x16 opens a TLS handshake record; no HTTP request starts with it.
    matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16)
}

impl Cert {
    /// The certificate and key, as PEM.
    pub fn pem(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Cert::SelfSigned => (
                include_bytes!("test-cert.pem"),
                include_bytes!("test-key.pem"),
            ),
            Cert::Valid => (
                include_bytes!("pki/localhost-cert.pem"),
                include_bytes!("pki/localhost-key.pem"),
            ),
            Cert::WrongName => (
                include_bytes!("pki/wrongname-cert.pem"),
                include_bytes!("pki/wrongname-key.pem"),
            ),
            Cert::Expired => (
                include_bytes!("pki/expired-cert.pem"),
                include_bytes!("pki/expired-key.pem"),
            ),
        }
    }
}

fn acceptor(cert: &[u8], key: &[u8], client_ca: Option<&[u8]>) -> tokio_rustls::TlsAcceptor {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let cert = CertificateDer::from_pem_slice(cert).expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(key).expect("test key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(ca).expect("client CA"))
                .expect("client CA added");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(vec![cert], key)
        .expect("TLS server config");
    // HTTP/2 where the client offers it, except behind a client-certificate check:
    // over HTTP/2 a refused client reads as a connection error whose cause h2
    // keeps only as text, and the tests want the typed TLS failure.
    config.alpn_protocols = if client_ca.is_some() {
        vec![b"http/1.1".to_vec()]
    } else {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    };
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn serve<I>(io: I, handler: Handler, seen: Arc<Mutex<Vec<Seen>>>, tls: bool)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
        let arrived = Seen {
            target: request
                .uri()
                .path_and_query()
                .map_or("/".to_string(), ToString::to_string),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_string(), value)
                })
                .collect(),
            tls,
            at: Instant::now(),
            version: format!("{:?}", request.version()),
            host: request
                .uri()
                .authority()
                .map(ToString::to_string)
                .or_else(|| {
                    let host = request.headers().get(hyper::header::HOST)?;
                    Some(String::from_utf8_lossy(host.as_bytes()).into_owned())
                })
                .unwrap_or_default(),
        };
        seen.lock().expect("seen lock").push(arrived.clone());
        let mut reply = handler(&arrived);
        let wait = reply.wait.take();
        let mut response = hyper::Response::new(Full::new(Bytes::from(reply.body)));
        *response.status_mut() = hyper::StatusCode::from_u16(reply.status).expect("a valid status");
        for (name, value) in reply.headers {
            response.headers_mut().append(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                hyper::header::HeaderValue::from_bytes(&value).expect("header value"),
            );
        }
        async move {
            if let Some(wait) = wait {
                wait.await;
            }
            Ok::<_, Infallible>(response)
        }
    });
    // HTTP/1.1, or HTTP/2 where the client chose it (by ALPN, over TLS).
    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}
