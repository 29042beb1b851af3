//! The lines gather writes to stderr about a run: the failure that stopped it and the summary.

use crate::record::{Record, Secs};
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
            "the --deadline passed; {} URLs were cut off and reported as failed",
            stats.cut_off
        )),
        Stop::FailFast(_) => Some(format!(
            "stopped at the first failure; {unfinished} other URLs were cancelled or not started \
             (use -k/--isolate to fetch every URL)"
        )),
        Stop::Signal(signal) => {
            let name = match signal {
                Signal::Interrupt => "interrupted",
                Signal::Terminate => "terminated",
            };
            Some(format!(
                "{name}; {unfinished} URLs were cancelled or not started"
            ))
        }
    }
}

/// One line of counts and time: `3 ok, 1 failed in 0.42s (9.5 URLs/s)`.
pub fn summary_line(stats: &RunStats) -> String {
    let mut line = format!("{} ok, {} failed", stats.ok, stats.failed);
    let unfinished = stats.unfinished();
    if unfinished > 0 {
        line.push_str(&format!(", {unfinished} not fetched"));
    }
    let secs = stats.elapsed.as_secs_f64();
    line.push_str(&format!(" in {}", Secs(stats.elapsed)));
    // Below a second a rate mostly measures start-up noise.
    if secs >= 1.0 {
        let rate = (stats.ok + stats.failed) as f64 / secs;
        line.push_str(&format!(" ({rate:.1} URLs/s)"));
    }
    line
}
