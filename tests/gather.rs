//! End-to-end behaviour of the gather binary against the in-process server.

mod support;

use std::time::{Duration, Instant};

use support::{gather, gather_process, json_lines, on_terminal, seed, server, urls, Rng, Running};

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn records_come_out_in_input_order_under_random_delays() {
    let s = server();
    let mut rng = Rng(seed());
    let list: Vec<String> = (0..40)
        .map(|i| s.url(&format!("/delay/{}/order-{i}", rng.below(300))))
        .collect();
    let output = gather()
        .args(["-j", "8", "--format", "jsonl"])
        .args(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = json_lines(&output.stdout);
    assert_eq!(urls(&records), list);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["text"], format!("page order-{i}\n"));
        assert_eq!(record["ok"], true);
        assert_eq!(record["line"], i + 1);
    }
}

#[test]
fn the_first_record_is_written_before_a_slow_second_one_finishes() {
    let s = server();
    let mut cmd = gather_process();
    cmd.arg(s.url("/ok/stream-1"))
        .arg(s.url("/delay/20000/stream-2"));
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
    // The head answers only after the server has served all 30 tail URLs; with
    // -j 4 that happens only if gather keeps fetching while the head is pending.
    let s = server();
    let mut list = vec![s.url("/gate/hol/30")];
    list.extend((0..30).map(|i| s.url(&format!("/tail/hol/{i}"))));
    let output = gather()
        .args(["-j", "4", "--format", "jsonl"])
        .args(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = json_lines(&output.stdout);
    assert_eq!(records[0]["text"], "released\n");
    assert_eq!(urls(&records), list);
}

#[test]
fn counts_characters_not_bytes() {
    let s = server();
    let cases = [
        ("/utf8", "12", "héllo wörld "),
        ("/utf8", "17", "héllo wörld ✓ 日本語"),
        ("/utf8", "19", "héllo wörld ✓ 日本語 🎉"),
        ("/latin1", "4", "café"),
        ("/latin1", "17", "café crème brûlée"),
        ("/utf16bom", "7", "ünïcödé"),
    ];
    for (path, n, expected) in cases {
        let output = gather()
            .args(["--format", "jsonl", "-n", n, &s.url(path)])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{path}: {}",
            stderr_of(&output)
        );
        let records = json_lines(&output.stdout);
        assert_eq!(records[0]["text"], expected, "{path} -n {n}");
    }
}

