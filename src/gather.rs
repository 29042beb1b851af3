//! The engine: bounded concurrency, the in-order reorder buffer, fail-fast or isolate,
//! and cancellation. It hands finished records to a sink and never formats them.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::config::Mode;
use crate::fetch::Fetcher;
use crate::input::Target;
use crate::progress::Progress;
use crate::record::Record;
use crate::signals::Signal;

/// Records that may wait for a slow head before launching stops: enough that a
/// slow first URL does not stall the rest, small enough that memory stays flat.
pub const REORDER_WINDOW: usize = 4096;
/// Text bytes the waiting records may hold before launching pauses, so a large
/// `-n` cannot turn the window into gigabytes.
pub const REORDER_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Where finished records go, in input order.
pub trait RecordSink {
    /// Writes one record; an error ends the run (BrokenPipe ends it quietly).
    fn emit(&mut self, target: &Target, record: &Record) -> io::Result<()>;
    /// Pushes out what has been written so far.
    fn flush(&mut self) -> io::Result<()>;
}

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every URL has its record.
    Finished,
    /// Fail-fast: the record at this input index failed and the rest was cancelled.
    FailFast(usize),
    /// A signal cancelled the run.
    Signal(Signal),
    /// The reader of stdout went away.
    OutputClosed,
}

/// What a run did, for the summary and the exit code.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// URLs in the input.
    pub total: usize,
    /// Records that succeeded.
    pub ok: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records written to the output.
    pub emitted: usize,
    /// How the run ended.
    pub stop: Stop,
    /// The failure that stopped a fail-fast run.
    pub first_failure: Option<Record>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RunStats {
    /// URLs that never got a record: cancelled in flight or never started.
    pub fn unfinished(&self) -> usize {
        self.total - self.ok - self.failed
    }
}

/// Fetches every target with at most `concurrency` in flight, writing records to
/// `sink` in input order as soon as each one and all before it are done.
pub async fn gather(
    targets: Arc<[Target]>,
    fetcher: Arc<Fetcher>,
    concurrency: usize,
    mode: Mode,
    interrupt: impl Future<Output = Signal>,
    sink: &mut dyn RecordSink,
    progress: &Progress,
) -> io::Result<RunStats> {
    let started = Instant::now();
    let window = REORDER_WINDOW.max(concurrency);
    let mut stats = RunStats {
        total: targets.len(),
        ok: 0,
        failed: 0,
        emitted: 0,
        stop: Stop::Finished,
        first_failure: None,
        elapsed: Duration::ZERO,
    };
    let mut in_flight = JoinSet::new();
    let mut reorder = ReorderBuffer::default();
    let mut next_launch = 0;
    tokio::pin!(interrupt);

    loop {
        while next_launch < targets.len()
            && in_flight.len() < concurrency
            && next_launch - reorder.next_index < window
            && reorder.text_bytes < REORDER_MAX_BYTES
        {
            let index = next_launch;
            let targets = Arc::clone(&targets);
            let fetcher = Arc::clone(&fetcher);
            in_flight.spawn(async move { fetcher.fetch(index, &targets[index]).await });
            next_launch += 1;
        }
        let joined = tokio::select! {
            biased;
            signal = &mut interrupt => {
                stats.stop = Stop::Signal(signal);
                break;
            }
            joined = in_flight.join_next() => joined,
        };
        let Some(joined) = joined else {
            break;
        };
        // A fetch task never panics by design; if one did, the run cannot vouch
        // for its record, so report it as an error rather than inventing one.
        let record = joined.map_err(io::Error::other)?;
        progress.completed(record.is_ok());
        let failed_here = !record.is_ok();
        if failed_here {
            stats.failed += 1;
        } else {
            stats.ok += 1;
        }
        let failure = (failed_here && mode == Mode::FailFast).then(|| record.clone());
        reorder.insert(record);
        match reorder.emit_ready(&targets, sink, mode) {
            Ok(count) => stats.emitted += count,
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                stats.stop = Stop::OutputClosed;
                break;
            }
            Err(err) => return Err(err),
        }
        if let Some(failure) = failure {
            stats.stop = Stop::FailFast(failure.index);
            stats.first_failure = Some(failure);
            break;
        }
    }
    // Dropping the tasks' futures closes their connections: nothing keeps running.
    in_flight.abort_all();
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Finished records waiting for the ones before them.
#[derive(Default)]
struct ReorderBuffer {
    /// Input index of the next record to write.
    next_index: usize,
    /// Slot i holds the record for `next_index + i`, once it is done.
    slots: VecDeque<Option<Record>>,
    /// Text bytes held in the slots.
    text_bytes: usize,
}

impl ReorderBuffer {
    fn insert(&mut self, record: Record) {
        let offset = record.index - self.next_index;
        if self.slots.len() <= offset {
            self.slots.resize_with(offset + 1, || None);
        }
        self.text_bytes += text_len(&record);
        self.slots[offset] = Some(record);
    }

    /// Writes every record that is now in order, then flushes once for the batch.
    /// Fail-fast output ends at its failure, even if later records are already done.
    fn emit_ready(
        &mut self,
        targets: &[Target],
        sink: &mut dyn RecordSink,
        mode: Mode,
    ) -> io::Result<usize> {
        let mut count = 0;
        while let Some(slot) = self.slots.front_mut() {
            let Some(record) = slot.take() else {
                break;
            };
            self.slots.pop_front();
            self.text_bytes -= text_len(&record);
            self.next_index += 1;
            sink.emit(&targets[record.index], &record)?;
            count += 1;
            if mode == Mode::FailFast && !record.is_ok() {
                break;
            }
        }
        if count > 0 {
            sink.flush()?;
        }
        Ok(count)
    }
}

fn text_len(record: &Record) -> usize {
    record.outcome.as_ref().map_or(0, String::len)
}
