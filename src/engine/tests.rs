//! The engine against a fake fetcher under paused time: order, fail-fast,
//! isolation, the deadline, interrupts, the reorder window and a closed output,
//! with no network and no waiting. Built only for tests: engine/mod.rs declares
//! this module under #[cfg(test)].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::prelude::*;

use super::*;
use crate::progress::ProgressMode;

/// How one fake URL behaves: it takes `delay`, then succeeds or fails.
#[derive(Debug, Clone, Copy)]
struct Page {
    delay: Duration,
    ok: bool,
}

fn ok(ms: u64) -> Page {
    Page {
        delay: Duration::from_millis(ms),
        ok: true,
    }
}

fn failing(ms: u64) -> Page {
    Page {
        delay: Duration::from_millis(ms),
        ok: false,
    }
}

/// Answers each index as its page says, and notes when fetches start and end.
struct FakeFetch {
    pages: Vec<Page>,
    /// (index, when it started), in start order.
    started: Mutex<Vec<(usize, Instant)>>,
    finished: AtomicUsize,
}

impl FakeFetch {
    fn new(pages: Vec<Page>) -> Arc<FakeFetch> {
        Arc::new(FakeFetch {
            pages,
            started: Mutex::new(Vec::new()),
            finished: AtomicUsize::new(0),
        })
    }

    fn started(&self) -> Vec<(usize, Instant)> {
        self.started.lock().unwrap().clone()
    }
}

impl Fetch for FakeFetch {
    fn fetch(&self, index: usize, _target: &Target<'_>) -> impl Future<Output = Record> + Send {
        let page = self.pages[index];
        self.started.lock().unwrap().push((index, Instant::now()));
        async move {
            tokio::time::sleep(page.delay).await;
            self.finished.fetch_add(1, Ordering::SeqCst);
            Record {
                status: Some(if page.ok { 200 } else { 500 }),
                elapsed: page.delay,
                attempts: 1,
                ..Record::new(
                    index,
                    if page.ok {
                        Ok(format!("page {index}"))
                    } else {
                        Err(Failure::Status {
                            status: 500,
                            accepted: "200..=299".into(),
                        })
                    },
                )
            }
        }
    }
}

/// Collects what the engine writes: (index, ok, when), and can play a reader
/// that goes away after `close_after` records.
#[derive(Default)]
struct Collect {
    written: Vec<(usize, bool, Instant)>,
    close_after: Option<usize>,
}

