//! The HTTP client and one fetch: status check, then a streaming decode of the prefix
//! only, with retries of transient failures.

use std::error::Error as StdError;
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderValue, CONNECTION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{redirect, Client, Response, Url};

use crate::config::Config;
use crate::decode::{charset_from_content_type, PrefixDecoder};
use crate::record::{Failure, Record};
use crate::status::StatusSet;
use crate::targets::{redact, Target};

/// After the prefix, read at most this much more so the connection can be reused;
/// a larger remainder is cheaper to abandon with the connection.
const DRAIN_MAX_BYTES: u64 = 64 * 1024;
/// And spend at most this long doing it, so a slow server cannot hold a record back.
const DRAIN_MAX_TIME: Duration = Duration::from_millis(100);
/// The first retry waits about this long; each further one doubles it.
const RETRY_BASE: Duration = Duration::from_millis(250);
/// No wait between attempts is longer than this, whatever Retry-After asks.
pub const RETRY_MAX_WAIT: Duration = Duration::from_secs(30);

/// Fetches URLs with one shared client and one set of rules.
pub struct Fetcher {
    client: Client,
    chars: usize,
    max_bytes: u64,
    expect: Vec<String>,
    accept: StatusSet,
    timeout: Duration,
    connect_timeout: Duration,
    max_redirects: usize,
    retries: u32,
    rate: Option<DefaultDirectRateLimiter>,
    jitter: RandomState,
}

#[derive(Debug, thiserror::Error)]
#[error("redirect to a non-http(s) URL")]
struct RedirectRefused(String);

#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

