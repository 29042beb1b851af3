//! Servers on raw TCP, for answers no HTTP library would give (resets, short
//! bodies, drips, bombs, replies that are not HTTP) and for a forward proxy.
//! Each call starts a server of the test's own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;

use super::routes::{raw, raw_tls, Cert, TestServer};

/// Reads a request head (up to the blank line); `None` if the client went away.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// A server that answers every request with the same raw `bytes`, then closes.
pub fn answer(bytes: &'static [u8]) -> TestServer {
    raw(move |mut stream| async move {
        if read_head(&mut stream).await.is_some() {
            let _ = stream.write_all(bytes).await;
        }
    })
}

/// Sends the head, one byte a second of a 1,000-byte body.
pub fn drip() -> TestServer {
    raw(|mut stream| async move {
        read_head(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..1000 {
            if stream.write_all(b"d").await.is_err() {
                return;
            }
            sleep(Duration::from_secs(1)).await;
        }
    })
}

/// Never answers; counts requests that arrived and connections the client closed.
pub fn hang() -> (TestServer, Arc<Hangs>) {
    let hangs = Arc::new(Hangs::default());
    let counts = Arc::clone(&hangs);
    let server = raw(move |mut stream| {
        let counts = Arc::clone(&counts);
        async move {
            if read_head(&mut stream).await.is_none() {
                return;
            }
            counts.arrived.fetch_add(1, Ordering::SeqCst);
            let mut byte = [0u8; 1];
            if let Ok(0) | Err(_) = stream.read(&mut byte).await {
                counts.closed.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (server, hangs)
}

/// What a [`hang`] server has seen.
#[derive(Debug, Default)]
pub struct Hangs {
    /// Requests that arrived.
    pub arrived: AtomicUsize,
    /// Connections the client closed while waiting.
    pub closed: AtomicUsize,
}

impl Hangs {
    /// Requests that arrived so far.
    pub fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }

    /// Connections the client has closed so far.
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }
}

/// A head promising 100,000 bytes, a few of them, then a reset (RST, not FIN).
pub fn reset() -> TestServer {
    raw(|mut stream| async move {
        read_head(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome bytes")
            .await;
        let _ = stream.flush().await;
        sleep(Duration::from_millis(50)).await;
        // Linger 0 makes close send RST instead of FIN. The deprecation warns that
        // linger blocks on drop; with 0 it never does.
        #[allow(deprecated)]
        let _ = stream.set_linger(Some(Duration::ZERO));
    })
}

/// Half of a gzip body with no declared length, then the end of the connection.
pub fn gzip_cut() -> TestServer {
    raw(|mut stream| async move {
        read_head(&mut stream).await;
        let page = gzip_page();
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&page[..page.len() / 2]).await;
    })
}

/// Answers every request on a connection with `body` in the given content
/// coding, its second half `pause` after the first.
pub fn in_two_parts(body: Vec<u8>, coding: &'static str, pause: Duration) -> TestServer {
    let body = Arc::new(body);
    raw(move |mut stream| {
        let body = Arc::clone(&body);
        async move {
            while read_head(&mut stream).await.is_some() {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
                     Content-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let (first, second) = body.split_at(body.len() / 2);
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(first).await.is_err()
                {
                    return;
                }
                sleep(pause).await;
                if stream.write_all(second).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// A chunked body that never ends.
pub fn endless() -> TestServer {
    raw(|mut stream| async move {
        read_head(&mut stream).await;
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 8 * 1024, "endless ".repeat(1024));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
}

/// A page of `size` bytes of 'x', written as long as the client reads.
pub fn big(size: u64) -> TestServer {
    raw(move |mut stream| async move {
        read_head(&mut stream).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n"
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let block = vec![b'x'; 64 * 1024];
        let mut left = size;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            if stream.write_all(&block[..n]).await.is_err() {
                return;
            }
            left -= n as u64;
        }
    })
}

/// A body in `encoding` (gzip or zstd) that inflates to gigabytes of 'A'.
pub fn bomb(encoding: &'static str) -> TestServer {
    raw(move |mut stream| async move {
        read_head(&mut stream).await;
        let body: &[u8] = match encoding {
            "gzip" => gzip_bomb(),
            _ => zstd_bomb(),
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: {encoding}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(head.as_bytes()).await.is_ok() {
            let _ = stream.write_all(body).await;
        }
    })
}

/// 2,000 numbered lines, "line 0" to "line 1999".
pub fn lines_page() -> Vec<u8> {
    (0..2000)
        .map(|i| format!("line {i}\n"))
        .collect::<String>()
        .into_bytes()
}

/// [`lines_page`], gzipped: it does not compress to nothing, so half of it stops
/// mid-stream.
pub fn gzip_page() -> Vec<u8> {
    use std::io::Write;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&lines_page()).expect("gzip");
    gzip.finish().expect("gzip")
}

/// The gzip bomb is a deflated run of this many 'A's…
const GZIP_RUN_BYTES: usize = 1 << 20;
/// …repeated this often: 1 GiB inflated from about 1 MiB.
const GZIP_RUNS: usize = 1024;
/// How much the zstd bomb inflates to: 4 GiB, from 128 KiB on the wire.
const ZSTD_BOMB_BYTES: u64 = 4 << 30;

/// One gzip member inflating to 1 GiB of 'A'. Deflate tops out near 1000:1, so the
/// body is about 1 MiB: a 1 MiB run of 'A' deflated once with a sync flush (which
/// ends byte-aligned), repeated, then a final empty block. Every back-reference
/// lands on an 'A' whatever precedes it, so the repeats are a valid stream.
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
fn zstd_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        const BLOCK: u64 = 128 * 1024;
        // Magic number, then a frame header: no content size, window 128 KiB (2^(10+7)).
        let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3];
        let blocks = ZSTD_BOMB_BYTES / BLOCK;
        for i in 0..blocks {
            let last = u32::from(i + 1 == blocks);
            // Block header: bit 0 last block, bits 1-2 type (1 = RLE), bits 3.. size.
            let header = last | (1 << 1) | ((BLOCK as u32) << 3);
            frame.extend_from_slice(&header.to_le_bytes()[..3]);
            frame.push(b'A');
        }
        frame
    })
}

/// A forward proxy: a request in absolute form is answered "via proxy", and a
/// CONNECT is tunnelled to that port on 127.0.0.1 (every name leads there).
/// Each request is noted as `proxied URL` or `tunnel HOST:PORT`, with ` with
/// CREDENTIALS` when it carried Proxy-Authorization.
pub fn proxy() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&notes);
    let server = raw(move |stream| proxy_connection(stream, Arc::clone(&log)));
    (server, notes)
}

/// The same proxy spoken to over TLS, with the test CA's certificate for
/// 127.0.0.1 (an `https://` proxy).
pub fn https_proxy() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&notes);
    let server = raw_tls(Cert::Valid, move |stream| {
        proxy_connection(stream, Arc::clone(&log))
    });
    (server, notes)
}

async fn proxy_connection<S>(mut stream: S, log: Arc<Mutex<Vec<String>>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let credentials = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("proxy-authorization"))
        .map_or(String::new(), |(_, value)| {
            format!(" with {}", value.trim())
        });
    if method == "CONNECT" {
        log.lock()
            .unwrap()
            .push(format!("tunnel {target}{credentials}"));
        let port = target.rsplit(':').next().unwrap_or("443");
        let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")).await else {
            return;
        };
        if stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_ok()
        {
            let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
        }
        return;
    }
    log.lock()
        .unwrap()
        .push(format!("proxied {target}{credentials}"));
    let body = "via proxy\n";
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
}
