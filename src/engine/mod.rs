//! The engine: bounded concurrency, in-order output, fail-fast or isolate, the run
//! deadline, and cancellation. It takes any [`Fetch`], hands records to a
//! [`RecordSink`] and never formats them.

mod reorder;
mod schedule;
mod window;

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{interval_at, sleep_until, Instant};

use crate::connected;
use crate::pace::Pacer;
use crate::progress::{Progress, Pulse};
use crate::record::{Failure, Record};
use crate::signals::Signal;
use crate::stats::{FirstFailure, RunStats, Stop};
use crate::targets::{ListError, Target, TargetBuf};
use reorder::ReorderBuffer;
use schedule::Scheduler;
pub use window::{Window, LOOKAHEAD};

/// Records that may wait for a slow head before launching stops: enough that a
/// slow first URL does not stall the rest, small enough that memory stays flat.
pub const REORDER_WINDOW: usize = 4096;
/// Text bytes the waiting records may hold before launching pauses, so a large
/// `-n` cannot turn the window into gigabytes.
pub const REORDER_MAX_BYTES: usize = 64 * 1024 * 1024;
/// How often a heartbeat line is written to a stderr that is not a terminal.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Fetches one URL into its record; every failure is data in the record.
pub trait Fetch: Send + Sync + 'static {
    /// The record of the URL at input `index`.
    fn fetch(&self, index: usize, target: &Target<'_>) -> impl Future<Output = Record> + Send;
}

/// Where finished records go, in input order.
pub trait RecordSink {
    /// Writes one record; an error ends the run.
    fn emit(&mut self, target: &Target<'_>, record: &Record) -> io::Result<()>;
    /// Pushes out what has been written so far.
    fn flush(&mut self) -> io::Result<()>;
    /// True once the reader has gone away: the run stops quietly.
    fn closed(&self) -> bool;
}

/// What happens after a URL fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Cancel everything at the first failure (like Python's TaskGroup).
    FailFast,
    /// Fetch every URL and report each failure in its own record.
    Isolate,
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
    /// A new https origin's first request goes alone, so that an HTTP/2 server
    /// gets one connection (not `--parallel-immediate`).
    pub probe_new_origins: bool,
    /// Time limit for the whole run.
    pub deadline: Option<Duration>,
    /// Spaces request starts out for `--rate`, in input order.
    pub pacer: Option<Arc<Pacer>>,
}

