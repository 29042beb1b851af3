//! A server that looks like the internet from loopback, for bench/compare.sh's
//! network workloads: TLS from a test CA it makes at start, HTTP/2 or HTTP/1.1 by
//! ALPN, many hosts (one port each), a simulated round-trip time, slow responses
//! and gzip'd 30 KB article pages.
//!
//! Usage: `net_server CA_FILE [HOSTS] [RTT_MS] [THREADS]` (defaults 50 hosts,
//! 40 ms, 1 thread). It writes the CA certificate to CA_FILE, prints one line of
//! JSON naming its base URLs, and serves until killed:
//!
//! - `tls`: HOSTS https origins (127.0.0.1, one port each) behind the RTT;
//! - `direct`: one https origin without it; `plain`: one http origin without it;
//! - `control`: `GET /stats?window_ms=MS` (JSON counters since the last
//!   `GET /reset`); its own connections are not counted.
//!
//! Routes on the others: `/page/ANY` (the article; gzip'd when the client offers
//! gzip) and `/slow/MS` (`slept MS ms`, after MS milliseconds).
//!
//! The RTT is added by a relay in front of each delayed host (relay.rs), the way a
//! path would: a new https connection gets its first response after 3 RTTs (TCP,
//! TLS 1.3, the request) and each later one after 1.

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

mod relay;

const ARTICLE_PARAGRAPHS: usize = 52;
/// Words for the article, drawn at random.
const WORDS: &str = "the of and a to in is was that for on with as by at from page server request \
    connection handshake latency river morning café naïve Grüße Zoë 東京 déjà vu window \
    prefix character stream certificate round trip slow fast gzip header archive notes \
    winter summer garden harbour lantern market bridge quietly suddenly carefully \
    measured counted opened closed waited seventeen forty hundred thousand north south \
    east west blue green amber silver copper paper letter station platform signal engine \
    island mountain valley forest meadow orchard kitchen library museum theatre concert \
    festival journey voyage compass anchor sail tide harvest frost thunder whisper echo \
    shadow";

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    tls_handshakes: AtomicU64,
    connections_used: AtomicU64,
    h2_requests: AtomicU64,
    http1_requests: AtomicU64,
    arrivals: Mutex<Vec<Instant>>,
}

static COUNTERS: OnceLock<Counters> = OnceLock::new();

fn counters() -> &'static Counters {
    COUNTERS.get_or_init(Counters::default)
}

/// What a listener serves: the pages, counted, or the counters themselves.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pages,
    Control,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ca_file = args
        .first()
        .ok_or("usage: net_server CA_FILE [HOSTS] [RTT_MS] [THREADS]")?;
    let number = |at: usize, default: u64| args.get(at).map_or(Ok(default), |a| a.parse());
    let hosts = number(1, 50)?;
    let rtt = Duration::from_millis(number(2, 40)?);
    let threads = number(3, 1)? as usize;

    let (ca_pem, acceptor) = make_tls()?;
    std::fs::write(ca_file, ca_pem)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut tls = Vec::new();
        for _ in 0..hosts {
            let host = listen(Kind::Pages, Some(acceptor.clone())).await?;
            tls.push(relay::start(host, rtt)?);
        }
        let direct = listen(Kind::Pages, Some(acceptor.clone())).await?;
        let plain = listen(Kind::Pages, None).await?;
        let control = listen(Kind::Control, None).await?;
        let quoted: Vec<String> = tls.iter().map(|a| format!("\"https://{a}\"")).collect();
        println!(
            "{{\"tls\": [{}], \"direct\": \"https://{direct}\", \"plain\": \"http://{plain}\", \"control\": \"http://{control}\", \"rtt_ms\": {}}}",
            quoted.join(", "),
            rtt.as_millis()
        );
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

async fn listen(kind: Kind, tls: Option<tokio_rustls::TlsAcceptor>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            if kind == Kind::Pages {
                counters().connections.fetch_add(1, Ordering::Relaxed);
            }
            let tls = tls.clone();
            tokio::spawn(accept(stream, tls, kind));
        }
    });
    Ok(addr)
}

async fn accept(stream: TcpStream, tls: Option<tokio_rustls::TlsAcceptor>, kind: Kind) {
    let used = Arc::new(std::sync::atomic::AtomicBool::new(false));
    match tls {
        Some(acceptor) => {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            counters().tls_handshakes.fetch_add(1, Ordering::Relaxed);
            serve(hyper_util::rt::TokioIo::new(stream), kind, used).await;
        }
        None => serve(hyper_util::rt::TokioIo::new(stream), kind, used).await,
    }
}

