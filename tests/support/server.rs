//! One in-process HTTP/1.1 server on 127.0.0.1:0 that serves every test's routes,
//! well-behaved and hostile. It is written on raw TCP so it can also misbehave in
//! ways no HTTP library would let it (resets, short bodies, non-HTTP replies).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout, Instant};

/// No connection is kept longer than this, so the server never holds a test up.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
/// How long `/gate` waits for its tail before giving up and saying so.
const GATE_WAIT: Duration = Duration::from_secs(15);

/// The running server and what it has seen.
pub struct Server {
    addr: SocketAddr,
    tls_addr: SocketAddr,
    log: Log,
}

/// Every event, with when it happened.
type Log = Arc<Mutex<Vec<(std::time::Instant, String)>>>;

fn note(log: &Log, event: String) {
    log.lock()
        .expect("log lock")
        .push((std::time::Instant::now(), event));
}

/// The one server of this test binary, started on first use.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> Server {
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread_log = Arc::clone(&log);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let tls_listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let addrs = (
                listener.local_addr().expect("local addr"),
                tls_listener.local_addr().expect("local addr"),
            );
            ready_tx.send(addrs).expect("report address");
            tokio::spawn(serve_tls(tls_listener, Arc::clone(&thread_log)));
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let log = Arc::clone(&thread_log);
                tokio::spawn(async move {
                    let _ = timeout(CONNECTION_LIFETIME, serve_connection(stream, log)).await;
                });
            }
        });
    });
    let (addr, tls_addr) = ready_rx.recv().expect("test server started");
    Server {
        addr,
        tls_addr,
        log,
    }
}

/// HTTPS with the self-signed certificate in tests/support: every request gets
/// "secure page", over HTTP/2 when the client offers it (ALPN) and HTTP/1.1
/// otherwise. Only a client that skips certificate checks gets that far.
async fn serve_tls(listener: TcpListener, log: Log) {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let cert =
        CertificateDer::from_pem_slice(include_bytes!("test-cert.pem")).expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("test-key.pem")).expect("test key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("TLS server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let Ok(Ok(tls)) = timeout(CONNECTION_LIFETIME, acceptor.accept(stream)).await else {
                return;
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            let _ = timeout(CONNECTION_LIFETIME, async {
                if h2 {
                    serve_h2(tls, log).await;
                } else {
                    serve_tls_h1(tls).await;
                }
            })
            .await;
        });
    }
}

const SECURE_PAGE: &str = "secure page\n";

async fn serve_tls_h1(mut tls: tokio_rustls::server::TlsStream<TcpStream>) {
    let mut request = vec![0u8; 4096];
    let _ = tls.read(&mut request).await;
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{SECURE_PAGE}",
        SECURE_PAGE.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.shutdown().await;
}

async fn serve_h2(tls: tokio_rustls::server::TlsStream<TcpStream>, log: Log) {
    use http_body_util::Full;
    let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
        note(&log, format!("h2 {}", request.uri().path()));
        async {
            let page = Full::new(bytes::Bytes::from_static(SECURE_PAGE.as_bytes()));
            Ok::<_, std::convert::Infallible>(hyper::Response::new(page))
        }
    });
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
        .await;
}

impl Server {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `https://127.0.0.1:PORT` + `path`, served with a self-signed certificate.
    pub fn tls_url(&self, path: &str) -> String {
        format!("https://{}{}", self.tls_addr, path)
    }

    /// When each event containing `needle` happened, in order.
    pub fn times(&self, needle: &str) -> Vec<std::time::Instant> {
        let log = self.log.lock().expect("log lock");
        log.iter()
            .filter(|(_, line)| line.contains(needle))
            .map(|(at, _)| *at)
            .collect()
    }

