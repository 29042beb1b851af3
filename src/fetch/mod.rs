//! One fetch: the request (following redirects), the status check, then a
//! streaming decode of the prefix only, with retries of transient failures.

mod client;
pub mod encoding;
mod failure;
mod redirect;
mod request;

use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::header::{
    AUTHORIZATION, CONNECTION, CONTENT_ENCODING, CONTENT_TYPE, PROXY_AUTHORIZATION, RETRY_AFTER,
};
use http::{HeaderMap, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Incoming};
use hyper_util::client::proxy::matcher::Matcher;
use url::Url;

use crate::config::Config;
use crate::decode::{charset_from_content_type, PrefixDecoder};
use crate::record::{Failure, Record};
use crate::status::StatusSet;
use crate::targets::Target;
use client::{ClientSettings, HttpClient};
use encoding::BodyDecoder;
use failure::{body_failure, request_failure};
use request::{invalid_url, request_headers, request_uri};

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
    client: HttpClient,
    headers: HeaderMap,
    proxies: Arc<Matcher>,
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

/// What one attempt learned before it ended, whichever way it ended.
#[derive(Default)]
struct Progress {
    status: Option<u16>,
    final_url: Option<Url>,
    bytes: u64,
    retry_after: Option<Duration>,
}

impl Fetcher {
    /// Builds the client (rustls, a connection pool sized to the concurrency,
    /// proxies from the environment) and the headers every request carries.
    pub fn new(config: &Config) -> anyhow::Result<Fetcher> {
        let proxies = Arc::new(Matcher::from_env());
        let settings = ClientSettings {
            idle_per_host: config.concurrency,
            connect_timeout: config.connect_timeout,
            insecure: config.insecure,
        };
        let rate = config.rate.map(|per_second| {
            let period = Duration::from_secs_f64(1.0 / per_second);
            let quota = Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                .allow_burst(NonZeroU32::MIN);
            RateLimiter::direct(quota)
        });
        Ok(Fetcher {
            client: client::build(&settings, proxies.clone())?,
            headers: request_headers(config)?,
            proxies,
            chars: config.chars,
            max_bytes: config.max_bytes,
            expect: config.expect.clone(),
            accept: config.accept.clone(),
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_redirects: config.max_redirects,
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
            Ok(Ok((text, rest))) => {
                drain(rest).await;
                Ok(text)
            }
            Ok(Err(failure)) => Err(failure),
            Err(_elapsed) => Err(Failure::Timeout(self.timeout)),
        }
    }

    /// The request and its redirects, then the prefix of the final response;
    /// gives back the text and the unread rest of the body.
    async fn exchange(
        &self,
        target: &Target<'_>,
        progress: &mut Progress,
    ) -> Result<(String, Incoming), Failure> {
        let (mut uri, credentials) = request_uri(target.url)?;
        // Where the request is now, once a redirect has moved it.
        let mut moved_to: Option<Url> = None;
        // Whether a redirect has left the host the credentials were for.
        let mut left_origin = false;
        let mut hops = 0;
        let response = loop {
            let mut request = Request::new(Empty::new());
            *request.headers_mut() = self.hop_headers(
                &uri,
                credentials.as_ref(),
                target.origin_recurs,
                left_origin,
            );
            *request.uri_mut() = uri;
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| request_failure(&err, self.connect_timeout))?;
            if !response.status().is_redirection() {
                break response;
            }
            let from = match &moved_to {
                Some(url) => url.clone(),
                None => Url::parse(target.url).map_err(|err| invalid_url(&err))?,
            };
            let next = match redirect::next_hop(response.status(), response.headers(), &from) {
                None => break response,
                Some(Err(refused)) => {
                    progress.status = Some(response.status().as_u16());
                    return Err(refused);
                }
                Some(Ok(next)) => next,
            };
            hops += 1;
            if hops > self.max_redirects {
                progress.status = Some(response.status().as_u16());
                return Err(Failure::TooManyRedirects(self.max_redirects));
            }
            left_origin |= redirect::leaves_origin(&from, &next);
            drain(response.into_body()).await;
            uri = request_uri(next.as_str())?.0;
            moved_to = Some(next);
        };
        let status = response.status().as_u16();
        progress.status = Some(status);
        progress.final_url = moved_to.filter(|url| url.as_str() != target.url);
        if !self.accept.contains(status) {
            progress.retry_after = retry_after(response.headers());
            return Err(Failure::Status {
                status,
                accepted: self.accept.to_string(),
            });
        }
        let (head, body) = response.into_parts();
        self.read_prefix(&head.headers, body, progress).await
    }

    /// Reads and decodes only as much of the body as the prefix needs.
    async fn read_prefix(
        &self,
        headers: &HeaderMap,
        mut body: Incoming,
        progress: &mut Progress,
    ) -> Result<(String, Incoming), Failure> {
        let declared = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(charset_from_content_type);
        let coding = headers
            .get(CONTENT_ENCODING)
            .and_then(|value| value.to_str().ok());
        let mut content = BodyDecoder::new(coding);
        let mut decoder = PrefixDecoder::new(declared, self.chars).expecting(&self.expect);
        let mut ended = false;
        while !decoder.is_done() && progress.bytes < self.max_bytes {
            let data = match body.frame().await {
                None => {
                    content.finish()?;
                    ended = true;
                    break;
                }
                Some(Err(err)) => return Err(body_failure(&err)),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    // Trailers carry no text.
                    Err(_) => continue,
                },
            };
            let flow = content.decode(&data, |piece| {
                let room = usize::try_from(self.max_bytes - progress.bytes).unwrap_or(usize::MAX);
                let usable = &piece[..piece.len().min(room)];
                progress.bytes += usable.len() as u64;
                decoder.feed(usable);
                if decoder.is_done() || progress.bytes >= self.max_bytes {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })?;
            if flow.is_break() {
                break;
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
        Ok((text, body))
    }

    /// The headers for one request of an exchange: the shared ones, the URL's
    /// credentials until a redirect leaves their host (then all credentials go),
    /// `Connection: close` when no later URL needs the connection, and
    /// `Proxy-Authorization` for plain http through a proxy with credentials
    /// (https presents them in the CONNECT instead).
    fn hop_headers(
        &self,
        uri: &Uri,
        credentials: Option<&HeaderValue>,
        origin_recurs: bool,
        left_origin: bool,
    ) -> HeaderMap {
        let mut headers = self.headers.clone();
        if left_origin {
            redirect::strip_credentials(&mut headers);
        } else if let Some(credentials) = credentials {
            headers.insert(AUTHORIZATION, credentials.clone());
        }
        if !origin_recurs {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        if uri.scheme_str() == Some("http") {
            let proxy = self.proxies.intercept(uri);
            if let Some(auth) = proxy.as_ref().and_then(|proxy| proxy.basic_auth()) {
                headers.insert(PROXY_AUTHORIZATION, auth.clone());
            }
        }
        headers
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
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Reads a small remainder of the body so the connection returns to the pool.
async fn drain(mut body: Incoming) {
    let known = body.size_hint().exact();
    if known.is_some_and(|remaining| remaining > DRAIN_MAX_BYTES) {
        return;
    }
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
        let mut read = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |data| data.len() as u64);
            if read > DRAIN_MAX_BYTES {
                break;
            }
        }
    })
    .await;
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
