//! The reqwest floor for bench/compare.sh: gather's own HTTP client (the same
//! builder, so the same settings) doing what gather does on the small-pages
//! workload (GET each URL with at most J in flight, read about N bytes, print in
//! completion order), with none of gather's checks, character decoding, reorder
//! buffer or output formats. gather's time over this one is the cost of gather's
//! own work. Not a tool: it stops at the first error.
//!
//! Usage: `reqwest_floor URL_FILE [J] [N]` (defaults 64 and 100).

use std::io::Write;
use std::time::Duration;

use gather::fetch::{build_client, ClientSettings, ProxySettings, Trust};
use tokio::task::JoinSet;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Floor = Result<(), BoxError>;

fn main() -> Floor {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: reqwest_floor URL_FILE [J] [N]")?;
    let jobs: usize = args.next().map_or(Ok(64), |j| j.parse())?;
    let bytes: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let list = std::fs::read_to_string(file)?;
    let urls = list
        .lines()
        .map(reqwest::Url::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(fetch_all(urls, jobs, bytes))
}

async fn fetch_all(urls: Vec<reqwest::Url>, jobs: usize, bytes: usize) -> Floor {
    let settings = ClientSettings {
        idle_per_host: jobs,
        connect_timeout: Duration::from_secs(10),
        insecure: false,
        trust: Trust::default(),
        proxies: ProxySettings::default(),
        resolve: Vec::new(),
        family: None,
    };
    // As gather's client for plain http, which loads no root certificates.
    let tls = urls.iter().any(|url| url.scheme() == "https");
    let client = build_client(&settings, false, tls)?;
    let mut in_flight = JoinSet::new();
    let mut urls = urls.into_iter();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        while in_flight.len() < jobs {
            let Some(url) = urls.next() else { break };
            let client = client.clone();
            in_flight.spawn(async move {
                let mut response = client.get(url).send().await?;
                let mut prefix = Vec::with_capacity(bytes);
                while prefix.len() < bytes {
                    let Some(chunk) = response.chunk().await? else {
                        break;
                    };
                    prefix.extend_from_slice(&chunk[..chunk.len().min(bytes - prefix.len())]);
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
