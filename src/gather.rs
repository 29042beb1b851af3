//! The engine: bounded concurrency, in-order output, fail-fast or isolate, the run
//! deadline, and cancellation. It hands records to a sink and never formats them.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{interval_at, sleep_until, Instant};

use crate::config::Mode;
use crate::fetch::Fetcher;
use crate::pace::Pacer;
use crate::progress::{Progress, Pulse};
use crate::record::{Failure, Record};
use crate::reorder::ReorderBuffer;
use crate::schedule::Scheduler;
use crate::signals::Signal;
use crate::targets::{Target, TargetList};

/// Records that may wait for a slow head before launching stops: enough that a
/// slow first URL does not stall the rest, small enough that memory stays flat.
pub const REORDER_WINDOW: usize = 4096;
/// Text bytes the waiting records may hold before launching pauses, so a large
/// `-n` cannot turn the window into gigabytes.
pub const REORDER_MAX_BYTES: usize = 64 * 1024 * 1024;
/// How often a heartbeat line is written to a stderr that is not a terminal.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Where finished records go, in input order.
pub trait RecordSink {
    /// Writes one record; an error ends the run (BrokenPipe ends it quietly).
    fn emit(&mut self, target: &Target<'_>, record: &Record) -> io::Result<()>;
    /// Pushes out what has been written so far.
    fn flush(&mut self) -> io::Result<()>;
}

/// How to run: limits and what to do on failure.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Fail-fast or isolate.
    pub mode: Mode,
    /// Requests in flight per host at most.
    pub per_host: Option<usize>,
    /// Time limit for the whole run.
    pub deadline: Option<Duration>,
    /// Spaces request starts out for `--rate`, in input order.
    pub pacer: Option<Arc<Pacer>>,
}

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
    /// Records written to the output; always the first `emitted` URLs.
    pub emitted: usize,
    /// How the run ended.
    pub stop: Stop,
    /// The failure that stopped a fail-fast run.
    pub first_failure: Option<Record>,
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
            stop: Stop::Finished,
            first_failure: None,
            cut_off: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// URLs that never got a record: cancelled in flight or never started.
    pub fn unfinished(&self) -> usize {
        self.total - self.ok - self.failed
    }
}

/// Fetches every target within `plan`, writing records to `sink` in input order as
/// soon as each one and all before it are done.
pub async fn gather(
    targets: Arc<TargetList>,
    fetcher: Arc<Fetcher>,
    plan: &Plan,
    interrupt: impl Future<Output = Signal>,
    sink: &mut dyn RecordSink,
    progress: &Progress,
) -> io::Result<RunStats> {
    let started = Instant::now();
    let mut run = Run {
        stats: RunStats::new(targets.len()),
        targets: &targets,
        plan,
        sink,
        progress,
        reorder: ReorderBuffer::default(),
        started_at: HashMap::new(),
        tracks_start_times: progress.wants_heartbeat() || plan.deadline.is_some(),
        unflushed: false,
    };
    let mut in_flight = JoinSet::new();
    let mut scheduler = Scheduler::new(&targets, plan.per_host);
    let window = REORDER_WINDOW.max(plan.concurrency);
    // Without a deadline this never fires: the branch below is disabled.
    let deadline = sleep_until(started + plan.deadline.unwrap_or(Duration::ZERO));
    let mut heartbeat = interval_at(started + HEARTBEAT_EVERY, HEARTBEAT_EVERY);
    tokio::pin!(interrupt, deadline);

    'run: loop {
        while in_flight.len() < plan.concurrency && run.reorder.text_bytes() < REORDER_MAX_BYTES {
            let Some(index) = scheduler.next(run.reorder.next_index() + window) else {
                break;
            };
            let targets = Arc::clone(&targets);
            let fetcher = Arc::clone(&fetcher);
            // Reserved here, in the order URLs are launched, so they start in that
            // order rather than racing each other for the next start.
            let start = plan.pacer.as_ref().map(|pacer| pacer.reserve());
            in_flight.spawn(async move {
                if let Some(start) = start {
                    tokio::time::sleep_until(start).await;
                }
                fetcher.fetch(index, &targets.get(index)).await
            });
            if run.tracks_start_times {
                run.started_at.insert(index, Instant::now());
            }
        }
        // Flush once per wake-up, only before waiting: records stream out as soon
        // as the engine would otherwise sit idle, with one write for the batch.
        if !run.flush()? {
            break;
        }
        let joined = tokio::select! {
            biased;
            signal = &mut interrupt => {
                run.stats.stop = Stop::Signal(signal);
                break;
            }
            () = &mut deadline, if plan.deadline.is_some() => {
                in_flight.abort_all();
                run.cut_off()?;
                break;
            }
            _ = heartbeat.tick(), if progress.wants_heartbeat() => {
                run.heartbeat();
                continue;
            }
            joined = in_flight.join_next() => joined,
        };
        let Some(mut joined) = joined else {
            break;
        };
        loop {
            // A fetch task never panics by design; if one did, the run cannot vouch
            // for its record, so report it as an error rather than inventing one.
            let record = joined.map_err(io::Error::other)?;
            scheduler.finished(record.index);
            if !run.complete(record)? {
                break 'run;
            }
            match in_flight.try_join_next() {
                Some(next) => joined = next,
                None => break,
            }
        }
    }
    // Dropping the tasks' futures closes their connections: nothing keeps running.
    in_flight.abort_all();
    if run.stats.stop != Stop::OutputClosed {
        run.flush()?;
    }
    run.stats.elapsed = started.elapsed();
    Ok(run.stats)
}

