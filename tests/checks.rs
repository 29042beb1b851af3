//! The checks a smoke test puts on each page besides its status: texts and
//! patterns it must or must not contain, headers it must or must not carry, and
//! how long it may take. Each test runs its own small server.

mod support;

use std::time::Duration;

use support::routes::{self, Reply};
use support::{error_of, gather, list_file, shown, Run};

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
        r#"found rejected text "Maintenance" in "…padding The site is down for Maintenance until 5pm.""#
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
            "is not a valid header name",
        ),
        (
            &["--reject-header", "a b"][..],
            "is not a valid header name",
        ),
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

/// The deploy site: a home page, a moved page, a health API, a feed and an about page.
fn deploy_site(home: &'static str) -> routes::TestServer {
    routes::http(move |seen| match seen.target.as_str() {
        "/" => Reply::text(home),
        "/old-pricing" => Reply::redirect(301, "/pricing"),
        "/health" => Reply::status(200)
            .header("content-type", "application/json")
            .body(br#"{"status": "ok"}"#),
        "/feed.xml" => Reply::status(200)
            .header("content-type", "application/rss+xml")
            .body(b"<rss/>"),
        "/about" if seen.header("x-team") == Some("web") => {
            Reply::text("About us, by the web team")
        }
        _ => Reply::status(404),
    })
}

/// The issue's deploy list, pointed at `base`.
fn deploy_list(base: &str) -> String {
    format!(
        "# deploy/urls.txt\n\
         {base}/                 --expect 'Welcome' --reject 'Maintenance'\n\
         {base}/old-pricing      --accept 301 --max-redirects 0\n\
         {base}/health       --expect-regex '\"status\":\\s*\"ok\"' --max-latency 800ms\n\
         {base}/feed.xml         --expect-header 'Content-Type: xml'   # a trailing comment\n\
         {base}/about   -H 'X-Team: web' -n 8\n"
    )
}

#[test]
fn each_list_line_carries_its_own_checks() {
    let s = deploy_site("Welcome home");
    let list = list_file(&deploy_list(&s.url("")));
    let run = isolated(&["-i", &shown(&list)]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let records = run.records();
    assert_eq!(records.len(), 5);
    assert_eq!(records[1]["status"], 301);
    assert_eq!(records[1]["location"], s.url("/pricing"));
    assert_eq!(records[4]["text"], "About us");
    // Options on a line are that line's: the others keep the command line's.
    let seen = s.seen();
    assert!(seen.iter().filter(|r| r.header("x-team").is_some()).count() == 1);

    // Read from stdin (held, not read twice) and with --stream, the lines keep their options.
    for stream in [false, true] {
        let args: &[&str] = if stream { &["-k", "--stream"] } else { &["-k"] };
        let run = gather().args(args).stdin(deploy_list(&s.url(""))).jsonl();
        assert_eq!(run.code, Some(0), "--stream {stream}: {}", run.stdout);
        assert_eq!(run.records()[4]["text"], "About us", "--stream {stream}");
    }

    // The same list on a day the home page is down for maintenance.
    let s = deploy_site("Welcome! Down for Maintenance until 5pm");
    let list = list_file(&deploy_list(&s.url("")));
    let run = isolated(&["-i", &shown(&list)]);
    assert_eq!(run.code, Some(1));
    let home = &run.records()[0];
    assert_eq!(home["error_kind"], "reject", "{home}");
    assert_eq!(home["line"], 2);
    assert_eq!(home["file"], shown(&list));
}

#[test]
fn a_line_option_that_cannot_be_used_stops_the_run_before_anything_is_fetched() {
    let s = deploy_site("Welcome home");
    let base = s.url("");
    let list = list_file(&format!(
        "{base}/ -j 4\n{base}/ --expect\n{base}/ --expect 'unclosed\n{base}/ {base}/about\n{base}/ # fine\n"
    ));
    let run = isolated(&["-i", &shown(&list)]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let name = shown(&list);
    for (line, says) in [
        (1, "-j/--concurrency applies to the whole run"),
        (2, "a value is required for '--expect <TEXT>'"),
        (3, "a quote in the options is never closed"),
        (4, "a line holds one URL"),
    ] {
        let place = format!("{name}:{line}:");
        let reported = run.stderr.lines().find(|l| l.contains(&place));
        assert!(
            reported.is_some_and(|l| l.contains(says)),
            "line {line}: {}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("4 bad entries"), "{}", run.stderr);
    assert!(s.seen().is_empty(), "a URL was fetched despite bad lines");
}

#[test]
fn paths_in_a_list_resolve_against_base_and_need_it() {
    let s = deploy_site("Welcome home");
    let list =
        list_file("/   --expect Welcome\n/health --expect-regex ok\n/about -H 'X-Team: web'\n");
    let run = isolated(&["--base", &s.url("/"), "-i", &shown(&list), "/feed.xml"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let urls: Vec<String> = run
        .records()
        .iter()
        .map(|record| record["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        urls,
        [
            s.url("/feed.xml"),
            s.url("/"),
            s.url("/health"),
            s.url("/about")
        ]
    );
    // Without --base a path is a bad line that says what to add.
    let run = isolated(&["-i", &shown(&list)]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(&format!("{}:1:", shown(&list)))
            && run
                .stderr
                .contains("a path, not a URL: give the site it is on with --base URL"),
        "{}",
        run.stderr
    );
    let run = isolated(&["--base", "example.com", &s.url("/")]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--base"), "{}", run.stderr);
}

#[test]
fn retry_all_with_retry_for_waits_until_the_new_version_is_live() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    // The third request and later get the new version.
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let s = routes::http(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::text("Old version")
        } else {
            Reply::text("New version")
        }
    });
    // Without --retry-all a failed check is final.
    let run = isolated(&["--retries", "3", "--expect", "New version", &s.url("/")]);
    assert_eq!(run.records()[0]["attempts"], 1);
    assert_eq!(run.records()[0]["error_kind"], "expect");
    // --retry-all retries it up to --retries.
    served.store(0, Ordering::SeqCst);
    let run = isolated(&[
        "--retry-all",
        "--retries",
        "1",
        "--expect",
        "New version",
        &s.url("/"),
    ]);
    assert_eq!(run.records()[0]["attempts"], 2, "{}", run.records()[0]);
    assert_eq!(run.code, Some(1));
    // --retry-for keeps going, whatever --retries says, until the page passes.
    served.store(0, Ordering::SeqCst);
    let run = isolated(&[
        "--retry-all",
        "--retry-for",
        "30s",
        "--expect",
        "New version",
        &s.url("/"),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.records()[0]["attempts"], 3);
    assert_eq!(run.records()[0]["text"], "New version");
    // …and gives up once its time is over.
    let run = isolated(&[
        "--retry-all",
        "--retry-for",
        "1s",
        "--expect",
        "never there",
        &s.url("/"),
    ]);
    assert_eq!(run.code, Some(1));
    let attempts = run.records()[0]["attempts"].as_u64().unwrap();
    assert!(attempts >= 2, "{}", run.records()[0]);
}

#[test]
fn a_sitemap_file_url_or_index_gives_its_pages_with_their_lines() {
    use std::io::Write;
    let s = routes::http(|seen| {
        let base = format!("http://{}", seen.host);
        let urlset = format!(
            "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
             <url><loc>{base}/a</loc></url>\n<url><loc>{base}/b?x=1&amp;y=2</loc></url>\n</urlset>\n"
        );
        match seen.target.as_str() {
            "/sitemap.xml" => Reply::status(200)
                .header("content-type", "application/xml")
                .body(urlset.as_bytes()),
            "/pages.xml.gz" => {
                let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                gzip.write_all(urlset.as_bytes()).unwrap();
                Reply::status(200)
                    .header("content-type", "application/gzip")
                    .body(&gzip.finish().unwrap())
            }
            "/index.xml" => Reply::status(200).body(
                format!(
                    "<sitemapindex>\n<sitemap><loc>{base}/pages.xml.gz</loc></sitemap>\n</sitemapindex>"
                )
                .as_bytes(),
            ),
            "/a" => Reply::text("page a"),
            "/b?x=1&y=2" => Reply::text("page b"),
            _ => Reply::status(404),
        }
    });
    let run = isolated(&["--sitemap", &s.url("/sitemap.xml")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let records = run.records();
    assert_eq!(records[1]["text"], "page b");
    assert_eq!(records[1]["file"], s.url("/sitemap.xml"));
    assert_eq!(records[1]["line"], 4);
    let run = isolated(&["--sitemap", &s.url("/index.xml")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.records()[0]["file"], s.url("/pages.xml.gz"));
    assert_eq!(run.records()[0]["text"], "page a");
    // A file works the same, and a sitemap that cannot be had stops the run.
    let file = list_file(&format!(
        "<urlset><url><loc>{}</loc></url></urlset>",
        s.url("/a")
    ));
    let run = isolated(&["--sitemap", &shown(&file)]);
    assert_eq!(run.records()[0]["line"], 1);
    let run = isolated(&["--sitemap", &s.url("/missing.xml")]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("could not fetch it: HTTP 404 Not Found"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_heartbeat_says_which_url_waits_to_retry_and_why() {
    use std::time::Instant;
    // The new version goes live 6.5 s after the first request.
    let live_at = std::sync::Mutex::new(None::<Instant>);
    let s = routes::http(move |_| {
        let mut live = live_at.lock().unwrap();
        let live = *live.get_or_insert_with(|| Instant::now() + Duration::from_millis(6500));
        if Instant::now() < live {
            Reply::text("Old version")
        } else {
            Reply::text("New version")
        }
    });
    let url = s.url("/");
    let run = gather()
        .args([
            "--retry-all",
            "--retry-for",
            "30s",
            "--expect",
            "New version",
            &url,
        ])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let beat = run
        .stderr
        .lines()
        .find(|line| line.contains("waiting to retry"))
        .unwrap_or_else(|| panic!("no heartbeat naming the wait: {}", run.stderr));
    assert!(
        beat.contains(&format!(
            "1 waiting to retry, first {url} (argument 1): attempt "
        )) && beat.contains(r#"failed: expected text not found: "New version""#),
        "{beat}"
    );
}

#[test]
fn a_sitemap_that_drips_is_cut_off_by_the_timeout() {
    let drip = support::raw::drip();
    let run = isolated(&["-t", "0.5", "--sitemap", &drip.url("/sitemap.xml")]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("timed out after 0.50s (raise with --timeout)"),
        "{}",
        run.stderr
    );
}
