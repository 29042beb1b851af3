//! `--rate`: request starts spaced evenly, handed out in the order they are asked
//! for, so that the first URLs of the list start first.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out start times at most `rate` per second apart.
#[derive(Debug)]
pub struct Pacer {
    period: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `per_second` starts a second (above 0).
    pub fn new(per_second: f64) -> Pacer {
        Pacer {
            period: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        }
    }

    /// The time between two starts.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Reserves the next start: now if the last one was a period ago or more,
    /// else one period after the last. Callers sleep until the time returned.
    pub fn reserve(&self) -> Instant {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked mid-update of a
        // plain time value, which is still usable.
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let slot = next.map_or(now, |next| next.max(now));
        *next = Some(slot + self.period);
        slot
    }

    /// Waits for a reserved start.
    pub async fn wait(&self) {
        tokio::time::sleep_until(self.reserve()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_one_period_apart_in_the_order_reserved() {
        let pacer = Pacer::new(4.0);
        let first = pacer.reserve();
        let slots: Vec<Duration> = (0..3).map(|_| pacer.reserve() - first).collect();
        assert_eq!(
            slots,
            [250, 500, 750].map(Duration::from_millis),
            "each reservation is one period after the last"
        );
        tokio::time::advance(Duration::from_secs(5)).await;
        // After a quiet spell the next start is now, not a backlog of old slots.
        let later = pacer.reserve();
        assert_eq!(later, Instant::now());
    }
}