async fn serve<I>(io: I, kind: Kind, used: Arc<std::sync::atomic::AtomicBool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
        let used = Arc::clone(&used);
        async move { Ok::<_, Infallible>(respond(&request, kind, &used).await) }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

async fn respond<B>(
    request: &hyper::Request<B>,
    kind: Kind,
    used: &std::sync::atomic::AtomicBool,
) -> hyper::Response<Full<Bytes>> {
    let path = request.uri().path();
    if kind == Kind::Control {
        return hyper::Response::new(Full::new(Bytes::from(match path {
            "/reset" => {
                reset();
                "{}".to_string()
            }
            _ => stats(
                request
                    .uri()
                    .query()
                    .and_then(|q| q.strip_prefix("window_ms="))
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(36),
            ),
        })));
    }
    let counters = counters();
    counters
        .arrivals
        .lock()
        .expect("arrivals")
        .push(Instant::now());
    if !used.swap(true, Ordering::Relaxed) {
        counters.connections_used.fetch_add(1, Ordering::Relaxed);
    }
    let by_version = if request.version() == hyper::Version::HTTP_2 {
        &counters.h2_requests
    } else {
        &counters.http1_requests
    };
    by_version.fetch_add(1, Ordering::Relaxed);

    let mut response = route(request).await;
    if request.version() == hyper::Version::HTTP_11 {
        // As nginx does: wget2 closes an HTTP/1.1 connection after each response
        // unless the server says it keeps it.
        response
            .headers_mut()
            .insert("connection", "keep-alive".parse().expect("header"));
    }
    response
}

async fn route<B>(request: &hyper::Request<B>) -> hyper::Response<Full<Bytes>> {
    let parts: Vec<&str> = request
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .collect();
    match parts.as_slice() {
        ["page", _] => {
            let offers_gzip = request
                .headers()
                .get_all(hyper::header::ACCEPT_ENCODING)
                .iter()
                .any(|v| String::from_utf8_lossy(v.as_bytes()).contains("gzip"));
            let (plain, gzipped) = article();
            let body = if offers_gzip { gzipped } else { plain };
            let mut response = hyper::Response::new(Full::new(body.clone()));
            let headers = response.headers_mut();
            headers.insert("content-type", "text/html".parse().expect("header"));
            headers.insert("vary", "Accept-Encoding".parse().expect("header"));
            if offers_gzip {
                headers.insert("content-encoding", "gzip".parse().expect("header"));
            }
            response
        }
        ["slow", ms] => {
            let ms: u64 = ms.parse().unwrap_or(0);
            // Even a zero sleep waits for the timer's next millisecond tick, which
            // would lengthen the round trip bench/network.py measures with /slow/0.
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            hyper::Response::new(Full::new(Bytes::from(format!("slept {ms} ms"))))
        }
        _ => {
            let mut response = hyper::Response::new(Full::new(Bytes::from_static(b"not found")));
            *response.status_mut() = hyper::StatusCode::NOT_FOUND;
            response
        }
    }
}

fn reset() {
    let counters = counters();
    for counter in [
        &counters.connections,
        &counters.tls_handshakes,
        &counters.connections_used,
        &counters.h2_requests,
        &counters.http1_requests,
    ] {
        counter.store(0, Ordering::Relaxed);
    }
    counters.arrivals.lock().expect("arrivals").clear();
}

/// The counters as JSON, with the most requests that arrived within any
/// `window_ms` (a request is in flight about one RTT, so 0.9 RTT counts those in
/// flight together without counting the next round).
fn stats(window_ms: u64) -> String {
    let counters = counters();
    let arrivals = counters.arrivals.lock().expect("arrivals");
    let window = Duration::from_millis(window_ms);
    let mut most_within = 0;
    let mut start = 0;
    for (end, at) in arrivals.iter().enumerate() {
        while *at - arrivals[start] >= window {
            start += 1;
        }
        most_within = most_within.max(end + 1 - start);
    }
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    format!(
        "{{\"connections\": {}, \"tls_handshakes\": {}, \"connections_used\": {}, \"h2_requests\": {}, \"http1_requests\": {}, \"most_within_window\": {most_within}}}",
        load(&counters.connections),
        load(&counters.tls_handshakes),
        load(&counters.connections_used),
        load(&counters.h2_requests),
        load(&counters.http1_requests),
    )
}

/// A ~30 KB article page, and its gzip -9 copy, as a static site would ship it.
fn article() -> (Bytes, Bytes) {
    static PAGES: OnceLock<(Bytes, Bytes)> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            let mut html = String::from(
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
                 <title>Field notes: a week of fetching pages</title>\n",
            );
            for sheet in ["base", "article", "print"] {
                html += &format!("<link rel=\"stylesheet\" href=\"/static/{sheet}.css\">\n");
            }
            for script in ["runtime", "vendor", "app"] {
                html += &format!("<script defer src=\"/static/{script}.js\"></script>\n");
            }
            html += "<style>body{font:16px/1.5 serif;max-width:40em;margin:auto}</style>\n\
                     <script>window.dataLayer=window.dataLayer||[];</script>\n</head><body>\n\
                     <nav><a href=\"/\">Home</a> · <a href=\"/notes\">Notes</a> · \
                     <a href=\"/about\">About</a></nav>\n<article><h1>Field notes</h1>\n";
            // Words drawn at random, so the page compresses about as well as prose
            // does (30 KB to 10 KB), not as well as one sentence repeated.
            let words: Vec<&str> = WORDS.split_whitespace().collect();
            let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut next_word = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                words[(state % words.len() as u64) as usize]
            };
            for i in 0..ARTICLE_PARAGRAPHS {
                html += &format!("<p id=\"p{i}\">");
                for w in 0..70 {
                    if w % 23 == 11 {
                        html += &format!("<a href=\"/notes/{i}-{w}\">{}</a> ", next_word());
                    } else {
                        html += next_word();
                        html.push(' ');
                    }
                }
                html += "</p>\n";
            }
            html += "</article></body></html>\n";
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(html.as_bytes()).expect("gzip in memory");
            let gzipped = encoder.finish().expect("gzip in memory");
            (Bytes::from(html), Bytes::from(gzipped))
        })
        .clone()
}

/// A fresh test CA (written out for the clients) and a server certificate it
/// signed for localhost and 127.0.0.1.
fn make_tls() -> Result<(String, tokio_rustls::TlsAcceptor), Box<dyn std::error::Error>> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gather bench CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate()?;
    let server_params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    let key = rustls_pki_types::PrivateKeyDer::try_from(server_key.serialize_der())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((
        ca_cert.pem(),
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    ))
}
