//! The process exit codes, and the one place that maps a run's end to them.

use crate::error::UsageError;
use crate::signals::Signal;
use crate::stats::{RunStats, Stop};

/// How a run of gather ends, as documented in `--help` (from `cli::EXIT_CODES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every URL was fetched and accepted.
    Success,
    /// At least one URL failed, or gather itself could not finish.
    Failure,
    /// The command line or the URL list was wrong; nothing was fetched.
    Usage,
    /// Stopped by Ctrl-C (SIGINT).
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
}

impl ExitCode {
    /// The numeric status the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::Interrupted => 130,
            ExitCode::Terminated => 143,
        }
    }

    /// The exit code for an error that ended the run before or outside the fetches.
    pub fn for_error(err: &anyhow::Error) -> ExitCode {
        if err.downcast_ref::<UsageError>().is_some() {
            ExitCode::Usage
        } else {
            ExitCode::Failure
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

impl ExitCode {
    /// The exit code for a run that got as far as fetching.
    pub fn for_run(stats: &RunStats) -> ExitCode {
        match stats.stop {
            Stop::Signal(Signal::Interrupt) => ExitCode::Interrupted,
            Stop::Signal(Signal::Terminate) => ExitCode::Terminated,
            // The reader took what it wanted (`| head -1`): a quiet, successful end,
            // whatever records happened to be done by then.
            Stop::OutputClosed => ExitCode::Success,
            // The list is not the one that was checked: an input error.
            Stop::ListChanged => ExitCode::Usage,
            // A bad line of a stream is an input error like one found before the run.
            Stop::FailFast(_) | Stop::Deadline | Stop::Finished if stats.input_errors > 0 => {
                ExitCode::Usage
            }
            Stop::FailFast(_) | Stop::Deadline => ExitCode::Failure,
            Stop::Finished if stats.failed > 0 => ExitCode::Failure,
            Stop::Finished => ExitCode::Success,
        }
    }
}