/// Fetches every entry of `window`'s feed within `plan`, writing records to
/// `sink` in input order as soon as each one and all before it are done. Ends
/// early at the first failure (fail-fast), at the deadline, when `interrupt`
/// resolves, or when the sink's reader goes away. A stream's entries start as
/// they arrive.
pub async fn fetch_all<F: Fetch>(
    window: &mut Window,
    fetcher: Arc<F>,
    plan: &Plan,
    interrupt: impl Future<Output = Signal>,
    sink: &mut dyn RecordSink,
    progress: &Progress,
) -> io::Result<RunStats> {
    let started = Instant::now();
    let mut run = Run {
        stats: RunStats::new(window.total().unwrap_or(0)),
        window,
        plan,
        sink,
        progress,
        reorder: ReorderBuffer::default(),
        started_at: HashMap::new(),
        tracks_start_times: progress.wants_heartbeat() || plan.deadline.is_some(),
        unflushed: false,
    };
    let mut in_flight = JoinSet::new();
    let mut scheduler = Scheduler::new(plan.per_host, plan.probe_new_origins);
    // The first request to a new https origin says here when its connection is up.
    let (connections_tx, mut connections) = mpsc::unbounded_channel();
    let reorder_window = REORDER_WINDOW.max(plan.concurrency);
    // Without a deadline this never fires: the branch below is disabled.
    let deadline = sleep_until(started + plan.deadline.unwrap_or(Duration::ZERO));
    let mut heartbeat = interval_at(started + HEARTBEAT_EVERY, HEARTBEAT_EVERY);
    tokio::pin!(interrupt, deadline);

    'run: loop {
        let may_start = run.reorder.next_index() + reorder_window;
        if let Err(changed) = run.window.fill(may_start + LOOKAHEAD) {
            run.list_changed(changed);
            break;
        }
        while in_flight.len() < plan.concurrency && run.reorder.text_bytes() < REORDER_MAX_BYTES {
            let Some(index) = scheduler.next(may_start.min(run.window.end()), run.window) else {
                break;
            };
            let (entry, origin_recurs) = run.window.start(index);
            let fetcher = Arc::clone(&fetcher);
            // Reserved here, in the order URLs are launched, so they start in that
            // order rather than racing each other for the next start.
            let start = plan
                .pacer
                .as_ref()
                .filter(|_| entry.bad().is_none())
                .map(|pacer| pacer.reserve());
            let probe = scheduler
                .probes(index, run.window)
                .map(|key| (connections_tx.clone(), key));
            in_flight.spawn(async move {
                if let Some(bad) = entry.bad() {
                    return Box::new(Record::new(index, Err(Failure::Input(bad.reason.clone()))));
                }
                if let Some(start) = start {
                    tokio::time::sleep_until(start).await;
                }
                let target = Target {
                    origin_recurs,
                    ..entry.view()
                };
                // Boxed so the task itself stays small: tokio copies a task's whole
                // future when it spawns it and its whole stage when it hands back the
                // record, and an unboxed fetch is kilobytes.
                let fetch = Box::pin(fetcher.fetch(index, &target));
                Box::new(match probe {
                    Some((listener, key)) => connected::scope(listener, key, fetch).await,
                    None => fetch.await,
                })
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
        let waits_for_stream = run.window.waits_for_stream(may_start);
        if in_flight.is_empty() && !waits_for_stream {
            break;
        }
        let joined = tokio::select! {
            biased;
            signal = &mut interrupt => {
                in_flight.abort_all();
                // Isolation gives every URL its record, finished or not; fail-fast
                // output ends at the first unfinished one.
                if plan.mode == Mode::Isolate {
                    run.cut_off(Failure::Interrupted)?;
                }
                if run.stats.stop != Stop::OutputClosed {
                    run.stats.stop = Stop::Signal(signal);
                }
                break;
            }
            () = &mut deadline, if plan.deadline.is_some() => {
                in_flight.abort_all();
                run.cut_off(Failure::Deadline)?;
                if run.stats.stop != Stop::OutputClosed {
                    run.stats.stop = Stop::Deadline;
                }
                break;
            }
            _ = heartbeat.tick(), if progress.wants_heartbeat() => {
                run.heartbeat();
                continue;
            }
            read = run.window.wait(), if waits_for_stream => {
                if let Err(changed) = read {
                    run.list_changed(changed);
                    break;
                }
                continue;
            }
            Some(origin) = connections.recv() => {
                scheduler.connected(origin);
                continue;
            }
            joined = in_flight.join_next(), if !in_flight.is_empty() => joined,
        };
        let Some(mut joined) = joined else {
            break;
        };
        loop {
            // A fetch task never panics by design; if one did, the run cannot vouch
            // for its record, so report it as an error rather than inventing one.
            let record = joined.map_err(io::Error::other)?;
            scheduler.finished(record.index, run.window);
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
    if run.window.total().is_none() {
        // A stream's length is what was read of it.
        run.stats.total = run.window.end();
    }
    run.stats.elapsed = started.elapsed();
    Ok(run.stats)
}

/// The state of one run that the completion handling needs.
struct Run<'a> {
    stats: RunStats,
    window: &'a mut Window,
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
    fn complete(&mut self, record: Box<Record>) -> io::Result<bool> {
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
        if matches!(record.outcome, Err(Failure::Input(_))) {
            self.stats.input_errors += 1;
        }
        let failure = (failed && self.plan.mode == Mode::FailFast).then(|| FirstFailure {
            record: Record::clone(&record),
            target: Arc::clone(self.window.get(record.index)),
        });
        self.reorder.insert(record);
        let (window, sink) = (&*self.window, &mut *self.sink);
        let stop_at_failure = self.plan.mode == Mode::FailFast;
        let mut emitted_ok = 0;
        let count = self.reorder.emit_ready(stop_at_failure, |record| {
            emitted_ok += usize::from(record.is_ok());
            sink.emit(&window.get(record.index).view(), record)
        })?;
        self.window.release(self.reorder.next_index());
        self.stats.emitted += count;
        self.stats.emitted_ok += emitted_ok;
        self.unflushed |= count > 0;
        if self.sink.closed() {
            self.stats.stop = Stop::OutputClosed;
            return Ok(false);
        }
        if let Some(failure) = failure {
            self.stats.stop = Stop::FailFast(failure.record.index);
            self.stats.first_failure = Some(failure);
            return Ok(false);
        }
        Ok(true)
    }

    /// Ends the run: a list is not the one that was checked. What was written
    /// stands; the rest is not fetched.
    fn list_changed(&mut self, error: ListError) {
        if self.stats.stop != Stop::OutputClosed {
            self.stats.stop = Stop::ListChanged;
        }
        self.stats.list_changed = Some(error.to_string());
    }

    /// Flushes written records. Returns false if the reader has gone away.
    fn flush(&mut self) -> io::Result<bool> {
        if !self.unflushed {
            return Ok(true);
        }
        self.unflushed = false;
        self.sink.flush()?;
        if self.sink.closed() {
            self.stats.stop = Stop::OutputClosed;
            return Ok(false);
        }
        Ok(true)
    }

    /// The run was cut short (the deadline, an interrupt): every URL without a
    /// record gets one failed with `why`, in its place.
    /// A listed input's unread URLs get theirs too; a stream's only as far as
    /// it has been written, since waiting for more would not end the run.
    fn cut_off(&mut self, why: Failure) -> io::Result<()> {
        let (window, started_at) = (&*self.window, &self.started_at);
        let missed = |index| {
            let entry: &TargetBuf = window.get(index);
            cut_off_record(index, entry, started_at.get(&index), why.clone())
        };
        let sink = &mut *self.sink;
        let mut emitted_ok = 0;
        let (mut emitted, mut made) = self.reorder.emit_all(window.end(), missed, |record| {
            emitted_ok += usize::from(record.is_ok());
            sink.emit(&window.get(record.index).view(), record)
        })?;
        let mut index = self.window.end();
        self.window.release(index);
        while !sink.closed() {
            let entry = match self.window.read_past() {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(changed) => {
                    self.list_changed(changed);
                    break;
                }
            };
            let record = cut_off_record(index, &entry, None, why.clone());
            sink.emit(&entry.view(), &record)?;
            (index, emitted, made) = (index + 1, emitted + 1, made + 1);
        }
        self.unflushed |= emitted > 0;
        self.stats.emitted += emitted;
        self.stats.emitted_ok += emitted_ok;
        self.stats.failed += made;
        self.stats.cut_off = made;
        if self.sink.closed() {
            self.stats.stop = Stop::OutputClosed;
        }
        Ok(())
    }

    fn heartbeat(&self) {
        let slowest = self
            .started_at
            .iter()
            .min_by_key(|(_, at)| **at)
            .map(|(index, at)| (self.window.get(*index).view(), at.elapsed()));
        self.progress.heartbeat(&Pulse {
            done: self.stats.ok + self.stats.failed,
            total: self.window.total(),
            failed: self.stats.failed,
            slowest,
        });
    }
}

/// The record of a URL the run was cut off before, in flight (started) or never
/// started. A bad line of a stream keeps its own failure.
fn cut_off_record(
    index: usize,
    entry: &TargetBuf,
    started: Option<&Instant>,
    why: Failure,
) -> Record {
    let why = match entry.bad() {
        Some(bad) => Failure::Input(bad.reason.clone()),
        None => why,
    };
    Record {
        elapsed: started.map_or(Duration::ZERO, Instant::elapsed),
        attempts: u32::from(started.is_some()),
        ..Record::new(index, Err(why))
    }
}

#[cfg(test)]
mod tests;
