//! Progress on stderr: an indicatif bar on a terminal, a plain heartbeat line every
//! few seconds elsewhere (CI logs), or nothing with `-q`.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use std::fmt;
use std::io::{self, Write};

use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::record::Secs;
use crate::targets::Target;
use crate::waiting::Waiting;

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
    /// URLs in the run, if known (not with `--stream`).
    pub total: Option<usize>,
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
    waiting: Arc<Waiting>,
}

impl Progress {
    /// Progress over `total` URLs (`None`: a stream, no total), shown as `mode` says.
    /// URLs waiting for a retry are read from `waiting`.
    pub fn new(total: Option<usize>, mode: ProgressMode, waiting: Arc<Waiting>) -> Progress {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(
                total.map(|total| total as u64),
                ProgressDrawTarget::stderr(),
            );
            // {wide_bar} fits the bar to the terminal; the rate is a whole number,
            // and no ETA is shown before the first URL is done, nor without a total.
            let template = match total {
                Some(_) => "{spinner} {pos}/{len} {wide_bar} {msg}{waiting}{rate}",
                None => "{spinner} {pos} done, {msg}{waiting}{rate}",
            };
            let with_eta = total.is_some();
            let shown = Arc::clone(&waiting);
            let style = ProgressStyle::with_template(template)
                .map(|style| {
                    style
                        .with_key(
                            "waiting",
                            move |_: &ProgressState, w: &mut dyn fmt::Write| {
                                let (count, _) = shown.first();
                                if count > 0 {
                                    let _ = write!(w, ", {count} waiting to retry");
                                }
                            },
                        )
                        .with_key(
                            "rate",
                            move |state: &ProgressState, w: &mut dyn fmt::Write| {
                                if state.pos() > 0 {
                                    let _ = write!(w, " {}/s", thousands(state.per_sec()));
                                    if with_eta {
                                        let _ = write!(w, " ETA {}", HumanDuration(state.eta()));
                                    }
                                }
                            },
                        )
                })
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
            waiting,
        }
    }

    /// Counts one finished URL.
    pub fn completed(&self, ok: bool) {
        if let Some(bar) = &self.bar {
            // Counted before the failure, so the bar never shows more failed than done.
            bar.inc(1);
            if !ok {
                self.failed.set(self.failed.get() + 1);
                bar.set_message(format!("{} failed", self.failed.get()));
            }
        }
    }

    /// Wraps stdout so that records go above the bar: what is written is held
    /// until a flush, which clears the bar, writes, and draws it again below.
    /// Without a bar, stdout as it is.
    pub fn above_the_bar<'a, W: Write + 'a>(&self, stdout: W) -> Box<dyn Write + 'a> {
        match &self.bar {
            Some(bar) => Box::new(AboveTheBar {
                inner: stdout,
                pending: Vec::new(),
                bar: bar.clone(),
            }),
            None => Box::new(stdout),
        }
    }

    /// True if the run should call [`Progress::heartbeat`] every few seconds.
    pub fn wants_heartbeat(&self) -> bool {
        self.heartbeat
    }

    /// Writes one heartbeat line: counts and the slowest request in flight.
    pub fn heartbeat(&self, pulse: &Pulse) {
        let mut line = match pulse.total {
            Some(total) => format!("gather: {}/{total} done", pulse.done),
            None => format!("gather: {} done", pulse.done),
        };
        line.push_str(&format!(", {} failed", pulse.failed));
        if let Some((target, waited)) = pulse.slowest {
            line.push_str(&format!(
                "; slowest in flight: {} ({}, {})",
                target.display_url(),
                target.origin,
                Secs(waited)
            ));
        }
        if let (count, Some(first)) = self.waiting.first() {
            line.push_str(&format!(
                "; {count} waiting to retry, first {}: attempt {} failed: {}",
                first.url, first.attempts, first.why
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

/// Records written while a bar is drawn: held, then written with the bar
/// cleared, so no bar line is left among them.
struct AboveTheBar<W: Write> {
    inner: W,
    pending: Vec<u8>,
    bar: ProgressBar,
}

impl<W: Write> Write for AboveTheBar<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let (inner, pending) = (&mut self.inner, &mut self.pending);
        let written = self.bar.suspend(|| {
            inner.write_all(pending)?;
            inner.flush()
        });
        pending.clear();
        written
    }
}

/// A rate as a whole number with thousands separators: `1,298`.
fn thousands(rate: f64) -> String {
    let whole = rate.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_numbers_with_separators() {
        assert_eq!(thousands(1297.9663), "1,298");
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
