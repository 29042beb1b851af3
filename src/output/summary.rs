//! The lines gather writes to stderr about a run: the failure that stopped it and the summary.

use std::time::Duration;

use crate::record::Record;
use crate::signals::Signal;
use crate::stats::{RunStats, Stop};
use crate::targets::Target;

/// Names a failed URL, where it came from, and why: `URL (file:line): reason`.
pub fn failure_line(target: &Target<'_>, record: &Record) -> String {
    let reason = match &record.outcome {
        Err(failure) => failure.to_string(),
        Ok(_) => "succeeded".to_string(),
    };
    format!("{} ({}): {reason}", target.display_url(), target.origin)
}

/// What stopped the run early, if anything did, for a person reading stderr.
pub fn stop_line(stats: &RunStats) -> Option<String> {
    let unfinished = stats.unfinished();
    match stats.stop {
        Stop::Finished | Stop::OutputClosed => None,
        Stop::ListChanged => Some(format!(
            "stopped: a list changed while it was read; {unfinished} {} not fetched",
            noun(unfinished)
        )),
        Stop::Deadline => Some(format!(
            "the --deadline passed; {} {} cut off and reported as failed",
            urls(stats.cut_off),
            were(stats.cut_off)
        )),
        Stop::FailFast(_) => Some(format!(
            "stopped at the first failure; {unfinished} other {} {} cancelled or not started \
             (use -k/--isolate to fetch every URL)",
            noun(unfinished),
            were(unfinished)
        )),
        Stop::Signal(signal) => {
            let name = match signal {
                Signal::Interrupt => "interrupted",
                Signal::Terminate => "terminated",
            };
            if stats.cut_off > 0 {
                return Some(format!(
                    "{name}; {} {} cut off and reported as interrupted",
                    urls(stats.cut_off),
                    were(stats.cut_off)
                ));
            }
            Some(format!(
                "{name}; {} {} cancelled or not started",
                urls(unfinished),
                were(unfinished)
            ))
        }
    }
}

/// One line of counts and time: `3 ok, 1 failed in 420 ms`, with a rate from a
/// second up: `300 ok, 0 failed in 2.10s (142.9 URLs/s)`.
pub fn summary_line(stats: &RunStats) -> String {
    // What the output shows, so that the summary and the records agree.
    let (ok, failed, not_reported) = stats.reported();
    let mut line = format!("{ok} ok, {failed} failed");
    if not_reported > 0 {
        line.push_str(&format!(", {not_reported} not reported"));
    }
    let secs = stats.elapsed.as_secs_f64();
    line.push_str(&format!(" in {}", took(stats.elapsed)));
    // Below a second a rate mostly measures start-up noise.
    if secs >= 1.0 {
        let rate = (ok + failed) as f64 / secs;
        line.push_str(&format!(" ({rate:.1} URLs/s)"));
    }
    line
}

/// Failed URLs listed on stderr at most; the rest are counted.
pub const FAILURES_LISTED: usize = 10;
/// Runs of this many records or more get the slowest URLs and latency percentiles.
pub const LATENCY_FROM: usize = 20;
/// How many of the slowest URLs are named.
const SLOWEST_NAMED: usize = 3;
/// A certificate that expires within this many days is named in the summary.
pub const CERT_WARNING_DAYS: i64 = 30;

/// What the summary tells about the records written, gathered as they are.
#[derive(Debug, Default)]
pub struct Digest {
    failures: Vec<String>,
    failed: usize,
    /// The times of the records that got a response.
    times: Latencies,
    /// The slowest records so far: (time, `URL (file:line)`), slowest first.
    slowest: Vec<(Duration, String)>,
    soonest_cert: Option<(i64, String)>,
}