    /// The `host:port` the server listens on.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// Log lines containing `needle`: `hit PATH` per request, `closed PATH` when a
    /// client hangs up on a route that was holding its connection open.
    pub fn events(&self, needle: &str) -> Vec<String> {
        let log = self.log.lock().expect("log lock");
        log.iter()
            .filter(|(_, line)| line.contains(needle))
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// The most requests of `key` that were inside a `/conc/KEY/..` route at once.
    pub fn peak_concurrency(&self, key: &str) -> usize {
        let (enter, leave) = (format!("enter {key}"), format!("leave {key}"));
        let log = self.log.lock().expect("log lock");
        let (mut now, mut peak) = (0usize, 0usize);
        for (_, line) in log.iter() {
            if *line == enter {
                now += 1;
                peak = peak.max(now);
            } else if *line == leave {
                now = now.saturating_sub(1);
            }
        }
        peak
    }

    /// Polls until an event containing `needle` is logged or `within` passes.
    pub fn wait_for(&self, needle: &str, within: Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if !self.events(needle).is_empty() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

async fn serve_connection(mut stream: TcpStream, log: Log) {
    let mut buffered = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffered).await else {
            return;
        };
        note(&log, format!("hit {}", request.path));
        let keep_alive = route(&mut stream, &request, &log).await;
        if !keep_alive {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> Option<Request> {
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffered.len() > 64 * 1024 {
            return None;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffered.extend_from_slice(&chunk[..read]);
        if buffered.first() == Some(&0x16) {
            // A TLS ClientHello on this plain-HTTP port: answer as plain servers do.
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffered[..end]).into_owned();
    buffered.drain(..end + 4);
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path,
        headers,
    })
}

/// Serves one request; returns whether the connection may be reused.
async fn route(stream: &mut TcpStream, request: &Request, log: &Log) -> bool {
    let proxy_auth = request.headers.get("proxy-authorization");
    let credentials = proxy_auth.map_or(String::new(), |auth| format!(" with {auth}"));
    if request.path.starts_with("http://") {
        // Absolute form: the client is using this server as its HTTP proxy.
        note(log, format!("proxied {}{credentials}", request.path));
        return respond(stream, 200, "text/plain", b"via proxy\n").await;
    }
    if request.method == "CONNECT" {
        // A tunnel for https through this server as a proxy. Every name leads to
        // 127.0.0.1, so the client need not (and cannot) resolve it itself.
        note(log, format!("tunnel {}{credentials}", request.path));
        let port = request.path.rsplit(':').next().unwrap_or("443");
        let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")).await else {
            return respond(stream, 502, "text/plain", b"no upstream\n").await;
        };
        if stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_ok()
        {
            let _ = tokio::io::copy_bidirectional(stream, &mut upstream).await;
        }
        return false;
    }
    let path = request.path.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["ok", id] => respond(stream, 200, "text/plain", format!("page {id}\n").as_bytes()).await,
        ["delay", ms, id] => {
            sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
            respond(stream, 200, "text/plain", format!("page {id}\n").as_bytes()).await
        }
        ["after", ms, code, id] => {
            sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
            let code = code.parse().unwrap_or(500);
            respond(
                stream,
                code,
                "text/plain",
                format!("page {id}\n").as_bytes(),
            )
            .await
        }
        ["status", code, ..] => {
            let code = code.parse().unwrap_or(500);
            respond(
                stream,
                code,
                "text/plain",
                format!("status {code}\n").as_bytes(),
            )
            .await
        }
        ["utf8"] => {
            let body = "héllo wörld ✓ 日本語 🎉 and more text after it\n";
            respond(stream, 200, "text/plain; charset=utf-8", body.as_bytes()).await
        }
        ["latin1"] => {
            let body = b"caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu\n";
            respond(stream, 200, "text/html; charset=ISO-8859-1", body).await
        }
        ["utf16bom"] => {
            let mut body = vec![0xFF, 0xFE];
            for unit in "ünïcödé via BOM".encode_utf16() {
                body.extend_from_slice(&unit.to_le_bytes());
            }
            respond(stream, 200, "text/plain", &body).await
        }
        ["escape"] => {
            let body = "title\x1b]0;pwned\x07 clear\x1b[2J bell\x07 tab\tend\n";
            respond(stream, 200, "text/plain", body.as_bytes()).await
        }
        ["big", size] => big(stream, size.parse().unwrap_or(0)).await,
        ["endless"] => endless(stream).await,
        ["redirect", n] => match n.parse::<u32>().unwrap_or(0) {
            0 => respond(stream, 200, "text/plain", b"landed\n").await,
            n => redirect(stream, &format!("/redirect/{}", n - 1)).await,
        },
        ["loop"] => redirect(stream, "/loop").await,
        ["to-file"] => redirect(stream, "file:///etc/passwd").await,
        ["to-ftp"] => redirect(stream, "ftp://127.0.0.1/x").await,
        ["to-data"] => redirect(stream, "data:text/plain,hello").await,
        ["hang", ..] => hang(stream, &request.path, log).await,
        ["drip"] => drip(stream).await,
        ["gzip", "whole"] => respond_encoded(stream, "gzip", &gzip_page()).await,
        ["gzip", "cut"] => {
            // Half the stream, then the end of a body with no declared length.
            let page = gzip_page();
            let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&page[..page.len() / 2]).await;
            false
        }
        ["short"] => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
                .await;
            false
        }
        ["reset"] => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome bytes")
                .await;
            let _ = stream.flush().await;
            sleep(Duration::from_millis(50)).await;
            // Linger 0 makes close send RST instead of FIN: a reset mid-body. The
            // deprecation warns that linger blocks on drop; with 0 it never does.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            false
        }
        ["garbage"] => {
            let _ = stream.write_all(b"this is not HTTP at all\r\n\r\n").await;
            false
        }
        ["bomb", "gzip"] => {
            let body = gzip_bomb();
            respond_encoded(stream, "gzip", body).await
        }
        ["bomb", "zstd"] => respond_encoded(stream, "zstd", &zstd_bomb(ZSTD_BOMB_BYTES)).await,
        ["binary"] => {
            let body: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
            respond(stream, 200, "application/octet-stream", &body).await
        }
        ["redirect-same"] => redirect(stream, "/headers").await,
        ["redirect-cross"] => {
            // Another host for the same server: "localhost" resolves from /etc/hosts.
            let port = stream.local_addr().map(|a| a.port()).unwrap_or(0);
            redirect(stream, &format!("http://localhost:{port}/headers")).await
        }
        ["fail-when", key, count] => {
            // Answers 500 only once `count` requests to /hang/KEY… have arrived, so a
            // test of cancellation knows they are really in flight.
            let needle = format!("hit /hang/{key}");
            let started = Instant::now();
            while count_events(log, &needle) < count.parse().unwrap_or(0)
                && started.elapsed() < GATE_WAIT
            {
                sleep(Duration::from_millis(10)).await;
            }
            respond(stream, 500, "text/plain", b"failing on cue\n").await
        }
        ["flaky", key, failures] => {
            // Fails with 503 for the first `failures` requests of this key, then answers.
            let seen = requests_so_far(log, &request.path);
            if seen <= failures.parse().unwrap_or(0) {
                respond(
                    stream,
                    503,
                    "text/plain",
                    format!("busy {key}\n").as_bytes(),
                )
                .await
            } else {
                respond(
                    stream,
                    200,
                    "text/plain",
                    format!("recovered {key}\n").as_bytes(),
                )
                .await
            }
        }
        ["retry-after", key, secs] => {
            let seen = requests_so_far(log, &request.path);
            if seen == 1 {
                let head = format!(
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {secs}\r\nContent-Length: 0\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await.is_ok()
            } else {
                respond(
                    stream,
                    200,
                    "text/plain",
                    format!("welcome back {key}\n").as_bytes(),
                )
                .await
            }
        }
        ["conc", key, ms] => {
            // Marks entry and exit, so Server::peak_concurrency can count requests in flight.
            note(log, format!("enter {key}"));
            sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
            note(log, format!("leave {key}"));
            respond(stream, 200, "text/plain", b"counted\n").await
        }
        ["gate", key, count] => gate(stream, key, count.parse().unwrap_or(0), log).await,
        ["tail", key, id] => {
            let ok = respond(stream, 200, "text/plain", format!("tail {id}\n").as_bytes()).await;
            note(log, format!("served /tail/{key}/{id}"));
            ok
        }
        ["headers"] => {
            let mut names: Vec<String> = request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            names.sort();
            respond(stream, 200, "text/plain", names.join("\n").as_bytes()).await
        }
        _ => respond(stream, 404, "text/plain", b"no such route\n").await,
    }
}