#[test]
fn only_the_prefix_of_a_large_or_endless_body_is_read() {
    let s = server();
    let output = gather()
        .args([
            "--format",
            "jsonl",
            "-n",
            "5",
            &s.url("/big/1000000000"),
            &s.url("/endless"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let records = json_lines(&output.stdout);
    assert_eq!(records[0]["text"], "xxxxx");
    assert_eq!(records[1]["text"], "endle");
    for record in &records {
        let bytes = record["bytes"].as_u64().unwrap();
        assert!(
            bytes < 1 << 20,
            "read {bytes} bytes for a 5-character prefix"
        );
    }
}

#[test]
fn fail_fast_cancels_everything_in_flight_and_exits_1() {
    let s = server();
    let mut list = vec![
        s.url("/hang/ff-a"),
        s.url("/hang/ff-b"),
        s.url("/fail-when/ff-/2"),
    ];
    list.extend((0..20).map(|i| s.url(&format!("/ok/ff-never-{i}"))));
    // The -t limit is far beyond the run limit: only fail-fast can end this run.
    let started = Instant::now();
    let output = gather()
        .args(["-j", "3", "-t", "600"])
        .args(&list)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains(&s.url("/fail-when/ff-/2")), "{stderr}");
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    assert!(stderr.contains("argument 3"), "{stderr}");
    // The hanging requests were aborted: the server saw both connections close.
    assert!(
        s.wait_for("closed /hang/ff-a", Duration::from_secs(10)),
        "ff-a not cancelled"
    );
    assert!(
        s.wait_for("closed /hang/ff-b", Duration::from_secs(10)),
        "ff-b not cancelled"
    );
    // No new request started after the failure.
    assert!(s.events("/ok/ff-never-").is_empty());
    assert!(took < support::RUN_LIMIT, "fail-fast did not end the run");
}

#[test]
fn fail_fast_prints_the_records_before_the_failure() {
    let s = server();
    let output = gather()
        .args(["-j", "1", "--format", "jsonl"])
        .args([
            s.url("/ok/ffp-1"),
            s.url("/ok/ffp-2"),
            s.url("/status/404/ffp"),
            s.url("/ok/ffp-4"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let records = json_lines(&output.stdout);
    let oks: Vec<_> = records.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, true, false]);
    assert_eq!(records[2]["status"], 404);
    assert!(
        s.events("/ok/ffp-4").is_empty(),
        "a URL after the failure was fetched"
    );
}

#[test]
fn isolate_reports_every_record_with_failures_in_place() {
    let s = server();
    let list = [
        s.url("/ok/iso-1"),
        s.url("/status/404/iso"),
        s.url("/ok/iso-3"),
        "http://127.0.0.1:1/refused".to_string(),
        s.url("/ok/iso-5"),
    ];
    for flag in ["-k", "--isolate", "--keep-going"] {
        let output = gather()
            .args([flag, "--format", "jsonl"])
            .args(&list)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{flag}");
        let records = json_lines(&output.stdout);
        assert_eq!(urls(&records), list);
        let oks: Vec<_> = records.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
        assert_eq!(oks, [true, false, true, false, true]);
        assert_eq!(records[1]["error_kind"], "status");
        assert_eq!(records[1]["text"], serde_json::Value::Null);
        assert_eq!(records[3]["error_kind"], "connect");
        assert_eq!(records[3]["status"], serde_json::Value::Null);
        assert!(
            records[3]["error"].as_str().unwrap().contains("refused"),
            "{}",
            records[3]
        );
        assert_eq!(records[2]["text"], "page iso-3\n");
    }
}

#[test]
fn text_format_has_head_style_headers_and_says_why_a_record_failed() {
    let s = server();
    let output = gather()
        .args(["-k", "-q", &s.url("/ok/txt-1"), &s.url("/status/503/txt")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let expected = format!(
        "==> {} <==\npage txt-1\n\n==> {} <== FAILED: HTTP 503 Service Unavailable is not accepted \
         (accepted: 200..=299; change with --accept)\n",
        s.url("/ok/txt-1"),
        s.url("/status/503/txt")
    );
    assert_eq!(stdout_of(&output), expected);
    assert_eq!(
        stderr_of(&output),
        "",
        "-q keeps stderr free of the summary"
    );
}

#[test]
fn accept_widens_what_counts_as_success() {
    let s = server();
    gather()
        .args(["-q", "--accept", "200..=299,404", &s.url("/status/404/acc")])
        .assert()
        .code(0)
        .stdout(format!(
            "==> {} <==\nstatus 404\n",
            s.url("/status/404/acc")
        ));
}

#[test]
fn exit_0_when_everything_succeeds_and_summary_goes_to_stderr() {
    let s = server();
    let output = gather()
        .args([s.url("/ok/ex0-1"), s.url("/ok/ex0-2")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = stdout_of(&output);
    assert!(
        !stdout.contains("ok,"),
        "the summary leaked into stdout: {stdout}"
    );
    let stderr = stderr_of(&output);
    assert!(stderr.contains("2 ok, 0 failed"), "{stderr}");
}

#[test]
fn exit_2_for_usage_errors_before_any_request() {
    let s = server();
    for args in [
        vec!["-j", "0"],
        vec!["-t", "0"],
        vec!["--accept", "2xx"],
        vec!["--format", "yaml"],
        vec!["--no-such-flag"],
    ] {
        let output = gather()
            .args(&args)
            .arg(s.url("/ok/ex2-never"))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr_of(&output)
        );
        assert!(!stderr_of(&output).is_empty(), "{args:?} gave no message");
    }
    assert!(s.events("/ok/ex2-never").is_empty());
}

#[test]
fn bad_lines_are_all_reported_with_file_and_line_and_nothing_is_fetched() {
    let s = server();
    let dir = tempdir();
    let list = dir.join("list.txt");
    let content = format!(
        "# smoke list\n{}\nexample.com/no-scheme\n\nftp://files.example/x\n{}\nhttp://\n",
        s.url("/ok/bad-never-1"),
        s.url("/ok/bad-never-2")
    );
    std::fs::write(&list, content).unwrap();
    let output = gather().arg("-i").arg(&list).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    let name = list.display().to_string();
    for line in [3, 5, 7] {
        assert!(
            stderr.contains(&format!("{name}:{line}:")),
            "line {line} missing: {stderr}"
        );
    }
    assert!(!stderr.contains(&format!("{name}:2:")), "{stderr}");
    assert!(stderr.contains("3 bad entries"), "{stderr}");
    assert!(
        stderr.contains("https://example.com/no-scheme"),
        "no hint: {stderr}"
    );
    assert!(stdout_of(&output).is_empty());
    assert!(
        s.events("/ok/bad-never-").is_empty(),
        "a URL was fetched despite bad input"
    );
}

#[test]
fn a_bad_argument_is_named_by_position() {
    let output = gather()
        .args(["http://a.example/", "mailto:x@y.example"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("argument 2: \"mailto:x@y.example\": unsupported scheme"),
        "{stderr}"
    );
}

#[test]
fn an_empty_list_is_a_usage_error() {
    let dir = tempdir();
    let list = dir.join("empty.txt");
    std::fs::write(&list, "# nothing here\n\n").unwrap();
    let output = gather().arg("-i").arg(&list).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("no URLs to fetch"),
        "{}",
        stderr_of(&output)
    );
    let missing = gather().args(["-i", "/no/such/list.txt"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_of(&missing).contains("/no/such/list.txt"));
}

#[test]
fn urls_are_read_from_stdin_and_lists_in_order() {
    let s = server();
    let dir = tempdir();
    let list = dir.join("list.txt");
    std::fs::write(&list, format!("{}\n", s.url("/ok/in-file"))).unwrap();
    let piped = format!("# from stdin\n{}\n", s.url("/ok/in-stdin"));

    let implicit = gather()
        .args(["--format", "jsonl"])
        .write_stdin(piped.clone())
        .output()
        .unwrap();
    let records = json_lines(&implicit.stdout);
    assert_eq!(urls(&records), [s.url("/ok/in-stdin")]);
    assert_eq!(records[0]["file"], "-");
    assert_eq!(records[0]["line"], 2);

    let mixed = gather()
        .args(["--format", "jsonl", &s.url("/ok/in-arg"), "-i"])
        .arg(&list)
        .args(["-i", "-"])
        .write_stdin(piped)
        .output()
        .unwrap();
    let records = json_lines(&mixed.stdout);
    assert_eq!(
        urls(&records),
        [
            s.url("/ok/in-arg"),
            s.url("/ok/in-file"),
            s.url("/ok/in-stdin")
        ]
    );
    assert_eq!(records[1]["file"], list.display().to_string());
}

#[test]
fn ctrl_c_flushes_finished_records_and_exits_130() {
    let s = server();
    let mut cmd = gather_process();
    cmd.args([
        "--format",
        "jsonl",
        &s.url("/ok/int-1"),
        &s.url("/hang/int-2"),
    ]);
    let mut run = Running::start(cmd);
    let first = run.read_until("int-1");
    // Signal only once the hanging request is really in flight.
    assert!(s.wait_for("hit /hang/int-2", Duration::from_secs(10)));
    run.signal("INT");
    let (code, rest, stderr) = run.finish();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(first.contains("\"ok\":true"));
    assert!(rest.is_empty(), "nothing after the finished record: {rest}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(s.wait_for("closed /hang/int-2", Duration::from_secs(10)));
}

#[test]
fn sigterm_exits_143() {
    let s = server();
    let mut cmd = gather_process();
    cmd.args([&s.url("/ok/term-1"), &s.url("/hang/term-2")]);
    let mut run = Running::start(cmd);
    run.read_until("page term-1");
    run.signal("TERM");
    let (code, _, stderr) = run.finish();
    assert_eq!(code, Some(143), "{stderr}");
    assert!(stderr.contains("terminated"), "{stderr}");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let s = server();
    let mut cmd = gather_process();
    cmd.args(["-j", "4", "--format", "jsonl"]);
    cmd.args((0..300).map(|i| s.url(&format!("/ok/pipe-{i}"))));
    let mut run = Running::start(cmd);
    run.read_until("pipe-0");
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
    let s = server();
    let args = format!("{} {}", s.url("/ok/bar-1"), s.url("/delay/1500/bar-2"));
    let shown = on_terminal(&args);
    assert!(
        shown.contains("ETA"),
        "no progress bar on a terminal: {shown:?}"
    );
    assert!(shown.contains("2 ok, 0 failed"), "{shown:?}");
    let piped = gather()
        .args([s.url("/ok/bar-3"), s.url("/delay/1500/bar-4")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains("ETA"),
        "a bar was drawn into a pipe: {stderr}"
    );
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gather-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