impl Digest {
    /// Takes one written record into account.
    pub fn add(&mut self, target: &Target<'_>, record: &Record) {
        let named = || format!("{} ({})", target.display_url(), target.origin);
        if !record.is_ok() {
            self.failed += 1;
            if self.failures.len() < FAILURES_LISTED {
                self.failures.push(failure_line(target, record));
            }
        }
        if record.status.is_some() {
            self.times.add(record.elapsed);
            let slower = self.slowest.len() < SLOWEST_NAMED
                || self
                    .slowest
                    .last()
                    .is_some_and(|(time, _)| record.elapsed > *time);
            if slower {
                self.slowest.push((record.elapsed, named()));
                self.slowest
                    .sort_by_key(|(time, _)| std::cmp::Reverse(*time));
                self.slowest.truncate(SLOWEST_NAMED);
            }
        }
        let connection = &record.connection;
        if let (Some(days), Some(expires)) = (connection.cert_days_left, &connection.cert_expires) {
            let sooner = self
                .soonest_cert
                .as_ref()
                .is_none_or(|(soonest, _)| days < *soonest);
            if days <= CERT_WARNING_DAYS && sooner {
                let line = format!(
                    "the certificate of {} expires soonest: on {expires}, in {days} days",
                    named()
                );
                self.soonest_cert = Some((days, line));
            }
        }
    }

    /// The failed URLs with their file:line and reason, at most
    /// [`FAILURES_LISTED`], then how many more.
    pub fn failure_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .failures
            .iter()
            .map(|line| format!("  {line}"))
            .collect();
        let more = self.failed - self.failures.len();
        if more > 0 {
            lines.push(format!("  and {more} more"));
        }
        lines
    }

    /// For runs of [`LATENCY_FROM`] records or more: the slowest URLs, then p50,
    /// p90 and the maximum.
    pub fn latency_lines(&self) -> Vec<String> {
        if self.times.count < LATENCY_FROM {
            return Vec::new();
        }
        let slowest: Vec<String> = self
            .slowest
            .iter()
            .map(|(time, named)| format!("{named} {}", took(*time)))
            .collect();
        vec![
            format!("slowest: {}", slowest.join(", ")),
            format!(
                "latency: p50 {} ms, p90 {} ms, max {} ms",
                self.times.percentile(0.5),
                self.times.percentile(0.9),
                self.times.max_ms
            ),
        ]
    }

    /// The certificate that expires soonest, if within [`CERT_WARNING_DAYS`].
    pub fn soonest_cert(&self) -> Option<&str> {
        self.soonest_cert.as_ref().map(|(_, line)| line.as_str())
    }
}

/// Below this, times are counted to the millisecond.
const EXACT_MS: u64 = 10_000;
/// From [`EXACT_MS`] up to this, times are counted to the second; beyond, in one bucket.
const COUNTED_MS: u64 = 3_600_000;

/// A histogram of record times, so that the summary of a million URLs costs
/// the same memory as that of twenty: keeping every time would be 8 bytes a URL.
#[derive(Debug, Default)]
struct Latencies {
    /// Counts per millisecond below [`EXACT_MS`], then per second, then the
    /// rest; allocated on the first time.
    buckets: Vec<u32>,
    count: usize,
    max_ms: u64,
}

impl Latencies {
    fn add(&mut self, elapsed: Duration) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; Self::bucket_of(u64::MAX) + 1];
        }
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let bucket = &mut self.buckets[Self::bucket_of(ms)];
        *bucket = bucket.saturating_add(1);
        self.count += 1;
        self.max_ms = self.max_ms.max(ms);
    }

    fn bucket_of(ms: u64) -> usize {
        let bucket = if ms < EXACT_MS {
            ms
        } else {
            EXACT_MS + (ms.min(COUNTED_MS) - EXACT_MS) / 1000
        };
        usize::try_from(bucket).unwrap_or(usize::MAX)
    }

    /// The lowest time a bucket holds, in milliseconds.
    fn floor_of(bucket: usize) -> u64 {
        let bucket = bucket as u64;
        if bucket < EXACT_MS {
            bucket
        } else {
            EXACT_MS + (bucket - EXACT_MS) * 1000
        }
    }

    /// The time at rank ceil(count × fraction): exact below ten seconds, to
    /// the second below an hour.
    fn percentile(&self, fraction: f64) -> u64 {
        let rank = ((self.count as f64) * fraction).ceil() as usize;
        let rank = rank.clamp(1, self.count.max(1));
        let mut seen = 0;
        for (bucket, &count) in self.buckets.iter().enumerate() {
            seen += count as usize;
            if seen >= rank {
                return Self::floor_of(bucket);
            }
        }
        self.max_ms
    }
}