/// How many requests for exactly `path` have arrived, this one included.
fn requests_so_far(log: &Log, path: &str) -> usize {
    let hit = format!("hit {path}");
    log.lock()
        .expect("log lock")
        .iter()
        .filter(|(_, line)| *line == hit)
        .count()
}

/// How many log lines contain `needle`.
fn count_events(log: &Log, needle: &str) -> usize {
    log.lock()
        .expect("log lock")
        .iter()
        .filter(|(_, line)| line.contains(needle))
        .count()
}

async fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> bool {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body).await.is_ok()
}

/// How much the zstd bomb inflates to: 4 GiB, from 128 KiB on the wire.
const ZSTD_BOMB_BYTES: u64 = 4 << 30;
/// The gzip bomb is a deflated run of this many 'A's…
const GZIP_RUN_BYTES: usize = 1 << 20;
/// …repeated this often: 1 GiB inflated from about 1 MiB.
const GZIP_RUNS: usize = 1024;

async fn respond_encoded(stream: &mut TcpStream, encoding: &str, body: &[u8]) -> bool {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: {encoding}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body).await.is_ok()
}

/// One gzip member inflating to 1 GiB of 'A'. Deflate tops out near 1000:1, so the
/// body is about 1 MiB: a 1 MiB run of 'A' deflated once with a sync flush (which
/// ends byte-aligned), repeated, then a final empty block. Every back-reference
/// lands on an 'A' whatever precedes it, so the repeats are a valid stream.
/// A page of numbered lines, gzipped: it does not compress to nothing, so half of
/// it stops mid-stream.
fn gzip_page() -> Vec<u8> {
    use std::io::Write;
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(text.as_bytes()).expect("gzip");
    gzip.finish().expect("gzip")
}

fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        deflate
            .write_all(&vec![b'A'; GZIP_RUN_BYTES])
            .expect("deflate");
        deflate.flush().expect("sync flush");
        let run = deflate.get_ref().clone();
        // gzip header: magic, deflate, no flags, no mtime, no extra flags, unknown OS.
        let mut body = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        body.extend(run.repeat(GZIP_RUNS));
        // A final fixed-Huffman block holding only end-of-block.
        body.extend_from_slice(&[0x03, 0x00]);
        // CRC-32 and size trailer. The CRC is not computed (a gigabyte of work) and
        // left wrong: a client reading only the prefix must never get this far.
        body.extend_from_slice(&[0, 0, 0, 0]);
        let size = (GZIP_RUN_BYTES * GZIP_RUNS) as u32;
        body.extend_from_slice(&size.to_le_bytes());
        body
    })
}

/// A zstd frame of RLE blocks: each 4-byte block stands for 128 KiB of 'A', so a
/// few KB of body inflate to gigabytes.
fn zstd_bomb(inflated: u64) -> Vec<u8> {
    const BLOCK: u64 = 128 * 1024;
    // Magic number, then a frame header: no content size, window 128 KiB (2^(10+7)).
    let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3];
    let blocks = inflated / BLOCK;
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        // Block header: bit 0 last block, bits 1-2 type (1 = RLE), bits 3.. size.
        let header = last | (1 << 1) | ((BLOCK as u32) << 3);
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(b'A');
    }
    frame
}

async fn redirect(stream: &mut TcpStream, location: &str) -> bool {
    let head = format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).await.is_ok()
}

async fn big(stream: &mut TcpStream, size: u64) -> bool {
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let block = vec![b'x'; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        if stream.write_all(&block[..n]).await.is_err() {
            return false;
        }
        left -= n as u64;
    }
    true
}

async fn endless(stream: &mut TcpStream) -> bool {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let chunk = format!("{:x}\r\n{}\r\n", 8 * 1024, "endless ".repeat(1024));
    while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    false
}

/// Holds the connection open, never answering, and logs when the client hangs up.
async fn hang(stream: &mut TcpStream, path: &str, log: &Log) -> bool {
    let mut byte = [0u8; 1];
    if let Ok(Ok(0) | Err(_)) = timeout(CONNECTION_LIFETIME, stream.read(&mut byte)).await {
        note(log, format!("closed {path}"));
    }
    false
}

async fn drip(stream: &mut TcpStream) -> bool {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    for _ in 0..1000 {
        if stream.write_all(b"d").await.is_err() {
            return false;
        }
        sleep(Duration::from_secs(1)).await;
    }
    false
}

/// Answers only once `count` tail requests of `key` have been served, so a client
/// that stalls on a slow head (never fetching the tail) gets "gave up" instead.
async fn gate(stream: &mut TcpStream, key: &str, count: usize, log: &Log) -> bool {
    let needle = format!("served /tail/{key}/");
    let started = Instant::now();
    let released = loop {
        let served = log
            .lock()
            .expect("log lock")
            .iter()
            .filter(|(_, line)| line.starts_with(&needle))
            .count();
        if served >= count {
            break true;
        }
        if started.elapsed() > GATE_WAIT {
            break false;
        }
        sleep(Duration::from_millis(10)).await;
    };
    let body: &[u8] = if released {
        b"released\n"
    } else {
        b"gave up waiting for the tail\n"
    };
    respond(stream, 200, "text/plain", body).await
}