impl RecordSink for Collect {
    fn emit(&mut self, _target: &Target<'_>, record: &Record) -> io::Result<()> {
        if !self.closed() {
            self.written
                .push((record.index, record.is_ok(), Instant::now()));
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn closed(&self) -> bool {
        self.close_after
            .is_some_and(|limit| self.written.len() >= limit)
    }
}

fn plan(mode: Mode, concurrency: usize) -> Plan {
    Plan {
        concurrency,
        mode,
        per_host: None,
        probe_new_origins: true,
        deadline: None,
        pacer: None,
    }
}

fn targets(count: usize) -> Window {
    let urls: Vec<String> = (0..count)
        .map(|i| format!("http://h{}.example/{i}", i % 3))
        .collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    Window::new(crate::targets::feed_of(&urls))
}

/// Runs the engine over `fetch`'s pages with `plan`, interrupted by `interrupt`.
async fn run_with(
    fetch: &Arc<FakeFetch>,
    plan: &Plan,
    sink: &mut Collect,
    interrupt: impl Future<Output = Signal>,
) -> RunStats {
    let progress = Progress::new(
        Some(fetch.pages.len()),
        ProgressMode::Off,
        Default::default(),
    );
    let mut window = targets(fetch.pages.len());
    fetch_all(
        &mut window,
        Arc::clone(fetch),
        plan,
        interrupt,
        sink,
        &progress,
    )
    .await
    .unwrap()
}

async fn run(pages: Vec<Page>, plan: &Plan) -> (RunStats, Collect, Arc<FakeFetch>) {
    let fetch = FakeFetch::new(pages);
    let mut sink = Collect::default();
    let stats = run_with(&fetch, plan, &mut sink, std::future::pending()).await;
    (stats, sink, fetch)
}

fn indices(sink: &Collect) -> Vec<usize> {
    sink.written.iter().map(|(index, _, _)| *index).collect()
}

#[tokio::test(start_paused = true)]
async fn records_come_out_in_input_order_whatever_order_they_finish_in() {
    let pages = vec![ok(50), ok(10), ok(40), ok(0), ok(30), ok(20)];
    let (stats, sink, _) = run(pages, &plan(Mode::Isolate, 6)).await;
    assert_eq!(indices(&sink), [0, 1, 2, 3, 4, 5]);
    assert_eq!((stats.ok, stats.failed, stats.emitted), (6, 0, 6));
    assert_eq!(stats.stop, Stop::Finished);
}

#[tokio::test(start_paused = true)]
async fn a_record_is_written_as_soon_as_it_and_those_before_it_are_done() {
    let started = Instant::now();
    let (_, sink, _) = run(vec![ok(10), ok(1000)], &plan(Mode::Isolate, 2)).await;
    let first_written = sink.written[0].2 - started;
    assert_eq!(first_written, Duration::from_millis(10));
}

#[tokio::test(start_paused = true)]
async fn a_slow_head_does_not_stall_the_urls_behind_it() {
    let mut pages = vec![ok(10_000)];
    pages.extend(std::iter::repeat_n(ok(10), 99));
    let started = Instant::now();
    let (stats, sink, fetch) = run(pages, &plan(Mode::Isolate, 4)).await;
    // All 99 fast URLs were fetched, three at a time, while the head was in flight.
    let last_start = fetch.started().iter().map(|(_, at)| *at - started).max();
    assert!(
        last_start.unwrap() < Duration::from_millis(400),
        "{last_start:?}"
    );
    assert_eq!(stats.emitted, 100);
    assert_eq!(sink.written[1].2 - started, Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn the_reorder_window_bounds_what_waits_behind_a_slow_head() {
    let count = REORDER_WINDOW + 500;
    let mut pages = vec![ok(60_000)];
    pages.extend(std::iter::repeat_n(ok(1), count - 1));
    let started = Instant::now();
    let (stats, _, fetch) = run(pages, &plan(Mode::Isolate, 8)).await;
    let before_head_done: Vec<usize> = fetch
        .started()
        .iter()
        .filter(|(_, at)| *at - started < Duration::from_secs(60))
        .map(|(index, _)| *index)
        .collect();
    assert_eq!(before_head_done.iter().max(), Some(&(REORDER_WINDOW - 1)));
    assert_eq!(stats.emitted, count);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_stops_at_the_first_failure_and_cancels_the_rest() {
    let mut pages = vec![ok(10), ok(1000), failing(50)];
    pages.extend(std::iter::repeat_n(ok(1000), 5));
    let (stats, sink, fetch) = run(pages, &plan(Mode::FailFast, 4)).await;
    assert_eq!(stats.stop, Stop::FailFast(2));
    assert_eq!(
        stats.first_failure.as_ref().map(|f| f.record.index),
        Some(2)
    );
    // Record 1 was still in flight, so the output stops before the failure.
    assert_eq!(indices(&sink), [0]);
    // Four at first, one more when record 0 finished; nothing after the failure,
    // and what was in flight never finished.
    assert_eq!(fetch.started().len(), 5);
    assert_eq!(fetch.finished.load(Ordering::SeqCst), 2);
    assert_eq!(stats.unfinished(), 6);
}

#[tokio::test(start_paused = true)]
async fn fail_fast_output_ends_at_the_failure_even_if_later_records_are_done() {
    let pages = vec![ok(10), failing(50), ok(5), ok(5)];
    let (stats, sink, _) = run(pages, &plan(Mode::FailFast, 4)).await;
    assert_eq!(indices(&sink), [0, 1]);
    assert_eq!(stats.emitted, 2);
}

#[tokio::test(start_paused = true)]
async fn isolation_gives_every_url_its_record_with_failures_in_place() {
    let pages = vec![ok(10), failing(5), ok(1), failing(30)];
    let (stats, sink, _) = run(pages, &plan(Mode::Isolate, 2)).await;
    let written: Vec<(usize, bool)> = sink.written.iter().map(|(i, ok, _)| (*i, *ok)).collect();
    assert_eq!(written, [(0, true), (1, false), (2, true), (3, false)]);
    assert_eq!((stats.ok, stats.failed), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cuts_off_what_is_left_with_records_in_place() {
    let mut plan = plan(Mode::Isolate, 1);
    plan.deadline = Some(Duration::from_secs(1));
    let pages = vec![ok(100), ok(5000), ok(100)];
    let (stats, sink, _) = run(pages, &plan).await;
    assert_eq!(stats.stop, Stop::Deadline);
    assert_eq!(indices(&sink), [0, 1, 2]);
    assert_eq!((stats.ok, stats.failed, stats.cut_off), (1, 2, 2));
}

async fn interrupted(mode: Mode) -> (RunStats, Collect) {
    let fetch = FakeFetch::new(vec![ok(10), ok(20), ok(10_000), ok(10)]);
    let mut sink = Collect::default();
    let interrupt = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        Signal::Interrupt
    };
    let stats = run_with(&fetch, &plan(mode, 4), &mut sink, interrupt).await;
    (stats, sink)
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_under_isolation_gives_every_url_its_record() {
    let (stats, sink) = interrupted(Mode::Isolate).await;
    assert_eq!(stats.stop, Stop::Signal(Signal::Interrupt));
    let written: Vec<(usize, bool)> = sink.written.iter().map(|(i, ok, _)| (*i, *ok)).collect();
    // Record 2 was still in flight: it is reported as interrupted, in its place.
    assert_eq!(written, [(0, true), (1, true), (2, false), (3, true)]);
    assert_eq!(stats.reported(), (3, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_under_fail_fast_ends_the_output_at_the_first_unfinished_url() {
    let (stats, sink) = interrupted(Mode::FailFast).await;
    assert_eq!(stats.stop, Stop::Signal(Signal::Interrupt));
    assert_eq!(indices(&sink), [0, 1]);
    assert_eq!(stats.ok, 3, "record 3 finished but waits behind record 2");
    // The counts shown are those of the output: record 3 is not reported.
    assert_eq!(stats.reported(), (2, 0, 2));
}

#[tokio::test(start_paused = true)]
async fn a_closed_output_ends_the_run_quietly() {
    let fetch = FakeFetch::new(std::iter::repeat_n(ok(10), 100).collect());
    let mut sink = Collect {
        close_after: Some(3),
        ..Collect::default()
    };
    let stats = run_with(
        &fetch,
        &plan(Mode::Isolate, 2),
        &mut sink,
        std::future::pending(),
    )
    .await;
    assert_eq!(stats.stop, Stop::OutputClosed);
    assert_eq!(sink.written.len(), 3);
    assert!(
        fetch.started().len() < 10,
        "the run went on after its reader left"
    );
}

#[tokio::test(start_paused = true)]
async fn with_a_rate_urls_start_in_input_order_one_period_apart() {
    let mut plan = plan(Mode::Isolate, 8);
    plan.pacer = Some(Arc::new(Pacer::new(10.0)));
    let started = Instant::now();
    let (_, _, fetch) = run(vec![ok(1); 8], &plan).await;
    let starts: Vec<(usize, u128)> = fetch
        .started()
        .iter()
        .map(|(index, at)| (*index, (*at - started).as_millis()))
        .collect();
    let expected: Vec<(usize, u128)> = (0..8).map(|i| (i, i as u128 * 100)).collect();
    assert_eq!(starts, expected);
}

fn pages() -> impl Strategy<Value = Vec<Page>> {
    prop::collection::vec(
        (0u64..200, prop::bool::weighted(0.8)).prop_map(|(ms, ok)| Page {
            delay: Duration::from_millis(ms),
            ok,
        }),
        1..40,
    )
}

fn run_paused(pages: Vec<Page>, plan: &Plan) -> (RunStats, Vec<(usize, bool)>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let (stats, sink, _) = runtime.block_on(run(pages, plan));
    let written = sink.written.iter().map(|(i, ok, _)| (*i, *ok)).collect();
    (stats, written)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        ..crate::testing::proptest_config()
    })]

    #[test]
    fn isolate_writes_every_record_once_in_input_order(pages in pages(), j in 1usize..8) {
        let expected: Vec<(usize, bool)> = pages.iter().enumerate().map(|(i, p)| (i, p.ok)).collect();
        let (stats, written) = run_paused(pages, &plan(Mode::Isolate, j));
        prop_assert_eq!(&written, &expected);
        prop_assert_eq!(stats.emitted, expected.len());
        prop_assert_eq!(stats.ok + stats.failed, expected.len());
    }

    #[test]
    fn fail_fast_output_is_a_prefix_of_isolate_output_ending_at_a_failure(
        pages in pages(),
        j in 1usize..8,
    ) {
        let (_, isolated) = run_paused(pages.clone(), &plan(Mode::Isolate, j));
        let (stats, fast) = run_paused(pages.clone(), &plan(Mode::FailFast, j));
        prop_assert_eq!(&isolated[..fast.len()], &fast[..]);
        if pages.iter().all(|p| p.ok) {
            prop_assert_eq!(fast.len(), pages.len());
            prop_assert_eq!(stats.stop, Stop::Finished);
        } else {
            prop_assert!(matches!(stats.stop, Stop::FailFast(_)));
            // Whatever was written holds at most one failure, and only at its end.
            let failures = fast.iter().filter(|(_, ok)| !ok).count();
            prop_assert!(failures <= 1);
            if failures == 1 {
                prop_assert!(!fast.last().unwrap().1);
            }
        }
    }
}