/// The state of one run that the completion handling needs.
struct Run<'a> {
    stats: RunStats,
    targets: &'a TargetList,
    plan: &'a Plan,
    sink: &'a mut dyn RecordSink,
    progress: &'a Progress,
    reorder: ReorderBuffer,
    /// When each request in flight started, for the heartbeat and deadline records.
    started_at: HashMap<usize, Instant>,
    /// Whether anything needs `started_at`; keeping it costs a map insert per URL.
    tracks_start_times: bool,
    unflushed: bool,
}

impl Run<'_> {
    /// Files a finished record and writes what is now in order. Returns false when
    /// the run must stop (fail-fast, or the output closed).
    fn complete(&mut self, record: Record) -> io::Result<bool> {
        if self.tracks_start_times {
            self.started_at.remove(&record.index);
        }
        self.progress.completed(record.is_ok());
        let failed = !record.is_ok();
        if failed {
            self.stats.failed += 1;
        } else {
            self.stats.ok += 1;
        }
        let failure = (failed && self.plan.mode == Mode::FailFast).then(|| record.clone());
        self.reorder.insert(record);
        match self
            .reorder
            .emit_ready(self.targets, self.sink, self.plan.mode)
        {
            Ok(count) => {
                self.stats.emitted += count;
                self.unflushed |= count > 0;
            }
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                self.stats.stop = Stop::OutputClosed;
                return Ok(false);
            }
            Err(err) => return Err(err),
        }
        if let Some(failure) = failure {
            self.stats.stop = Stop::FailFast(failure.index);
            self.stats.first_failure = Some(failure);
            return Ok(false);
        }
        Ok(true)
    }

    /// Flushes written records. Returns false if the reader has gone away.
    fn flush(&mut self) -> io::Result<bool> {
        if !self.unflushed {
            return Ok(true);
        }
        self.unflushed = false;
        match self.sink.flush() {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                self.stats.stop = Stop::OutputClosed;
                Ok(false)
            }
            Err(err) => Err(err),
        }
    }

    /// The deadline passed: every URL without a record gets a "deadline" one.
    fn cut_off(&mut self) -> io::Result<()> {
        self.stats.stop = Stop::Deadline;
        let started_at = &self.started_at;
        let missed = |index| deadline_record(index, started_at.get(&index));
        match self.reorder.emit_all(self.targets, self.sink, missed) {
            Ok((emitted, made)) => {
                self.unflushed |= emitted > 0;
                self.stats.emitted += emitted;
                self.stats.failed += made;
                self.stats.cut_off = made;
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                self.stats.stop = Stop::OutputClosed;
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    fn heartbeat(&self) {
        let slowest = self
            .started_at
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(index, at)| (self.targets.get(*index), at.elapsed()));
        self.progress.heartbeat(&Pulse {
            done: self.stats.ok + self.stats.failed,
            total: self.stats.total,
            failed: self.stats.failed,
            slowest,
        });
    }
}

/// The record of a URL the deadline cut off, in flight (started) or never started.
fn deadline_record(index: usize, started: Option<&Instant>) -> Record {
    Record {
        index,
        status: None,
        outcome: Err(Failure::Deadline),
        elapsed: started.map_or(Duration::ZERO, Instant::elapsed),
        final_url: None,
        bytes: 0,
        attempts: u32::from(started.is_some()),
        location: None,
    }
}
