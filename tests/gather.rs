//! End-to-end behaviour of the gather binary: order, streaming, fail-fast and
//! isolation, input, signals and the terminal. Each test runs its own server.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::routes::{self, Reply, Seen};
use support::{
    eventually, gather, gather_process, list_file, on_terminal, raw, shown, steady, Running,
};

/// Answers `/ID` with `page ID`, after `/slow/MS/ID` waits MS milliseconds, and
/// `/status/CODE` with that status: the pages most tests need.
fn pages(seen: &Seen) -> Reply {
    let parts: Vec<&str> = seen.target.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["slow", ms, id] => Reply::text(&format!("page {id}\n"))
            .after(Duration::from_millis(ms.parse().unwrap_or(0))),
        ["status", code] => {
            let code = code.parse().unwrap_or(500);
            Reply::status(code).body(format!("status {code}\n").as_bytes())
        }
        _ => Reply::text(&format!("page {}\n", parts.join("/"))),
    }
}

#[test]
fn records_come_out_in_input_order_whatever_order_they_finish_in() {
    let s = routes::http(pages);
    // Finishing order is the reverse of input order.
    let list: Vec<String> = (0..8)
        .map(|i| s.url(&format!("/slow/{}/order-{i}", 400 - i * 50)))
        .collect();
    let run = gather().args(["-j", "8"]).args(&list).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.urls(), list);
    for (i, record) in run.records().iter().enumerate() {
        assert_eq!(record["text"], format!("page order-{i}\n"));
        assert_eq!(record["line"], i + 1);
    }
}

#[test]
fn the_first_record_is_written_before_a_slow_second_one_finishes() {
    let s = routes::http(pages);
    let mut cmd = gather_process();
    cmd.arg(s.url("/stream-1"))
        .arg(s.url("/slow/20000/stream-2"));
    let mut run = Running::start(cmd);
    let seen = run.read_until("page stream-1");
    assert!(seen.contains("==> "), "{seen}");
    // The second URL takes 20 s; the record above arrived while it was still pending.
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "gather ended before the slow URL"
    );
    run.signal("INT");
    let (code, _, _) = run.finish();
    assert_eq!(code, Some(130));
}

#[test]
fn a_slow_head_does_not_stall_the_urls_behind_it() {
    // The head answers only once all 30 tail URLs have arrived; with -j 4 that
    // happens only if gather keeps fetching while the head is pending.
    let tails = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tails);
    let s = routes::http(move |seen| {
        if seen.target == "/head" {
            let tails = Arc::clone(&counted);
            let released = async move {
                routes::until(|| tails.load(Ordering::SeqCst) >= 30).await;
            };
            return Reply::text("released\n").when(released);
        }
        counted.fetch_add(1, Ordering::SeqCst);
        Reply::text("tail\n")
    });
    let mut list = vec![s.url("/head")];
    list.extend((0..30).map(|i| s.url(&format!("/tail/{i}"))));
    let started = Instant::now();
    let run = gather().args(["-j", "4"]).args(&list).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.records()[0]["text"], "released\n");
    assert_eq!(run.urls(), list);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the head waited for nothing"
    );
}

#[test]
fn counts_characters_not_bytes() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/utf8" => Reply::text("héllo wörld ✓ 日本語 🎉 and more text after it\n"),
        "/latin1" => Reply::status(200)
            .header("content-type", "text/html; charset=ISO-8859-1")
            .body(b"caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu\n"),
        _ => {
            let mut body = vec![0xFF, 0xFE];
            for unit in "ünïcödé via BOM".encode_utf16() {
                body.extend_from_slice(&unit.to_le_bytes());
            }
            Reply::status(200)
                .header("content-type", "text/plain")
                .body(&body)
        }
    });
    let cases = [
        ("/utf8", "12", "héllo wörld "),
        ("/utf8", "17", "héllo wörld ✓ 日本語"),
        ("/utf8", "19", "héllo wörld ✓ 日本語 🎉"),
        ("/latin1", "4", "café"),
        ("/latin1", "17", "café crème brûlée"),
        ("/utf16bom", "7", "ünïcödé"),
    ];
    for (path, n, expected) in cases {
        let run = gather().args(["-n", n, &s.url(path)]).jsonl();
        assert_eq!(run.code, Some(0), "{path}: {}", run.stderr);
        assert_eq!(run.records()[0]["text"], expected, "{path} -n {n}");
    }
}

#[test]
fn only_the_prefix_of_a_large_page_is_read() {
    let big = raw::big(1_000_000_000);
    let run = gather().args(["-n", "5", &big.url("/")]).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let record = &run.records()[0];
    assert_eq!(record["text"], "xxxxx");
    let bytes = record["bytes"].as_u64().unwrap();
    assert!(
        bytes < 1 << 20,
        "read {bytes} bytes for a 5-character prefix"
    );
}

