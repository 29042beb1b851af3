//! Progress on stderr: an indicatif bar on a terminal, a plain heartbeat line every
//! few seconds elsewhere (CI logs), or nothing with `-q`.

use std::cell::Cell;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::record::Secs;
use crate::targets::Target;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live bar (stderr is a terminal).
    Bar,
    /// A plain line every few seconds (stderr is a file or pipe).
    Heartbeat,
    /// Nothing (`-q`).
    Off,
}

/// A snapshot of a run for the heartbeat line.
pub struct Pulse<'a> {
    /// URLs finished.
    pub done: usize,
    /// URLs in the run.
    pub total: usize,
    /// URLs failed so far.
    pub failed: usize,
    /// The request in flight the longest, and for how long.
    pub slowest: Option<(Target<'a>, Duration)>,
}

/// The progress display of one run; every method is a no-op where it does not apply.
pub struct Progress {
    bar: Option<ProgressBar>,
    heartbeat: bool,
    failed: Cell<u64>,
}

impl Progress {
    /// Progress over `total` URLs, shown as `mode` says.
    pub fn new(total: usize, mode: ProgressMode) -> Progress {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {pos}/{len} {bar:30} {msg} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message("0 failed");
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            heartbeat: mode == ProgressMode::Heartbeat,
            failed: Cell::new(0),
        }
    }

    /// Counts one finished URL.
    pub fn completed(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            if !ok {
                self.failed.set(self.failed.get() + 1);
                bar.set_message(format!("{} failed", self.failed.get()));
            }
            bar.inc(1);
        }
    }

    /// True if the run should call [`Progress::heartbeat`] every few seconds.
    pub fn wants_heartbeat(&self) -> bool {
        self.heartbeat
    }

    /// Writes one heartbeat line: counts and the slowest request in flight.
    pub fn heartbeat(&self, pulse: &Pulse) {
        let mut line = format!(
            "gather: {}/{} done, {} failed",
            pulse.done, pulse.total, pulse.failed
        );
        if let Some((target, waited)) = pulse.slowest {
            line.push_str(&format!(
                "; slowest in flight: {} ({}, {})",
                target.display_url(),
                target.origin,
                Secs(waited)
            ));
        }
        crate::stderr::say(&line);
    }

    /// Removes the bar so later stderr lines start clean.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
