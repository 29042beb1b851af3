//! When to try again: a transient failure (and a failed check with
//! `--retry-all`), up to `--retries` or for `--retry-for`, after an exponential
//! backoff with jitter or the server's Retry-After, within a cap.

use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::HeaderMap;
use tokio::time::Instant;

use super::{Attempt, Fetcher};
use crate::record::Record;
use crate::targets::Target;
use crate::waiting::Retry;

/// The first retry waits about this long; each further one doubles it.
const RETRY_BASE: Duration = Duration::from_millis(250);
/// No wait between attempts is longer than this, whatever Retry-After asks.
pub const RETRY_MAX_WAIT: Duration = Duration::from_secs(30);

impl Fetcher {
    /// Fetches one URL into its record, retrying transient failures (and failed
    /// checks with `--retry-all`); every failure is data in the record.
    pub async fn fetch(&self, index: usize, target: &Target<'_>) -> Record {
        let started = Instant::now();
        let applied = self.applied(target);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut learned = Attempt::default();
            let outcome = self.attempt(target, &applied, &mut learned).await;
            let retry = match &outcome {
                Err(failure)
                    if failure.is_transient() || (self.retry_all && failure.is_check()) =>
                {
                    let wait = self.backoff(index, attempts, learned.retry_after);
                    let next = Instant::now() + wait;
                    let allowed = match self.retry_for {
                        Some(window) => next < started + window,
                        None => attempts <= applied.rules.retries,
                    };
                    // A retry that would start after the deadline only loses what
                    // this attempt learned (a 503 and its reason, say).
                    let in_time = self.deadline.is_none_or(|deadline| next < deadline);
                    (allowed && in_time).then_some(wait)
                }
                _ => None,
            };
            if let (Some(_), Some(waiting), Err(failure)) = (retry, &self.waiting, &outcome) {
                let noted = Retry {
                    url: format!("{} ({})", target.display_url(), target.origin),
                    attempts,
                    why: failure.to_string(),
                };
                waiting.note(index, noted);
            }
            if let Some(wait) = retry {
                tokio::time::sleep(wait).await;
                if let Some(pacer) = &self.pacer {
                    pacer.wait().await;
                }
                continue;
            }
            if attempts > 1 {
                if let Some(waiting) = &self.waiting {
                    waiting.done(index);
                }
            }
            return Record {
                index,
                status: learned.status,
                outcome,
                elapsed: started.elapsed(),
                final_url: learned.final_url,
                bytes: learned.bytes,
                attempts,
                location: learned.location,
                cause: learned.cause,
                charset: learned.charset,
                charset_source: learned.charset_source,
                title: learned.title,
                connection: learned.connection,
                failed_text: learned.failed_text,
            };
        }
    }

    /// The wait before retry number `attempt`: exponential with jitter, or what the
    /// server asked for with Retry-After, never more than [`RETRY_MAX_WAIT`].
    fn backoff(&self, index: usize, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let random = self.jitter.hash_one((index, attempt)) % 1_000_000;
        retry_wait(attempt, retry_after, random as f64 / 1_000_000.0)
    }
}

/// The wait before retry number `attempt` (from 1), given the server's Retry-After
/// and a random `fraction` in [0, 1).
pub(super) fn retry_wait(attempt: u32, retry_after: Option<Duration>, fraction: f64) -> Duration {
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
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
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
