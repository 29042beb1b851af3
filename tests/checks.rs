//! The checks a smoke test puts on each page besides its status: texts and
//! patterns it must or must not contain, headers it must or must not carry, and
//! how long it may take. Each test runs its own small server.

mod support;

use std::time::Duration;

use support::routes::{self, Reply};
use support::{error_of, gather, Run};

/// Runs gather in isolate mode with JSON Lines output.
fn isolated(args: &[&str]) -> Run {
    gather().arg("-k").args(args).jsonl()
}

/// A server with a healthy page, a page in maintenance and a JSON API.
fn site() -> routes::TestServer {
    routes::http(|seen| match seen.target.as_str() {
        "/maintenance" => Reply::text(&format!(
            "{}The site is down for Maintenance until 5pm.",
            "padding ".repeat(2000)
        )),
        "/api" => Reply::status(200)
            .header("content-type", "application/json")
            .header("x-debug", "on")
            .body(br#"{"status": "ok", "version": "2.1"}"#),
        "/slow" => Reply::text("slow but fine").after(Duration::from_millis(300)),
        _ => Reply::text("Welcome home. All systems go."),
    })
}

#[test]
fn a_rejected_text_fails_the_page_and_quotes_where_it_was() {
    let s = site();
    let run = isolated(&[
        "--reject",
        "Maintenance",
        &s.url("/"),
        &s.url("/maintenance"),
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let records = run.records();
    assert_eq!(records[0]["ok"], true, "{}", records[0]);
    let failed = &records[1];
    assert_eq!(failed["error_kind"], "reject", "{failed}");
    assert_eq!(failed["status"], 200);
    assert_eq!(
        error_of(failed),
        r#"found rejected text "Maintenance" in "… padding The site is down for Maintenance until 5pm.""#
    );
    // The record keeps the page's prefix, as other failed checks do.
    assert!(failed["text"].as_str().unwrap().starts_with("padding"));
}

#[test]
fn regexes_must_match_or_must_not() {
    let s = site();
    let run = isolated(&[
        "--expect-regex",
        r#""status":\s*"ok""#,
        "--reject-regex",
        r"[Ee]rror \d+",
        &s.url("/api"),
        &s.url("/"),
    ]);
    let records = run.records();
    assert_eq!(records[0]["ok"], true, "{}", records[0]);
    assert_eq!(records[1]["error_kind"], "expect", "{}", records[1]);
    assert!(
        error_of(&records[1]).contains(r#"expected text not found: /"status":\s*"ok"/"#),
        "{}",
        records[1]
    );
    let run = isolated(&[
        "--reject-regex",
        r"Mainten\w+ until \d+pm",
        &s.url("/maintenance"),
    ]);
    let record = &run.records()[0];
    assert_eq!(record["error_kind"], "reject", "{record}");
    assert!(
        error_of(record).starts_with(r"found rejected pattern /Mainten\w+ until \d+pm/ in"),
        "{record}"
    );
}

#[test]
fn headers_must_be_present_and_match_or_be_absent() {
    let s = site();
    let run = isolated(&[
        "--expect-header",
        "Content-Type: json",
        &s.url("/api"),
        &s.url("/"),
    ]);
    let records = run.records();
    assert_eq!(records[0]["ok"], true, "{}", records[0]);
    assert_eq!(records[1]["error_kind"], "header", "{}", records[1]);
    assert_eq!(
        error_of(&records[1]),
        r#"header content-type is "text/plain; charset=utf-8", which does not match /json/"#
    );
    assert_eq!(records[1]["text"], "Welcome home. All systems go.");
    let run = isolated(&[
        "--reject-header",
        "X-Debug",
        "--expect-header",
        "ETag",
        &s.url("/api"),
    ]);
    let record = &run.records()[0];
    assert_eq!(error_of(record), "header etag is missing", "{record}");
    let run = isolated(&["--reject-header", "X-Debug", &s.url("/api")]);
    let record = &run.records()[0];
    assert_eq!(
        error_of(record),
        r#"header x-debug is present ("on") but was rejected with --reject-header"#
    );
}

#[test]
fn a_slow_answer_fails_but_keeps_its_text_status_and_time() {
    let s = site();
    let run = isolated(&["--max-latency", "100ms", &s.url("/slow"), &s.url("/")]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let records = run.records();
    let slow = &records[0];
    assert_eq!(slow["error_kind"], "slow", "{slow}");
    assert_eq!(slow["status"], 200);
    assert_eq!(slow["text"], "slow but fine");
    assert!(slow["elapsed_ms"].as_u64().unwrap() >= 300, "{slow}");
    assert!(
        error_of(slow).ends_with("more than --max-latency 0.10s"),
        "{slow}"
    );
    assert_eq!(records[1]["ok"], true, "{}", records[1]);
}

#[test]
fn bad_checks_are_usage_errors_before_anything_is_fetched() {
    let s = site();
    for (args, says) in [
        (&["--expect-regex", "("][..], "not a valid regex"),
        (&["--reject", ""][..], "--reject needs a text"),
        (
            &["--expect-header", "Bad Name: x"][..],
            "is not a header name",
        ),
        (&["--reject-header", "a b"][..], "is not a header name"),
        (
            &["--max-latency", "0"][..],
            "--max-latency must be more than 0",
        ),
    ] {
        let run = isolated(&[args, &[s.url("/").as_str()]].concat());
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    assert!(s.seen().is_empty(), "a URL was fetched despite a bad check");
}
