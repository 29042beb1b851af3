//! The progress bar on stderr: present only when stderr is a terminal and not `-q`.

use std::cell::Cell;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that may not exist; every method is a no-op without one.
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: Cell<u64>,
}

impl Progress {
    /// A bar over `total` URLs when `enabled`, otherwise nothing.
    pub fn new(total: usize, enabled: bool) -> Progress {
        let bar = enabled.then(|| {
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

    /// Removes the bar so later stderr lines start clean.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
