//! A small, fast HTTP/1.1 server for bench/compare.sh. It prints its base URL on
//! stdout, then serves until killed:
//!
//! - `/small/ID`: 200, a 1 KiB text page;
//! - `/delay/MS/ID`: the same page after MS milliseconds;
//! - `/big/ID`: 200, a 100 MiB body with a Content-Length, sent as fast as it is read.
//!
//! Usage: `cargo run --release --example bench_server [THREADS]` (default 1 thread,
//! leaving the other core of a 2-core machine to the client being measured).

use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SMALL_BYTES: usize = 1024;
const BIG_BYTES: u64 = 100 * 1024 * 1024;

fn main() -> std::io::Result<()> {
    let threads = std::env::args()
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream));
        }
    })
}

fn small_response() -> &'static [u8] {
    static RESPONSE: OnceLock<Vec<u8>> = OnceLock::new();
    RESPONSE.get_or_init(|| {
        let mut body = String::from("<!doctype html><title>bench page</title><p>");
        while body.len() < SMALL_BYTES - 5 {
            body.push_str("lorem ipsum dolor sit amet ");
        }
        body.truncate(SMALL_BYTES - 5);
        body.push_str("</p>\n");
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        [head.as_bytes(), body.as_bytes()].concat()
    })
}

async fn serve(mut stream: TcpStream) {
    let mut buf = vec![0u8; 8192];
    let mut filled = 0;
    loop {
        let end = loop {
            if let Some(at) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if filled == buf.len() {
                return;
            }
            match stream.read(&mut buf[filled..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => filled += n,
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.copy_within(end..filled, 0);
        filled -= end;
        let path = head.split(' ').nth(1).unwrap_or("/");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let ok = match parts.as_slice() {
            ["small", _] => stream.write_all(small_response()).await.is_ok(),
            ["delay", ms, _] => {
                tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
                stream.write_all(small_response()).await.is_ok()
            }
            ["big", _] => big(&mut stream).await,
            _ => stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await
                .is_ok(),
        };
        if !ok {
            return;
        }
    }
}

async fn big(stream: &mut TcpStream) -> bool {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {BIG_BYTES}\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let block = vec![b'x'; 64 * 1024];
    let mut left = BIG_BYTES;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        if stream.write_all(&block[..n]).await.is_err() {
            return false;
        }
        left -= n as u64;
    }
    true
}
