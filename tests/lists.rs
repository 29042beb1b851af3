//! Lists of any length: files read twice rather than held, `--stream` for pipes,
//! bad lines of a stream as records, sharding without holding the list.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use support::routes::{self, Reply, Seen};
use support::{eventually, gather, gather_process, list_file, Running};

fn pages(seen: &Seen) -> Reply {
    Reply::text(&format!("page {}", seen.target.trim_start_matches('/')))
}

#[test]
fn a_streamed_record_comes_out_before_the_pipe_closes() {
    let s = routes::http(pages);
    let mut cmd = gather_process();
    cmd.args(["--stream", "--format", "jsonl"])
        .stdin(Stdio::piped());
    let mut running = Running::start(cmd);
    let mut stdin = running.child.stdin.take().expect("piped stdin");
    writeln!(stdin, "{}", s.url("/first")).unwrap();
    stdin.flush().unwrap();
    // The pipe is still open: this returns only if the first URL was fetched
    // and written as soon as its line arrived (else the watchdog ends the run).
    let first = running.read_until("/first");
    assert!(first.contains("page first"), "{first}");
    writeln!(stdin, "{}", s.url("/second")).unwrap();
    drop(stdin);
    let (code, rest, stderr) = running.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(rest.contains("page second"), "{rest}");
}

#[test]
fn without_stream_stdin_is_read_to_its_end_and_checked_first() {
    let s = routes::http(pages);
    let piped = format!("{}\nexample.com\n", s.url("/a"));
    let run = gather().stdin(piped).jsonl();
    assert_eq!(run.code, Some(2));
    assert!(run.records().is_empty());
    assert!(run.stderr.contains("-:2"), "{}", run.stderr);
    assert!(
        s.seen().is_empty(),
        "nothing is fetched before the list is checked"
    );
}

#[test]
fn bad_lines_of_a_stream_get_input_records_in_place_and_exit_2() {
    let s = routes::http(pages);
    let piped = format!("{}\nexample.com\n{}\n", s.url("/a"), s.url("/b"));
    let run = gather()
        .args(["--stream", "-k"])
        .stdin(piped.clone())
        .jsonl();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let records = run.records();
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records[0]["text"], "page a");
    assert_eq!(records[1]["error_kind"], "input");
    assert_eq!(records[1]["url"], "example.com");
    assert_eq!(records[1]["line"], 2);
    assert_eq!(records[1]["file"], "-");
    assert!(
        records[1]["error"]
            .as_str()
            .unwrap()
            .contains("https://example.com"),
        "{}",
        records[1]
    );
    assert_eq!(records[2]["text"], "page b");
    assert!(
        run.stderr.contains("1 line of the input cannot be used"),
        "{}",
        run.stderr
    );

    // Fail-fast stops at the bad line, as at any failure.
    let fail_fast = gather().arg("--stream").stdin(piped).jsonl();
    assert_eq!(fail_fast.code, Some(2), "{}", fail_fast.stderr);
    // The record before it may be cut off in flight; the bad line is named on stderr.
    assert!(fail_fast.records().len() <= 2, "{:?}", fail_fast.records());
    assert!(
        fail_fast
            .stderr
            .contains("gather: failed: example.com (-:2)"),
        "{}",
        fail_fast.stderr
    );
}

#[test]
fn a_stream_is_sharded_by_input_position() {
    let s = routes::http(pages);
    let piped: String = (0..6)
        .map(|i| format!("{}\n", s.url(&format!("/{i}"))))
        .collect();
    let run = gather()
        .args(["--stream", "--shard", "2/3"])
        .stdin(piped)
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let indexes: Vec<_> = run.records().iter().map(|r| r["index"].clone()).collect();
    assert_eq!(indexes, [1, 4]);
    assert_eq!(run.urls(), [s.url("/1"), s.url("/4")]);
}

#[test]
fn a_streamed_shard_reports_only_its_own_bad_lines() {
    // Positions 2 and 4 are bad; shard 2/3 holds 1 and 4, so only 4 is its to report.
    let s = routes::http(pages);
    let piped = format!(
        "{}\n{}\nnot a url\n{}\nnor this\n{}\n",
        s.url("/0"),
        s.url("/1"),
        s.url("/3"),
        s.url("/5")
    );
    let run = gather()
        .args(["-k", "--stream", "--shard", "2/3"])
        .stdin(piped)
        .jsonl();
    let records = run.records();
    let indexes: Vec<_> = records.iter().map(|r| r["index"].clone()).collect();
    assert_eq!(indexes, [1, 4], "{}", run.stderr);
    assert_eq!(records[0]["ok"], true);
    assert_eq!(records[1]["error_kind"], "input");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("1 line of the input"), "{}", run.stderr);
}

#[test]
fn an_empty_stream_is_a_usage_error() {
    let run = gather().arg("--stream").stdin("# nothing here\n\n").run();
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no URLs to fetch"), "{}", run.stderr);
}

#[test]
fn a_long_list_file_keeps_its_order_and_closes_only_the_last_connection() {
    // Longer than the reorder window and the read-ahead together, so the file is
    // read in several stretches while the run goes on.
    const URLS: usize = 9_000;
    let s = routes::http(pages);
    let text: String = (0..URLS)
        .map(|i| format!("{}\n", s.url(&format!("/{i}"))))
        .collect();
    let list = list_file(&text);
    let run = gather()
        .args(["-n", "0", "-j", "8", "--format", "tsv", "-i"])
        .arg(list.path())
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), URLS);
    for (i, line) in lines.iter().enumerate() {
        assert!(line.contains(&format!("/{i}\t")), "line {i}: {line}");
    }
    // Every URL but the last knew a later one shared its origin.
    let closing: Vec<String> = s
        .seen()
        .into_iter()
        .filter(|seen| seen.header("connection") == Some("close"))
        .map(|seen| seen.target)
        .collect();
    assert_eq!(closing, [format!("/{}", URLS - 1)]);
}

#[test]
fn a_list_file_changed_during_the_run_stops_it_cleanly_with_exit_2() {
    // The first page waits for the test, so the run is still reading the list (its
    // first 8,192 URLs) when the file is rewritten; the rest is read after that.
    let release = Arc::new(AtomicBool::new(false));
    let released = Arc::clone(&release);
    let s = routes::http(move |seen| {
        if seen.target != "/0" {
            return pages(seen);
        }
        let released = Arc::clone(&released);
        Reply::text("head").when(async move {
            routes::until(|| released.load(Ordering::SeqCst)).await;
        })
    });
    let text: String = (0..8_300)
        .map(|i| format!("{}\n", s.url(&format!("/{i}"))))
        .collect();
    let list = list_file(&text);
    let mut cmd = gather_process();
    cmd.args(["-k", "-j", "4", "-n", "0", "--format", "json", "-i"])
        .arg(list.path());
    let running = Running::start(cmd);
    assert!(eventually(|| s.seen().len() > 100), "the run started");
    std::fs::write(list.path(), text.replace("/8299\n", "/8299-changed\n")).unwrap();
    release.store(true, Ordering::SeqCst);
    let (code, rest, stderr) = running.finish();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("changed while gather was reading it"),
        "{stderr}"
    );
    // The records written before it stand, in a JSON array that is closed.
    let records: Vec<serde_json::Value> = serde_json::from_str(&rest).expect("a closed array");
    assert!(
        !records.is_empty() && records.len() < 8_300,
        "{}",
        records.len()
    );
    assert!(s.seen_at("/8299").is_empty());
}