#[test]
fn fail_fast_cancels_everything_in_flight_and_exits_1() {
    let (hanging, hangs) = raw::hang();
    let waiting = Arc::clone(&hangs);
    let later = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&later);
    // Fails only once both hanging requests have arrived, so they are in flight.
    let s = routes::http(move |seen| {
        if seen.target == "/fail" {
            let hangs = Arc::clone(&waiting);
            return Reply::status(500).when(async move {
                routes::until(|| hangs.arrived() >= 2).await;
            });
        }
        counted.fetch_add(1, Ordering::SeqCst);
        Reply::text("never\n")
    });
    let mut list = vec![hanging.url("/a"), hanging.url("/b"), s.url("/fail")];
    list.extend((0..20).map(|i| s.url(&format!("/never-{i}"))));
    // The -t limit is far beyond the run limit: only fail-fast can end this run.
    let run = gather().args(["-j", "3", "-t", "600"]).args(&list).run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains(&s.url("/fail")), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 500"), "{}", run.stderr);
    assert!(run.stderr.contains("argument 3"), "{}", run.stderr);
    // The hanging requests were aborted: the server saw both connections close.
    let closed = eventually(|| hangs.closed() == 2);
    assert!(closed, "{} of 2 hanging requests cancelled", hangs.closed());
    assert_eq!(
        later.load(Ordering::SeqCst),
        0,
        "a URL started after the failure"
    );
}

#[test]
fn fail_fast_prints_the_records_before_the_failure() {
    let s = routes::http(pages);
    let list = [
        s.url("/ffp-1"),
        s.url("/ffp-2"),
        s.url("/status/404"),
        s.url("/ffp-4"),
    ];
    let run = gather().args(["-j", "1"]).args(&list).jsonl();
    assert_eq!(run.code, Some(1));
    let records = run.records();
    let oks: Vec<_> = records.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, true, false]);
    assert_eq!(records[2]["status"], 404);
    assert!(
        s.seen_at("/ffp-4").is_empty(),
        "a URL after the failure was fetched"
    );
}

#[test]
fn isolate_reports_every_record_with_failures_in_place() {
    let s = routes::http(pages);
    let list = [
        s.url("/iso-1"),
        s.url("/status/404"),
        s.url("/iso-3"),
        "http://127.0.0.1:1/refused".to_string(),
        s.url("/iso-5"),
    ];
    for flag in ["-k", "--isolate", "--keep-going"] {
        let run = gather().arg(flag).args(&list).jsonl();
        assert_eq!(run.code, Some(1), "{flag}");
        assert_eq!(run.urls(), list);
        let records = run.records();
        let oks: Vec<_> = records.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
        assert_eq!(oks, [true, false, true, false, true]);
        assert_eq!(records[1]["error_kind"], "status");
        // A failed response keeps what it said.
        assert_eq!(records[1]["text"], "status 404\n");
        assert_eq!(records[1]["ok"], false);
        assert_eq!(records[3]["error_kind"], "connect");
        assert_eq!(records[3]["status"], serde_json::Value::Null);
        assert!(
            support::error_of(&records[3]).contains("refused"),
            "{}",
            records[3]
        );
        assert_eq!(records[2]["text"], "page iso-3\n");
    }
}

#[test]
fn text_format_has_head_style_headers_and_says_why_a_record_failed() {
    let s = routes::http(pages);
    let run = gather()
        .args(["-k", "-q", &s.url("/txt-1"), &s.url("/status/503")])
        .run();
    assert_eq!(run.code, Some(1));
    let expected = format!(
        "==> {} <== 200 OK · T\npage txt-1\n\n==> {} <== FAILED: HTTP 503 Service Unavailable is not accepted \
         (accepted: 200..=299; change with --accept)\nstatus 503\n",
        s.url("/txt-1"),
        s.url("/status/503")
    );
    assert_eq!(steady(&run.stdout), expected);
    assert_eq!(run.stderr, "", "-q keeps stderr free of the summary");
}

#[test]
fn accept_widens_what_counts_as_success() {
    let s = routes::http(pages);
    let url = s.url("/status/404");
    let run = gather()
        .args(["-q", "--accept", "200..=299,404", &url])
        .run();
    assert_eq!(run.code, Some(0));
    assert_eq!(
        steady(&run.stdout),
        format!("==> {url} <== 404 Not Found · T\nstatus 404\n")
    );
}

