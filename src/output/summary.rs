//! The lines gather writes to stderr about a run: the failure that stopped it and the summary.

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
    let mut line = format!("{} ok, {} failed", stats.ok, stats.failed);
    let unfinished = stats.unfinished();
    if unfinished > 0 {
        line.push_str(&format!(", {unfinished} not fetched"));
    }
    let secs = stats.elapsed.as_secs_f64();
    line.push_str(&format!(" in {}", took(stats.elapsed)));
    // Below a second a rate mostly measures start-up noise.
    if secs >= 1.0 {
        let rate = (stats.ok + stats.failed) as f64 / secs;
        line.push_str(&format!(" ({rate:.1} URLs/s)"));
    }
    line
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

/// A run's time as a person reads it: milliseconds below a second, never `0.00s`.
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
    use crate::stats::RunStats;
    use std::time::Duration;

    #[test]
    fn counts_and_times_read_as_words() {
        let mut stats = RunStats::new(2);
        stats.ok = 1;
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
            "1 ok, 0 failed, 1 not fetched in 42 ms"
        );
        stats.elapsed = Duration::from_millis(2100);
        stats.ok = 2;
        assert_eq!(summary_line(&stats), "2 ok, 0 failed in 2.10s (1.0 URLs/s)");
    }
}
