//! The floor for bench/compare.sh: a bare hyper client doing what gather does on
//! the small-pages workload (GET each URL with at most J in flight, read about N
//! bytes, print in completion order), with none of gather's checks, decoding,
//! redirects, decompression or output formats. It shows how much of the gap to wrk
//! is the HTTP stack rather than the runtime or the kernel. Not a tool: it stops at
//! the first error.
//!
//! Usage: `hyper_floor URL_FILE [J] [N]` (defaults 64 and 100).

use std::io::Write;

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::task::JoinSet;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Floor = Result<(), BoxError>;

fn main() -> Floor {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: hyper_floor URL_FILE [J] [N]")?;
    let jobs: usize = args.next().map_or(Ok(64), |j| j.parse())?;
    let bytes: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let list = std::fs::read_to_string(file)?;
    let uris = list
        .lines()
        .map(|line| line.parse::<hyper::Uri>())
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(fetch_all(uris, jobs, bytes))
}

async fn fetch_all(uris: Vec<hyper::Uri>, jobs: usize, bytes: usize) -> Floor {
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(jobs)
        .build_http();
    let mut in_flight = JoinSet::new();
    let mut uris = uris.into_iter();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        while in_flight.len() < jobs {
            let Some(uri) = uris.next() else { break };
            let client = client.clone();
            in_flight.spawn(async move {
                let mut response = client.get(uri).await?;
                let mut prefix = Vec::with_capacity(bytes);
                while prefix.len() < bytes {
                    let Some(frame) = response.body_mut().frame().await else {
                        break;
                    };
                    if let Ok(data) = frame?.into_data() {
                        prefix.extend_from_slice(&data[..data.len().min(bytes - prefix.len())]);
                    }
                }
                Ok::<_, BoxError>(prefix)
            });
        }
        let Some(done) = in_flight.join_next().await else {
            break;
        };
        out.write_all(&done??)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
