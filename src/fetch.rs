//! The HTTP client and one fetch: status check, then a streaming decode of the prefix only.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::header::{HeaderMap, HeaderValue, CONNECTION, CONTENT_TYPE, LOCATION};
use reqwest::{redirect, Client, Response, Url};

use crate::config::Config;
use crate::decode::{charset_from_content_type, PrefixDecoder};
use crate::input::{redact, Target};
use crate::record::{Failure, Record};
use crate::status::StatusSet;

/// After the prefix, read at most this much more so the connection can be reused;
/// a larger remainder is cheaper to abandon with the connection.
const DRAIN_MAX_BYTES: u64 = 64 * 1024;
/// And spend at most this long doing it, so a slow server cannot hold a record back.
const DRAIN_MAX_TIME: Duration = Duration::from_millis(100);

/// Fetches URLs with one shared client and one set of rules.
pub struct Fetcher {
    client: Client,
    chars: usize,
    max_bytes: u64,
    accept: StatusSet,
    timeout: Duration,
    connect_timeout: Duration,
    max_redirects: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("redirect to a non-http(s) URL")]
struct RedirectRefused(String);

#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

/// What a fetch learned before it ended, whichever way it ended.
#[derive(Default)]
struct Progress {
    status: Option<u16>,
    final_url: Option<Url>,
    bytes: u64,
}

impl Fetcher {
    /// Builds the client: rustls, connection pool sized to the concurrency, and a
    /// redirect policy that follows only http and https up to the limit.
    pub fn new(config: &Config) -> anyhow::Result<Fetcher> {
        // reqwest is built without a bundled crypto provider; install ring once.
        // An error only means a provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let max_redirects = config.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            if !matches!(attempt.url().scheme(), "http" | "https") {
                let shown = redact(attempt.url()).into_owned();
                attempt.error(RedirectRefused(shown))
            } else if attempt.previous().len() > max_redirects {
                attempt.error(TooManyRedirects)
            } else {
                attempt.follow()
            }
        });
        let headers: HeaderMap = config.headers.iter().cloned().collect();
        let client = Client::builder()
            .user_agent(concat!("gather/", env!("CARGO_PKG_VERSION")))
            // After the user agent, so that -H 'User-Agent: …' wins. reqwest drops
            // Authorization and Cookie from these when a redirect changes host.
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .redirect(policy)
            .pool_max_idle_per_host(config.concurrency)
            .tcp_nodelay(true)
            .build()
            .context("could not set up the HTTP client")?;
        Ok(Fetcher {
            client,
            chars: config.chars,
            max_bytes: config.max_bytes,
            accept: config.accept.clone(),
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_redirects,
        })
    }

    /// Fetches one URL into its record; every failure is data in the record.
    pub async fn fetch(&self, index: usize, target: &Target) -> Record {
        let started = Instant::now();
        let mut progress = Progress::default();
        let exchange = self.exchange(target, &mut progress);
        let exchanged = tokio::time::timeout(self.timeout, exchange).await;
        let outcome = match exchanged {
            Ok(Ok((text, response))) => {
                drain(response).await;
                Ok(text)
            }
            Ok(Err(failure)) => Err(failure),
            Err(_elapsed) => Err(Failure::Timeout(self.timeout)),
        };
        Record {
            index,
            status: progress.status,
            outcome,
            elapsed: started.elapsed(),
            final_url: progress.final_url,
            bytes: progress.bytes,
        }
    }

    async fn exchange(
        &self,
        target: &Target,
        progress: &mut Progress,
    ) -> Result<(String, Response), Failure> {
        let mut request = self.client.get(target.url.clone());
        if !target.origin_recurs {
            // No later URL needs this connection: don't leave it idle in the pool.
            request = request.header(CONNECTION, HeaderValue::from_static("close"));
        }
        let mut response = request.send().await.map_err(|err| self.classify(err))?;
        let status = response.status().as_u16();
        progress.status = Some(status);
        progress.final_url = Some(response.url().clone());
        if !self.accept.contains(status) {
            if let Some(target) = refused_redirect(&response) {
                return Err(Failure::RedirectRefused(target));
            }
            return Err(Failure::Status {
                status,
                accepted: self.accept.to_string(),
            });
        }
        let declared = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(charset_from_content_type);
        let mut decoder = PrefixDecoder::new(declared, self.chars);
        while !decoder.is_full() && progress.bytes < self.max_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.max_bytes - progress.bytes;
                    let usable =
                        &chunk[..chunk.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
                    progress.bytes += usable.len() as u64;
                    decoder.feed(usable);
                }
                Ok(None) => break,
                Err(err) => return Err(self.classify(err)),
            }
        }
        Ok((decoder.finish(), response))
    }

    /// Turns reqwest's error into a failure a person can act on, without the URL
    /// (the record already names it, and it may hold a password).
    fn classify(&self, err: reqwest::Error) -> Failure {
        let err = err.without_url();
        if let Some(refused) = find_in_chain::<RedirectRefused>(&err) {
            return Failure::RedirectRefused(refused.0.clone());
        }
        if find_in_chain::<TooManyRedirects>(&err).is_some() {
            return Failure::TooManyRedirects(self.max_redirects);
        }
        let detail = describe(&err);
        if err.is_timeout() {
            if err.is_connect() {
                return Failure::ConnectTimeout(self.connect_timeout);
            }
            return Failure::Timeout(self.timeout);
        }
        if err.is_dns() {
            return Failure::Dns(innermost(&err));
        }
        if find_in_chain::<rustls::Error>(&err).is_some() {
            return Failure::Tls(detail);
        }
        if err.is_connect() {
            return Failure::Connect(innermost(&err));
        }
        if err.is_body() || err.is_decode() {
            return Failure::Body(detail);
        }
        Failure::Request(detail)
    }
}

/// A redirect response whose Location is not http(s). reqwest hands these back
/// unfollowed instead of asking the redirect policy, so they are named here.
fn refused_redirect(response: &Response) -> Option<String> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let target = response.url().join(location).ok()?;
    (!matches!(target.scheme(), "http" | "https")).then(|| redact(&target).into_owned())
}

/// Reads a small remainder of the body so the connection returns to the pool.
async fn drain(mut response: Response) {
    if response
        .content_length()
        .is_some_and(|length| length > DRAIN_MAX_BYTES)
    {
        return;
    }
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
        let mut read = 0u64;
        while let Ok(Some(chunk)) = response.chunk().await {
            read += chunk.len() as u64;
            if read > DRAIN_MAX_BYTES {
                break;
            }
        }
    })
    .await;
}

fn find_in_chain<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        // io::Error's source() skips the error it wraps (rustls errors arrive that way).
        if let Some(wrapped) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = find_in_chain::<E>(wrapped) {
                return Some(found);
            }
        }
        current = err.source();
    }
    None
}

/// The causes below reqwest's own generic message, joined like anyhow's `{:#}`,
/// skipping wrappers that only repeat the cause below them.
fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = err.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) && !is_wrapper(&text) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

/// The root cause alone, for errors whose wrappers only restate the category.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(cause) = current.source() {
        current = cause;
    }
    current.to_string()
}

/// Messages from hyper-util and reqwest layers that name a category, not a cause.
fn is_wrapper(text: &str) -> bool {
    text.starts_with("client error (")
        || text == "error sending request"
        || text == "error reading a body from connection"
}
