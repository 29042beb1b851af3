//! What a run did and how it ended: counted by the engine, read by the output,
//! the summary and the exit code.

use std::time::Duration;

use std::sync::Arc;

use crate::record::Record;
use crate::signals::Signal;
use crate::targets::TargetBuf;

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every URL has its record.
    Finished,
    /// Fail-fast: the record at this input index failed and the rest was cancelled.
    FailFast(usize),
    /// The run's deadline passed; every unfinished URL got a "deadline" record.
    Deadline,
    /// A signal cancelled the run.
    Signal(Signal),
    /// The reader of stdout went away.
    OutputClosed,
    /// A list file changed while it was read the second time: `RunStats::list_changed`.
    ListChanged,
}

/// The failure that stopped a fail-fast run, and its URL and where it came from,
/// kept past the window for the report at the end of the run.
#[derive(Debug, Clone)]
pub struct FirstFailure {
    /// Its record.
    pub record: Record,
    /// Its entry of the input.
    pub target: Arc<TargetBuf>,
}

/// What a run did, for the summary and the exit code.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// URLs in the input (with `--stream`, as many as were read).
    pub total: usize,
    /// Records that succeeded.
    pub ok: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records written to the output; always the first `emitted` URLs.
    pub emitted: usize,
    /// Of those, the ones that succeeded.
    pub emitted_ok: usize,
    /// How the run ended.
    pub stop: Stop,
    /// The failure that stopped a fail-fast run.
    pub first_failure: Option<FirstFailure>,
    /// Records of lines of a `--stream` list that are not URLs.
    pub input_errors: usize,
    /// What changed in a list file that was read again (`Stop::ListChanged`).
    pub list_changed: Option<String>,
    /// URLs the deadline cut off (counted in `failed` too).
    pub cut_off: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RunStats {
    /// The stats of a run over `total` URLs that has not yet fetched any.
    pub fn new(total: usize) -> RunStats {
        RunStats {
            total,
            ok: 0,
            failed: 0,
            emitted: 0,
            emitted_ok: 0,
            stop: Stop::Finished,
            first_failure: None,
            input_errors: 0,
            list_changed: None,
            cut_off: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// URLs that never got a record: cancelled in flight or never started.
    pub fn unfinished(&self) -> usize {
        self.total - self.ok - self.failed
    }

    /// The counts the output shows, so that stdout, the summary and a report
    /// agree: (ok, failed, not reported). A record that finished after the run
    /// stopped is not reported; the failure that stopped a fail-fast run always
    /// counts, written or not, since stderr names it.
    pub fn reported(&self) -> (usize, usize, usize) {
        let unwritten_failure = self
            .first_failure
            .as_ref()
            .is_some_and(|failure| failure.record.index >= self.emitted);
        let failed = self.emitted - self.emitted_ok + usize::from(unwritten_failure);
        (
            self.emitted_ok,
            failed,
            self.total - self.emitted_ok - failed,
        )
    }
}
