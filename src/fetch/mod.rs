//! One fetch on reqwest: the request, its redirects one hop at a time, the status
//! check, then a streaming decode of the prefix only, with retries of transient
//! failures.

mod body;
mod client;
mod coding;
mod document;
mod exchange;
mod failure;
pub mod proxy;
mod redirect;
mod request;
mod retry;
mod timing;
mod tls;
mod trust;

use std::borrow::Cow;
use std::hash::RandomState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use reqwest::Client;
use tokio::time::Instant;
use url::Url;

use crate::decode::CharsetSource;
use crate::pace::Pacer;
use crate::record::{Cause, Connection, Failure};
use crate::rules::Rules;
use crate::targets::Target;
use crate::waiting::Waiting;
pub use client::{build as build_client, ClientSettings, IpFamily};
pub use proxy::ProxySettings;
use request::request_headers;
pub use retry::RETRY_MAX_WAIT;
pub use trust::Trust;

/// Everything a fetch needs to know, from the command line.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// The rules every request is held to, unless its list line changes them.
    pub rules: Rules,
    /// Body bytes read at most.
    pub max_bytes: u64,
    /// Retry failed checks too (`--retry-all`), not only transient failures.
    pub retry_all: bool,
    /// Retry a failing URL until this long after its first attempt (`--retry-for`),
    /// whatever the number of retries.
    pub retry_for: Option<Duration>,
    /// Look for each HTML page's `<title>`, past the prefix if need be.
    pub title: bool,
    /// Time limit for resolving, connecting and the TLS handshake.
    pub connect_timeout: Duration,
    /// The run's time limit, past which no retry waits.
    pub deadline: Option<Duration>,
    /// Idle connections kept per origin (the concurrency).
    pub idle_per_host: usize,
    /// The User-Agent header.
    pub user_agent: HeaderValue,
    /// Skip TLS certificate checks.
    pub insecure: bool,
    /// Extra CA certificates to trust (`--cacert`).
    pub cacert: Option<PathBuf>,
    /// Proxies from the environment, checked.
    pub proxies: ProxySettings,
    /// A client certificate (`--cert`) and its key (`--key`, or the same file).
    pub identity: Option<(PathBuf, Option<PathBuf>)>,
    /// Addresses to use instead of resolving these hosts (`--resolve`).
    pub resolve: Vec<(String, Vec<SocketAddr>)>,
    /// Only this address family (`-4`, `-6`).
    pub family: Option<IpFamily>,
    /// Fail a URL whose certificate expires within this many days.
    pub min_cert_days: Option<u32>,
    /// Measure `connect_ms` (a format that shows it is written).
    pub time_connections: bool,
    /// Note each new https connection as it comes up, so the engine can let a new
    /// origin's other requests go (not `--parallel-immediate`).
    pub notice_https_connections: bool,
}

/// Fetches URLs with the run's clients (plain http, https) and one set of rules.
pub struct Fetcher {
    client: Client,
    /// The client for https, built at the first https request from `connections`
    /// (loading the system's root certificates then), or why it could not be.
    https_client: OnceLock<Result<Client, String>>,
    /// It times new connections, or notes them where origins are probed (the note
    /// costs every request it serves, so plain http goes without it).
    https_timed: bool,
    /// How both clients are set up; its proxies and connect timeout also go
    /// into failure messages.
    connections: ClientSettings,
    rules: Rules,
    /// The request headers of `rules`, built once.
    headers: HeaderMap,
    user_agent: HeaderValue,
    max_bytes: u64,
    retry_all: bool,
    retry_for: Option<Duration>,
    title: bool,
    min_cert_days: Option<u32>,
    /// Time each request's phases (`--format jsonl` and the others that show them).
    time_connections: bool,
    pacer: Option<Arc<Pacer>>,
    /// Where URLs waiting for a retry are noted, for the progress display.
    waiting: Option<Arc<Waiting>>,
    /// When the run's `--deadline` passes: no retry waits past it.
    deadline: Option<Instant>,
    jitter: RandomState,
}

/// The rules of one fetch: the run's, or its list line's version of them, with
/// the request headers they make.
struct Applied<'a> {
    rules: Cow<'a, Rules>,
    headers: Cow<'a, HeaderMap>,
}

/// What one attempt learned before it ended, whichever way it ended.
#[derive(Default)]
struct Attempt {
    status: Option<u16>,
    final_url: Option<Url>,
    location: Option<String>,
    bytes: u64,
    retry_after: Option<Duration>,
    cause: Option<Cause>,
    charset: Option<&'static str>,
    charset_source: Option<CharsetSource>,
    title: Option<String>,
    connection: Connection,
    /// The text of a response that failed a check: its status, an `--expect`,
    /// or `--min-cert-days`.
    failed_text: Option<String>,
}