#[test]
fn exit_0_when_everything_succeeds_and_summary_goes_to_stderr() {
    let s = routes::http(pages);
    let run = gather().args([s.url("/ex0-1"), s.url("/ex0-2")]).run();
    assert_eq!(run.code, Some(0));
    assert!(
        !run.stdout.contains("ok,"),
        "the summary leaked into stdout: {}",
        run.stdout
    );
    assert!(run.stderr.contains("2 ok, 0 failed"), "{}", run.stderr);
}

#[test]
fn exit_2_for_usage_errors_before_any_request() {
    let s = routes::http(pages);
    for args in [
        vec!["-j", "0"],
        vec!["-t", "0"],
        vec!["--accept", "2yy"],
        vec!["--format", "yaml"],
        vec!["--no-such-flag"],
    ] {
        let run = gather().args(&args).arg(s.url("/never")).run();
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?} gave no message");
    }
    assert!(s.seen().is_empty());
}

#[test]
fn bad_lines_are_all_reported_with_file_and_line_and_nothing_is_fetched() {
    let s = routes::http(pages);
    let list = list_file(&format!(
        "# smoke list\n{}\nexample.com/no-scheme\n\nftp://files.example/x\n{}\nhttp://\n",
        s.url("/never-1"),
        s.url("/never-2")
    ));
    let run = gather().arg("-i").arg(list.path()).run();
    assert_eq!(run.code, Some(2));
    let name = shown(&list);
    for line in [3, 5, 7] {
        assert!(
            run.stderr.contains(&format!("{name}:{line}:")),
            "line {line} missing: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(&format!("{name}:2:")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("3 bad entries"), "{}", run.stderr);
    assert!(
        run.stderr.contains("https://example.com/no-scheme"),
        "no hint: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert!(s.seen().is_empty(), "a URL was fetched despite bad input");
}

#[test]
fn a_bad_argument_is_named_by_position() {
    let run = gather()
        .args(["http://a.example/", "mailto:x@y.example"])
        .run();
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("argument 2: \"mailto:x@y.example\": unsupported scheme"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_empty_or_missing_list_is_a_usage_error() {
    let list = list_file("# nothing here\n\n");
    let run = gather().arg("-i").arg(list.path()).run();
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no URLs to fetch"), "{}", run.stderr);
    let missing = gather().args(["-i", "/no/such/list.txt"]).run();
    assert_eq!(missing.code, Some(2));
    assert!(
        missing.stderr.contains("/no/such/list.txt"),
        "{}",
        missing.stderr
    );
}

#[test]
fn urls_are_read_from_stdin_and_lists_in_order() {
    let s = routes::http(pages);
    let list = list_file(&format!("{}\n", s.url("/in-file")));
    let piped = format!("# from stdin\n{}\n", s.url("/in-stdin"));

    let implicit = gather().stdin(piped.clone()).jsonl();
    let records = implicit.records();
    assert_eq!(implicit.urls(), [s.url("/in-stdin")]);
    assert_eq!(records[0]["file"], "-");
    assert_eq!(records[0]["line"], 2);

    let mixed = gather()
        .args([&s.url("/in-arg"), "-i"])
        .arg(list.path())
        .args(["-i", "-"])
        .stdin(piped)
        .jsonl();
    assert_eq!(
        mixed.urls(),
        [s.url("/in-arg"), s.url("/in-file"), s.url("/in-stdin")]
    );
    assert_eq!(mixed.records()[1]["file"], shown(&list));
}

#[test]
fn ctrl_c_flushes_finished_records_and_exits_130() {
    let s = routes::http(pages);
    let (hanging, hangs) = raw::hang();
    let mut cmd = gather_process();
    cmd.args([
        "--format",
        "jsonl",
        &s.url("/int-1"),
        &hanging.url("/int-2"),
    ]);
    let mut run = Running::start(cmd);
    let first = run.read_until("int-1");
    // Signal only once the hanging request is really in flight.
    assert!(eventually(|| hangs.arrived() == 1));
    run.signal("INT");
    let (code, rest, stderr) = run.finish();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(first.contains("\"ok\":true"));
    assert!(rest.is_empty(), "nothing after the finished record: {rest}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(eventually(|| hangs.closed() == 1));
}

#[test]
fn sigterm_exits_143() {
    let s = routes::http(pages);
    let (hanging, _) = raw::hang();
    let mut cmd = gather_process();
    cmd.args([&s.url("/term-1"), &hanging.url("/term-2")]);
    let mut run = Running::start(cmd);
    run.read_until("page term-1");
    run.signal("TERM");
    let (code, _, stderr) = run.finish();
    assert_eq!(code, Some(143), "{stderr}");
    assert!(stderr.contains("terminated"), "{stderr}");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let s = routes::http(pages);
    let mut cmd = gather_process();
    // The first record written is a failure: the exit status is still 0, since
    // the reader took what it wanted (as `yes | head -1` ends).
    cmd.args(["-k", "-j", "4", "--format", "jsonl", &s.url("/status/404")]);
    cmd.args((0..300).map(|i| s.url(&format!("/pipe-{i}"))));
    let mut run = Running::start(cmd);
    run.read_until("status/404");
    // Closing our end of stdout is what `| head -1` does after its line.
    let Running { mut child, stdout } = run;
    drop(stdout);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn with_no_url_and_stdin_a_terminal_it_says_how_to_give_urls() {
    let shown = on_terminal("");
    assert!(shown.contains("no URLs given"), "{shown:?}");
    assert!(shown.contains("-i FILE"), "{shown:?}");
}

#[test]
fn a_progress_bar_is_drawn_only_when_stderr_is_a_terminal() {
    let s = routes::http(pages);
    let args = format!("{} {}", s.url("/bar-1"), s.url("/slow/1500/bar-2"));
    let shown = on_terminal(&args);
    assert!(
        shown.contains("ETA"),
        "no progress bar on a terminal: {shown:?}"
    );
    assert!(shown.contains("2 ok, 0 failed"), "{shown:?}");
    let piped = gather()
        .args([s.url("/bar-3"), s.url("/slow/1500/bar-4")])
        .run();
    assert!(
        !piped.stderr.contains("ETA"),
        "a bar was drawn into a pipe: {}",
        piped.stderr
    );
}

#[test]
fn the_summary_lists_what_failed_and_how_long_pages_took() {
    let s = routes::http(pages);
    let mut list: Vec<String> = (0..13).map(|i| s.url(&format!("/sum-{i}"))).collect();
    list.extend((0..12).map(|_| s.url("/status/500")));
    let run = gather().arg("-k").args(&list).run();
    assert_eq!(run.code, Some(1));
    let lines: Vec<&str> = run.stderr.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "gather: failed:")
        .expect(&run.stderr);
    assert!(lines[start + 1].starts_with(&format!(
        "  {} (argument 14): HTTP 500",
        s.url("/status/500")
    )));
    assert_eq!(lines[start + 11], "  and 2 more", "{}", run.stderr);
    assert!(
        lines[start + 12].starts_with("gather: slowest: "),
        "{}",
        run.stderr
    );
    assert!(
        lines[start + 13].starts_with("gather: latency: p50 "),
        "{}",
        run.stderr
    );
    assert!(
        lines[start + 14].starts_with("gather: 13 ok, 12 failed in "),
        "{}",
        run.stderr
    );
    // Fewer than 20 URLs: no latency lines.
    let short = gather().arg("-k").args(&list[..5]).run();
    assert!(!short.stderr.contains("latency"), "{}", short.stderr);
}

#[test]
fn ctrl_c_under_isolation_gives_every_url_its_record() {
    let s = routes::http(pages);
    let (hanging, hangs) = raw::hang();
    let mut cmd = gather_process();
    cmd.args([
        "-k",
        "--format",
        "jsonl",
        &s.url("/int-1"),
        &hanging.url("/int-2"),
    ])
    .arg(s.url("/int-3"));
    let mut run = Running::start(cmd);
    run.read_until("int-1");
    assert!(eventually(
        || hangs.arrived() == 1 && s.seen_at("/int-3").len() == 1
    ));
    run.signal("INT");
    let (code, rest, stderr) = run.finish();
    assert_eq!(code, Some(130), "{stderr}");
    let records: Vec<serde_json::Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{rest}");
    assert_eq!(records[0]["error_kind"], "interrupted", "{}", records[0]);
    assert_eq!(records[1]["text"], "page int-3\n");
    assert!(
        stderr.contains("1 URL was cut off and reported as interrupted"),
        "{stderr}"
    );
    assert!(stderr.contains("2 ok, 1 failed in "), "{stderr}");
}

#[test]
fn n_0_gives_a_status_per_url() {
    let s = routes::http(pages);
    let run = gather()
        .args(["-k", "-q", "-n", "0", &s.url("/up"), &s.url("/status/404")])
        .run();
    assert_eq!(run.code, Some(1));
    let expected = format!(
        "==> {} <== 200 OK · T\n\n==> {} <== FAILED: HTTP 404 Not Found is not accepted \
         (accepted: 200..=299; change with --accept)\n",
        s.url("/up"),
        s.url("/status/404")
    );
    assert_eq!(steady(&run.stdout), expected);
}