/// "1 URL", "2 URLs".
fn urls(count: usize) -> String {
    format!("{count} {}", noun(count))
}

fn noun(count: usize) -> &'static str {
    if count == 1 {
        "URL"
    } else {
        "URLs"
    }
}

fn were(count: usize) -> &'static str {
    if count == 1 {
        "was"
    } else {
        "were"
    }
}

/// A time as a person reads it: milliseconds below a second, never `0.00s`.
fn took(elapsed: std::time::Duration) -> String {
    if elapsed < std::time::Duration::from_secs(1) {
        format!("{} ms", elapsed.as_millis())
    } else {
        format!("{:.2}s", elapsed.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Failure;
    use crate::stats::RunStats;

    #[test]
    fn counts_and_times_read_as_words() {
        let mut stats = RunStats::new(2);
        stats.ok = 1;
        stats.emitted = 1;
        stats.emitted_ok = 1;
        stats.stop = Stop::FailFast(1);
        stats.failed = 0;
        assert_eq!(
            stop_line(&stats).unwrap(),
            "stopped at the first failure; 1 other URL was cancelled or not started \
             (use -k/--isolate to fetch every URL)"
        );
        stats.elapsed = Duration::from_millis(42);
        assert_eq!(
            summary_line(&stats),
            "1 ok, 0 failed, 1 not reported in 42 ms"
        );
        stats.elapsed = Duration::from_millis(2100);
        stats.ok = 2;
        stats.emitted = 2;
        stats.emitted_ok = 2;
        assert_eq!(summary_line(&stats), "2 ok, 0 failed in 2.10s (1.0 URLs/s)");
    }

    #[test]
    fn the_digest_lists_ten_failures_and_latency_from_twenty_records() {
        let urls: Vec<String> = (0..25).map(|i| format!("http://h.example/{i}")).collect();
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        let list = crate::targets::list_of(&urls);
        let mut digest = Digest::default();
        for (i, target) in list.iter().enumerate() {
            let failed = i >= 12;
            let outcome = if failed {
                Err(Failure::Status {
                    status: 500,
                    accepted: "200..=299".into(),
                })
            } else {
                Ok(String::new())
            };
            let record = Record {
                status: Some(if failed { 500 } else { 200 }),
                elapsed: Duration::from_millis(10 * (i as u64 + 1)),
                attempts: 1,
                ..Record::new(i, outcome)
            };
            digest.add(&target.view(), &record);
        }
        let failures = digest.failure_lines();
        assert_eq!(failures.len(), 11);
        assert!(
            failures[0].starts_with("  http://h.example/12 (argument 13): HTTP 500"),
            "{}",
            failures[0]
        );
        assert_eq!(failures[10], "  and 3 more");
        let latency = digest.latency_lines();
        assert_eq!(
            latency[0],
            "slowest: http://h.example/24 (argument 25) 250 ms, http://h.example/23 (argument 24) 240 ms, \
             http://h.example/22 (argument 23) 230 ms"
        );
        assert_eq!(latency[1], "latency: p50 130 ms, p90 230 ms, max 250 ms");
    }

    #[test]
    fn latencies_are_exact_to_ten_seconds_then_to_the_second() {
        let mut times = Latencies::default();
        for ms in 1..=100 {
            times.add(Duration::from_millis(ms));
        }
        assert_eq!((times.percentile(0.5), times.percentile(0.9)), (50, 90));

        let mut slow = Latencies::default();
        for ms in [12_345, 12_999, 13_001, 4_000_000] {
            slow.add(Duration::from_millis(ms));
        }
        assert_eq!(slow.percentile(0.5), 12_000);
        assert_eq!(slow.percentile(0.75), 13_000);
        assert_eq!(slow.percentile(1.0), 3_600_000);
        assert_eq!(slow.max_ms, 4_000_000);

        let mut one = Latencies::default();
        one.add(Duration::from_millis(12_345));
        assert_eq!(one.percentile(0.5), 12_000);
    }
}