impl Fetcher {
    /// Builds the client and the headers every request carries. Retries take
    /// their start from `pacer` when `--rate` is set.
    pub fn new(config: &FetchSettings, pacer: Option<Arc<Pacer>>) -> anyhow::Result<Fetcher> {
        // The plain client speaks TLS only to an https proxy; otherwise https gets
        // its own client, so that runs without an https URL never load the
        // system's root certificates.
        let tls = config.proxies.plain_http_uses_tls();
        let connections = ClientSettings::of(config)?;
        let client = client::build(&connections, config.time_connections, tls)?;
        let https_timed = config.time_connections || config.notice_https_connections;
        // Through an https proxy, https shares the plain client when both would be
        // timed alike.
        let https_client = OnceLock::new();
        if tls && https_timed == config.time_connections {
            let _ = https_client.set(Ok(client.clone()));
        }
        Ok(Fetcher {
            client,
            https_client,
            https_timed,
            connections,
            headers: request_headers(&config.user_agent, &config.rules.headers),
            rules: config.rules.clone(),
            user_agent: config.user_agent.clone(),
            max_bytes: config.max_bytes,
            retry_all: config.retry_all,
            retry_for: config.retry_for,
            title: config.title,
            min_cert_days: config.min_cert_days,
            time_connections: config.time_connections,
            pacer,
            waiting: None,
            deadline: config.deadline.map(|deadline| Instant::now() + deadline),
            jitter: RandomState::new(),
        })
    }

    /// Notes URLs that wait for a retry in `waiting`, for the progress display.
    pub fn with_waiting(mut self, waiting: Arc<Waiting>) -> Fetcher {
        self.waiting = Some(waiting);
        self
    }

    /// The rules for `target`: the run's, or those its list line changes.
    fn applied(&self, target: &Target<'_>) -> Applied<'_> {
        let Some(line) = target.options else {
            return Applied {
                rules: Cow::Borrowed(&self.rules),
                headers: Cow::Borrowed(&self.headers),
            };
        };
        let rules = self.rules.with(line);
        let headers = if line.headers.is_empty() {
            Cow::Borrowed(&self.headers)
        } else {
            Cow::Owned(request_headers(&self.user_agent, &rules.headers))
        };
        Applied {
            rules: Cow::Owned(rules),
            headers,
        }
    }

    /// One request, under the per-request timeout.
    async fn attempt(
        &self,
        target: &Target<'_>,
        applied: &Applied<'_>,
        learned: &mut Attempt,
    ) -> Result<String, Failure> {
        let rules = &applied.rules;
        let began = rules.max_latency.is_some().then(Instant::now);
        let exchange = self.exchange(target, applied, learned);
        match tokio::time::timeout(rules.timeout, exchange).await {
            Ok(Ok((text, body))) => {
                let took = began.map(|began| began.elapsed());
                body.drain().await;
                match (rules.max_latency, took) {
                    (Some(limit), Some(took)) if took > limit => {
                        learned.failed_text = Some(text);
                        Err(Failure::Slow { took, limit })
                    }
                    _ => Ok(text),
                }
            }
            Ok(Err(failure)) => Err(failure),
            Err(_elapsed) => Err(Failure::Timeout(rules.timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::HeaderChecks;
    use crate::status::StatusSet;

    fn settings() -> FetchSettings {
        FetchSettings {
            rules: Rules {
                chars: 100,
                accept: StatusSet::default(),
                text_checks: Arc::default(),
                header_checks: HeaderChecks::default(),
                max_latency: None,
                max_redirects: 10,
                headers: Vec::new(),
                timeout: Duration::from_secs(5),
                retries: 0,
            },
            max_bytes: 1 << 20,
            retry_all: false,
            retry_for: None,
            title: true,
            connect_timeout: Duration::from_secs(5),
            deadline: None,
            idle_per_host: 1,
            user_agent: HeaderValue::from_static("gather/test"),
            insecure: false,
            cacert: None,
            proxies: ProxySettings::default(),
            identity: None,
            resolve: Vec::new(),
            family: None,
            min_cert_days: None,
            time_connections: true,
            notice_https_connections: true,
        }
    }

    #[tokio::test]
    async fn a_failure_keeps_the_error_it_was_classified_from() {
        // A port that was just free: nothing listens there now.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let list = crate::targets::list_of(&[&url]);
        let fetcher = Fetcher::new(&settings(), None).unwrap();
        let record = fetcher.fetch(0, &list[0].view()).await;
        assert_eq!(record.outcome.as_ref().unwrap_err().kind(), "connect");
        let cause = record.cause.expect("the failure keeps its cause");
        let reqwest = cause
            .downcast_ref::<reqwest::Error>()
            .expect("reqwest's error");
        assert!(reqwest.is_connect(), "{reqwest:?}");
    }
}
