//! The URLs waiting for a retry, and why: the fetcher notes them, the progress
//! bar and heartbeat show them, so a run that waits for a deploy says what it
//! is waiting for.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// One URL between two attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The URL as shown, with where it was given: `https://… (urls.txt:3)`.
    pub url: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last one failed.
    pub why: String,
}

/// The URLs waiting for a retry, by their index in the run.
#[derive(Debug, Default)]
pub struct Waiting {
    retries: Mutex<BTreeMap<usize, Retry>>,
}

impl Waiting {
    /// Notes that the URL at `index` waits for another attempt.
    pub fn note(&self, index: usize, retry: Retry) {
        self.lock().insert(index, retry);
    }

    /// The URL at `index` is no longer waiting.
    pub fn done(&self, index: usize) {
        self.lock().remove(&index);
    }

    /// How many URLs wait, and the first of them in input order.
    pub fn first(&self) -> (usize, Option<Retry>) {
        let retries = self.lock();
        (retries.len(), retries.values().next().cloned())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Retry>> {
        // A panic elsewhere while holding the lock leaves a map that is still whole.
        self.retries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_waiting_url_in_input_order_is_shown() {
        let waiting = Waiting::default();
        let retry = |url: &str| Retry {
            url: url.to_string(),
            attempts: 1,
            why: "HTTP 503".to_string(),
        };
        waiting.note(7, retry("b"));
        waiting.note(2, retry("a"));
        assert_eq!(waiting.first(), (2, Some(retry("a"))));
        waiting.done(2);
        waiting.done(7);
        assert_eq!(waiting.first(), (0, None));
    }
}