/// What one attempt learned before it ended, whichever way it ended.
#[derive(Default)]
struct Progress {
    status: Option<u16>,
    final_url: Option<Url>,
    bytes: u64,
    retry_after: Option<Duration>,
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
            .user_agent(config.user_agent.as_str())
            // After the user agent, so that -H 'User-Agent: …' wins. reqwest drops
            // Authorization and Cookie from these when a redirect changes host.
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .redirect(policy)
            .pool_max_idle_per_host(config.concurrency)
            .tcp_nodelay(true)
            .tls_danger_accept_invalid_certs(config.insecure)
            .build()
            .context("could not set up the HTTP client")?;
        let rate = config.rate.map(|per_second| {
            let period = Duration::from_secs_f64(1.0 / per_second);
            let quota = Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                .allow_burst(NonZeroU32::MIN);
            RateLimiter::direct(quota)
        });
        Ok(Fetcher {
            client,
            chars: config.chars,
            max_bytes: config.max_bytes,
            expect: config.expect.clone(),
            accept: config.accept.clone(),
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_redirects,
            retries: config.retries,
            rate,
            jitter: RandomState::new(),
        })
    }

    /// Fetches one URL into its record, retrying transient failures; every
    /// failure is data in the record.
    pub async fn fetch(&self, index: usize, target: &Target<'_>) -> Record {
        let mut started = None;
        let mut attempts = 0;
        loop {
            if let Some(rate) = &self.rate {
                rate.until_ready().await;
            }
            let started = *started.get_or_insert_with(Instant::now);
            attempts += 1;
            let mut progress = Progress::default();
            let outcome = self.attempt(target, &mut progress).await;
            let retry = match &outcome {
                Err(failure) if failure.is_transient() && attempts <= self.retries => {
                    Some(self.backoff(index, attempts, progress.retry_after))
                }
                _ => None,
            };
            if let Some(wait) = retry {
                tokio::time::sleep(wait).await;
                continue;
            }
            return Record {
                index,
                status: progress.status,
                outcome,
                elapsed: started.elapsed(),
                final_url: progress.final_url,
                bytes: progress.bytes,
                attempts,
            };
        }
    }

    /// The wait before retry number `attempt`: exponential with jitter, or what the
    /// server asked for with Retry-After, never more than [`RETRY_MAX_WAIT`].
    fn backoff(&self, index: usize, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let random = self.jitter.hash_one((index, attempt)) % 1_000_000;
        retry_wait(attempt, retry_after, random as f64 / 1_000_000.0)
    }

    /// One request, under the per-request timeout.
    async fn attempt(
        &self,
        target: &Target<'_>,
        progress: &mut Progress,
    ) -> Result<String, Failure> {
        let exchange = self.exchange(target, progress);
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok((text, response))) => {
                drain(response).await;
                Ok(text)
            }
            Ok(Err(failure)) => Err(failure),
            Err(_elapsed) => Err(Failure::Timeout(self.timeout)),
        }
    }

    async fn exchange(
        &self,
        target: &Target<'_>,
        progress: &mut Progress,
    ) -> Result<(String, Response), Failure> {
        // The list keeps URLs as text to stay small; it was validated on input.
        let url = Url::parse(target.url)
            .map_err(|err| Failure::Request(format!("invalid URL: {err}")))?;
        let mut request = self.client.get(url);
        if !target.origin_recurs {
            // No later URL needs this connection: don't leave it idle in the pool.
            request = request.header(CONNECTION, HeaderValue::from_static("close"));
        }
        let mut response = request.send().await.map_err(|err| self.classify(err))?;
        let status = response.status().as_u16();
        progress.status = Some(status);
        if response.url().as_str() != target.url {
            progress.final_url = Some(response.url().clone());
        }
        if !self.accept.contains(status) {
            if let Some(target) = refused_redirect(&response) {
                return Err(Failure::RedirectRefused(target));
            }
            progress.retry_after = retry_after(&response);
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
        let mut decoder = PrefixDecoder::new(declared, self.chars).expecting(&self.expect);
        let mut ended = false;
        while !decoder.is_done() && progress.bytes < self.max_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room =
                        usize::try_from(self.max_bytes - progress.bytes).unwrap_or(usize::MAX);
                    let usable = &chunk[..chunk.len().min(room)];
                    progress.bytes += usable.len() as u64;
                    decoder.feed(usable);
                }
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(err) => return Err(self.classify(err)),
            }
        }
        let (text, missing) = decoder.finish();
        if !missing.is_empty() {
            return Err(Failure::Expect {
                missing,
                searched: progress.bytes,
                whole_body: ended,
            });
        }
        Ok((text, response))
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
            return Failure::Tls(describe(&err));
        }
        if err.is_connect() {
            return Failure::Connect(innermost(&err));
        }
        if err.is_body() || err.is_decode() {
            return Failure::Body(describe(&err));
        }
        Failure::Request(describe(&err))
    }
}

/// The wait before retry number `attempt` (from 1), given the server's Retry-After
/// and a random `fraction` in [0, 1).
fn retry_wait(attempt: u32, retry_after: Option<Duration>, fraction: f64) -> Duration {
    if let Some(asked) = retry_after {
        return asked.min(RETRY_MAX_WAIT);
    }
    let full = RETRY_BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(RETRY_MAX_WAIT);
    // Equal jitter: half the wait fixed, half random, so retries spread out
    // without ever collapsing to zero.
    full / 2 + (full / 2).mul_f64(fraction)
}

/// The wait a 429 or 503 asks for, in seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_a_cap() {
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(retry_wait(1, None, 0.0)), 125);
        assert_eq!(ms(retry_wait(1, None, 0.999_999)), 249);
        assert_eq!(ms(retry_wait(3, None, 0.0)), 500);
        assert_eq!(retry_wait(40, None, 0.5), RETRY_MAX_WAIT.mul_f64(0.75));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let asked = Some(Duration::from_secs(2));
        assert_eq!(retry_wait(1, asked, 0.3), Duration::from_secs(2));
        let too_long = Some(Duration::from_secs(3600));
        assert_eq!(retry_wait(1, too_long, 0.3), RETRY_MAX_WAIT);
    }
}
