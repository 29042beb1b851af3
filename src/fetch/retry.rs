//! When to try a transient failure again: exponential backoff with jitter, or the
//! server's Retry-After, within a cap.

use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::HeaderMap;

/// The first retry waits about this long; each further one doubles it.
const RETRY_BASE: Duration = Duration::from_millis(250);
/// No wait between attempts is longer than this, whatever Retry-After asks.
pub const RETRY_MAX_WAIT: Duration = Duration::from_secs(30);

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
