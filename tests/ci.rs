//! For CI and scripts: machine formats, assertions, retries, politeness, sharding,
//! proxies, shell integration and the heartbeat. Each test runs its own server.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::routes::{self, Cert, Reply};
use support::{gather, list_file, raw, shown};

/// Answers `/status/CODE` with that status and anything else with `page PATH`.
fn page(target: &str) -> Reply {
    match target.strip_prefix("/status/") {
        Some(code) => {
            let code = code.parse().unwrap_or(500);
            Reply::status(code).body(format!("status {code}\n").as_bytes())
        }
        None => Reply::text(&format!("page {target}\n")),
    }
}

/// A list file of `urls` with a comment on line 1, so URL k sits on line k + 2.
fn list_of(urls: &[String]) -> tempfile::NamedTempFile {
    list_file(&format!("# list\n{}\n", urls.join("\n")))
}

#[test]
fn json_is_one_valid_array_whose_records_carry_their_source() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/moved" => Reply::redirect(302, "/landed"),
        "/landed" => Reply::text("landed\n"),
        other => page(other),
    });
    let list = list_of(&[s.url("/json-1"), s.url("/status/404")]);
    let run = gather()
        .args(["-k", "--format", "json", &s.url("/moved"), "-i"])
        .arg(list.path())
        .run();
    assert_eq!(run.code, Some(1));
    let records: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let records = records.as_array().expect("an array");
    assert_eq!(records.len(), 3);
    let arg = &records[0];
    assert_eq!(
        (arg["file"].is_null(), &arg["line"], &arg["index"]),
        (true, &1.into(), &0.into())
    );
    assert_eq!(arg["final_url"], s.url("/landed"));
    assert_eq!(arg["attempts"], 1);
    assert_eq!(arg["bytes"], 7);
    assert_eq!(records[1]["file"], shown(&list));
    assert_eq!(records[1]["line"], 2);
    assert_eq!(records[2]["line"], 3);
    assert_eq!(records[2]["error_kind"], "status");

    // Fail-fast still closes the array.
    let early = gather()
        .args(["--format", "json", &s.url("/status/500")])
        .run();
    let parsed: serde_json::Value =
        serde_json::from_str(&early.stdout).expect("valid after fail-fast");
    assert_eq!(parsed.as_array().map(Vec::len), Some(1));
}

#[test]
fn tsv_has_a_header_and_one_escaped_line_per_record() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/escape" => Reply::text("title\x1b]0;pwned\x07 clear\x1b[2J bell\x07 tab\tend\n"),
        _ => Reply::status(503),
    });
    let run = gather()
        .args([
            "-k",
            "--format",
            "tsv",
            "-n",
            "60",
            &s.url("/escape"),
            &s.url("/busy"),
        ])
        .run();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(&header[..4], ["url", "status", "ok", "text"]);
    for column in ["file", "line", "attempts", "final_url", "bytes", "location"] {
        assert!(header.contains(&column), "no {column} column");
    }
    for line in &lines[1..] {
        assert_eq!(line.split('\t').count(), header.len(), "{line}");
    }
    let first: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!((first[1], first[2]), ("200", "true"));
    assert!(first[3].contains("tab\\tend\\n"), "{}", first[3]);
    let second: Vec<&str> = lines[2].split('\t').collect();
    assert_eq!((second[1], second[2], second[3]), ("503", "false", ""));
    assert!(second[4].starts_with("HTTP 503"), "{}", second[4]);
}

fn parse_junit(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"))
}

fn testsuite<'a>(doc: &'a roxmltree::Document<'a>) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite")
}

/// The testsuite's tests, failures and skipped counts.
fn counts<'a>(
    suite: roxmltree::Node<'a, '_>,
) -> (Option<&'a str>, Option<&'a str>, Option<&'a str>) {
    (
        suite.attribute("tests"),
        suite.attribute("failures"),
        suite.attribute("skipped"),
    )
}

#[test]
fn junit_has_a_testcase_per_url_with_failures_and_counts() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/binary" => {
            let body: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
            Reply::status(200)
                .header("content-type", "application/octet-stream")
                .body(&body)
        }
        other => page(other),
    });
    let list = list_of(&[s.url("/junit-1"), s.url("/status/500"), s.url("/binary")]);
    let run = gather()
        .args(["-k", "--format", "junit", "-i"])
        .arg(list.path())
        .run();
    assert_eq!(run.code, Some(1));
    let doc = parse_junit(&run.stdout);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    assert_eq!(suite.attribute("tests"), Some("3"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert_eq!(suite.attribute("errors"), Some("0"));
    assert!(suite.attribute("time").unwrap().parse::<f64>().is_ok());
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(
        cases[1].attribute("name"),
        Some(s.url("/status/500").as_str())
    );
    assert_eq!(cases[1].attribute("classname"), Some(shown(&list).as_str()));
    let out = cases[1]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .expect("system-out");
    let source = format!("source: {}:3\n", shown(&list));
    assert!(
        out.text().unwrap_or_default().starts_with(&source),
        "{:?}",
        out.text()
    );
    keeps_to_jenkins_schema(&doc);
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert!(failure
        .attribute("message")
        .unwrap()
        .starts_with("HTTP 500"));
    assert_eq!(failure.attribute("type"), Some("status"));
    assert!(!cases[0].children().any(|n| n.has_tag_name("failure")));
}

/// The attribute and element rules of Jenkins' junit-10.xsd, which the strictest
/// reporters validate against: anything else there makes the report invalid.
fn keeps_to_jenkins_schema(doc: &roxmltree::Document) {
    let allowed: &[(&str, &[&str])] = &[
        (
            "testsuites",
            &["name", "time", "tests", "failures", "errors"],
        ),
        (
            "testsuite",
            &["name", "tests", "failures", "errors", "time", "skipped"],
        ),
        ("testcase", &["name", "time", "classname"]),
        ("failure", &["type", "message"]),
        ("skipped", &["type", "message"]),
        ("system-out", &[]),
    ];
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        let (_, attributes) = allowed
            .iter()
            .find(|(name, _)| *name == tag)
            .unwrap_or_else(|| panic!("element <{tag}> is not in the schema"));
        for attribute in node.attributes() {
            assert!(
                attributes.contains(&attribute.name()),
                "<{tag} {}> is not in the schema",
                attribute.name()
            );
        }
        if let Some(time) = node.attribute("time") {
            assert!(
                time.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "time {time:?}"
            );
        }
    }
    let suite = testsuite(doc);
    for required in ["name", "tests", "failures", "errors"] {
        assert!(
            suite.attribute(required).is_some(),
            "testsuite needs {required}"
        );
    }
}

#[test]
fn junit_marks_urls_a_fail_fast_run_never_fetched_as_skipped() {
    let s = routes::http(|seen| page(&seen.target));
    let list = [
        s.url("/jff-1"),
        s.url("/status/500"),
        s.url("/jff-3"),
        s.url("/jff-4"),
    ];
    let run = gather()
        .args(["-j", "1", "--format", "junit"])
        .args(&list)
        .run();
    assert_eq!(run.code, Some(1));
    let doc = parse_junit(&run.stdout);
    let suite = testsuite(&doc);
    assert_eq!(counts(suite), (Some("4"), Some("1"), Some("2")));
    let skipped = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .count();
    assert_eq!(skipped, 2);
    keeps_to_jenkins_schema(&doc);
}

#[test]
fn github_annotates_failures_at_their_file_and_line_and_writes_a_step_summary() {
    let s = routes::http(|seen| page(&seen.target));
    let list = list_of(&[s.url("/gh-1"), s.url("/status/404")]);
    let summary = list_file("earlier step\n");
    let run = gather()
        .args(["-k", "--format", "github", "-i"])
        .arg(list.path())
        .arg("http://127.0.0.1:1/gh-arg")
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .run();
    assert_eq!(run.code, Some(1));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one annotation per failure: {}", run.stdout);
    let file = shown(&list).replace(':', "%3A").replace(',', "%2C");
    // Arguments come before lists: the argument's failure is first, with no file.
    assert!(
        lines[0].starts_with("::error title="),
        "an argument has no file: {}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("::error file={file},line=3,title=")),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("::HTTP 404 Not Found"), "{}", lines[1]);
    let table = std::fs::read_to_string(summary.path()).unwrap();
    assert!(
        table.starts_with("earlier step\n"),
        "the summary was replaced, not appended"
    );
    assert!(table.contains("### gather: 1 ok, 2 failed"), "{table}");
    assert!(table.contains("| --- | --- |"));
    assert!(
        table.contains("| HTTP/1.1 |"),
        "the connection column: {table}"
    );
    // Failures come first: in input order the good page sits between the two
    // failures; in the table it is last.
    let last_row = table.lines().rev().find(|l| l.starts_with("| ")).unwrap();
    assert!(last_row.contains("✅"), "{table}");
    assert_eq!(
        table.matches("\n| ").count(),
        5,
        "header, separator, a row per URL: {table}"
    );
    // A summary file that cannot be written is a warning, and the records stand.
    let unwritable = gather()
        .args(["--format", "github", &s.url("/gh-2")])
        .env("GITHUB_STEP_SUMMARY", "/no/such/dir/summary.md")
        .run();
    assert_eq!(unwritable.code, Some(0));
    assert!(
        unwritable
            .stderr
            .contains("warning: could not append to $GITHUB_STEP_SUMMARY"),
        "{}",
        unwritable.stderr
    );
}

#[test]
fn expect_checks_the_body_beyond_the_printed_prefix() {
    let s = routes::http(|_| Reply::text("héllo wörld ✓ 日本語 🎉 and more text after it\n"));
    let url = s.url("/utf8");
    let found = gather()
        .args([
            "-n",
            "5",
            "--expect",
            "more text",
            "--expect",
            "日本語",
            &url,
        ])
        .jsonl();
    assert_eq!(found.code, Some(0), "{}", found.stderr);
    assert_eq!(found.records()[0]["text"], "héllo");

    let missing = gather()
        .args(["--expect", "héllo", "--expect", "Goodbye", &url])
        .jsonl();
    assert_eq!(missing.code, Some(1));
    let record = &missing.records()[0];
    assert_eq!(record["error_kind"], "expect");
    // The page's text is kept: what it said instead of what was expected.
    assert_eq!(
        record["text"].as_str().map(|t| t.starts_with("héllo")),
        Some(true)
    );
    let error = support::error_of(record);
    assert!(
        error.contains("\"Goodbye\"") && !error.contains("héllo"),
        "{error}"
    );
    assert!(error.contains("whole body"), "{error}");

    // Past --max-bytes the search stops, and the message says so.
    let capped = gather()
        .args(["--max-bytes", "20", "--expect", "more text", &url])
        .jsonl();
    let records = capped.records();
    let error = support::error_of(&records[0]);
    assert!(
        error.contains("first 20 bytes") && error.contains("--max-bytes"),
        "{error}"
    );
}

/// Fails with 503 for the first `failures` requests to each path, then answers.
fn flaky(failures: usize) -> routes::TestServer {
    let counts = Mutex::new(HashMap::<String, usize>::new());
    routes::http(move |seen| {
        let mut counts = counts.lock().unwrap();
        let seen_so_far = counts.entry(seen.target.clone()).or_default();
        *seen_so_far += 1;
        if *seen_so_far <= failures {
            Reply::status(503).body(b"busy\n")
        } else {
            Reply::text("recovered\n")
        }
    })
}

#[test]
fn retries_cure_transient_failures_and_are_counted() {
    let s = flaky(2);
    let run = gather().args(["--retries", "3", &s.url("/ok")]).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let record = &run.records()[0];
    assert_eq!(
        (record["attempts"].as_u64(), record["text"].as_str()),
        (Some(3), Some("recovered\n"))
    );

    let s = flaky(5);
    let exhausted = gather().args(["--retries", "1", &s.url("/out")]).jsonl();
    let record = &exhausted.records()[0];
    assert_eq!(
        (record["attempts"].as_u64(), record["status"].as_u64()),
        (Some(2), Some(503))
    );
    let text = gather().args(["--retries", "1", &s.url("/text")]).run();
    assert!(
        text.stdout.contains("(after 2 attempts)"),
        "{}",
        text.stdout
    );

    let s = routes::http(|_| Reply::status(404));
    let permanent = gather().args(["--retries", "3", &s.url("/gone")]).jsonl();
    assert_eq!(permanent.records()[0]["attempts"], 1);
    assert_eq!(s.seen().len(), 1, "a 404 is not transient");
}

#[test]
fn retry_after_is_honoured() {
    let asked = AtomicUsize::new(0);
    let s = routes::http(move |_| {
        if asked.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(429).header("retry-after", "1")
        } else {
            Reply::text("welcome back\n")
        }
    });
    let run = gather().args(["--retries", "1", &s.url("/")]).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let hits = s.seen();
    assert_eq!(hits.len(), 2);
    // A lower bound only: a busy machine can make the gap longer, never shorter.
    let gap = hits[1].at - hits[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, not after Retry-After: 1"
    );
}

#[test]
fn user_agent_and_headers_are_sent() {
    let s = routes::http(|_| Reply::text("ok"));
    gather().arg(s.url("/default")).run();
    let agent = format!("gather/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        s.seen_at("/default")[0].header("user-agent"),
        Some(agent.as_str())
    );
    gather()
        .args([
            "-A",
            "smoke-check/1",
            "-H",
            "X-Env: staging",
            &s.url("/custom"),
        ])
        .run();
    let custom = &s.seen_at("/custom")[0];
    assert_eq!(custom.header("user-agent"), Some("smoke-check/1"));
    assert_eq!(custom.header("x-env"), Some("staging"));
}

#[test]
fn proxies_come_from_the_environment() {
    let (proxy, notes) = raw::proxy();
    // The name never resolves: only a request through the proxy can answer it.
    let run = gather()
        .arg("http://gather-proxy-test.invalid/page")
        .env(
            "HTTP_PROXY",
            proxy.url("").replace("http://", "http://puser:ppass@"),
        )
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.records()[0]["text"], "via proxy\n");
    // base64("puser:ppass")
    let expected = "proxied http://gather-proxy-test.invalid/page with Basic cHVzZXI6cHBhc3M=";
    assert_eq!(*notes.lock().unwrap(), [expected]);
}

#[test]
fn https_goes_through_a_proxy_tunnel() {
    let (proxy, notes) = raw::proxy();
    let s = routes::http_and_https(Cert::SelfSigned, |_| Reply::text("secure page\n"));
    let url = format!("https://gather-tunnel-test.invalid:{}/page", s.port());
    let run = gather()
        .args(["--insecure", &url])
        .env(
            "HTTPS_PROXY",
            proxy.url("").replace("http://", "http://puser:ppass@"),
        )
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.records()[0]["text"], "secure page\n");
    let tunnel = format!(
        "tunnel gather-tunnel-test.invalid:{} with Basic cHVzZXI6cHBhc3M=",
        s.port()
    );
    assert_eq!(*notes.lock().unwrap(), [tunnel]);
    // NO_PROXY names the hosts that bypass it.
    let direct = gather()
        .args(["--insecure", &s.https_url("/direct")])
        .env("HTTPS_PROXY", proxy.url(""))
        .env("NO_PROXY", "127.0.0.1")
        .jsonl();
    assert_eq!(direct.code, Some(0), "{}", direct.stderr);
    assert_eq!(
        notes.lock().unwrap().len(),
        1,
        "the direct request went through the proxy"
    );
}

#[test]
fn https_servers_that_offer_http2_are_spoken_to_in_http2() {
    let s = routes::http_and_https(Cert::SelfSigned, |_| Reply::text("secure page\n"));
    let run = gather()
        .args([
            "--insecure",
            &s.https_url("/over-h2/1"),
            &s.https_url("/over-h2/2"),
        ])
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for record in run.records() {
        assert_eq!(record["text"], "secure page\n", "{record}");
    }
    // Both went over HTTP/2, the second with `Connection: close` (no later URL
    // shares its origin), which HTTP/2 forbids and the client must leave out.
    let versions: Vec<String> = s.seen().into_iter().map(|seen| seen.version).collect();
    assert_eq!(versions, ["HTTP/2.0", "HTTP/2.0"]);
}

#[test]
fn insecure_accepts_a_self_signed_certificate_with_a_warning() {
    let s = routes::http_and_https(Cert::SelfSigned, |_| Reply::text("secure page\n"));
    let url = s.https_url("/secure");
    let checked = gather().arg(&url).jsonl();
    assert_eq!(checked.code, Some(1));
    assert_eq!(checked.records()[0]["error_kind"], "tls");
    let insecure = gather()
        .args(["--insecure", &url])
        .args(["--format", "jsonl"])
        .run();
    assert_eq!(insecure.code, Some(0), "{}", insecure.stderr);
    assert_eq!(insecure.records()[0]["text"], "secure page\n");
    assert!(
        insecure.stderr.contains("warning: --insecure"),
        "{}",
        insecure.stderr
    );
}

#[test]
fn plain_http_needs_no_system_certificates_and_https_says_what_is_missing() {
    // A slim container with no CA bundle: its http URLs are still checked, and an
    // https one fails on its own record, saying what is missing.
    let s = routes::http_and_https(Cert::Valid, |_| Reply::text("page\n"));
    let run = gather()
        .env("SSL_CERT_FILE", "/nonexistent/ca-bundle.pem")
        .env("SSL_CERT_DIR", "/nonexistent")
        .args([
            "-k",
            "--format",
            "jsonl",
            &s.url("/plain"),
            &s.https_url("/secure"),
        ])
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let records = run.records();
    assert_eq!(records[0]["text"], "page\n", "{}", run.stderr);
    assert_eq!(records[1]["error_kind"], "tls");
    let error = records[1]["error"].as_str().unwrap_or_default();
    // The cause first, as docs/guide.md quotes it, then the way out.
    assert!(
        error.starts_with("TLS failed: No CA certificates were loaded from the system; install"),
        "{error}"
    );
    assert!(error.contains("--cacert"), "{error}");
    // With the CA given, the https URL is fetched as well.
    let ca = routes::test_ca();
    let given = gather()
        .env("SSL_CERT_FILE", "/nonexistent/ca-bundle.pem")
        .env("SSL_CERT_DIR", "/nonexistent")
        .args(["--cacert", &ca, &s.https_url("/secure")])
        .run();
    assert_eq!(given.code, Some(0), "{}", given.stderr);
}

#[test]
fn the_cacert_file_is_read_once_at_the_start() {
    // The http URL's server removes the --cacert file before it answers; the
    // https URL after it (-j 1), whose client is built only then, is checked
    // against what was read at the start, not a file that is no longer there.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, routes::TEST_CA_PEM).unwrap();
    let doomed = ca.clone();
    let s = routes::http_and_https(Cert::Valid, move |seen| {
        if seen.target == "/plain" {
            let _ = std::fs::remove_file(&doomed);
        }
        Reply::text("page\n")
    });
    let run = gather()
        .args(["-j", "1", "--format", "jsonl", "--cacert"])
        .arg(&ca)
        .args([&s.url("/plain"), &s.https_url("/secure")])
        .run();
    assert!(!ca.exists(), "the server never removed the file");
    assert_eq!(run.code, Some(0), "{} {}", run.stdout, run.stderr);
    assert_eq!(run.records()[1]["text"], "page\n");
}

/// Requests in flight per host: (now, the most at once).
type Peaks = Arc<Mutex<HashMap<String, (usize, usize)>>>;

/// A server whose requests take `ms`, and that counts how many of each host's
/// were in flight at once at the most.
fn counting(ms: u64) -> (routes::TestServer, Peaks) {
    let peaks = Peaks::default();
    let shared = Arc::clone(&peaks);
    let server = routes::http(move |seen| {
        let host = seen.header("host").unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default().to_string();
        {
            let mut peaks = shared.lock().unwrap();
            let (now, peak) = peaks.entry(host.clone()).or_default();
            *now += 1;
            *peak = (*peak).max(*now);
        }
        let shared = Arc::clone(&shared);
        Reply::text("counted\n").when(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            shared.lock().unwrap().entry(host).or_default().0 -= 1;
        })
    });
    (server, peaks)
}

#[test]
fn per_host_limits_requests_in_flight_to_each_host() {
    let (s, peaks) = counting(150);
    let mut list: Vec<String> = (0..8).map(|i| s.url(&format!("/a/{i}"))).collect();
    list.extend((0..8).map(|i| format!("http://localhost:{}/b/{i}", s.port())));
    let run = gather()
        .args(["-q", "-j", "16", "--per-host", "2"])
        .args(&list)
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let peak = |host: &str| peaks.lock().unwrap()[host].1;
    assert_eq!((peak("127.0.0.1"), peak("localhost")), (2, 2));

    // The same list without --per-host goes wider, so the check above can fail.
    let (s, peaks) = counting(150);
    let list: Vec<String> = (0..8).map(|i| s.url(&format!("/c/{i}"))).collect();
    gather().args(["-q", "-j", "16"]).args(&list).run();
    assert!(peaks.lock().unwrap()["127.0.0.1"].1 > 2);
}

#[test]
fn rate_spaces_out_request_starts() {
    let s = routes::http(|_| Reply::text("paced\n"));
    let list: Vec<String> = (0..6).map(|i| s.url(&format!("/rate-{i}"))).collect();
    let run = gather().args(["-q", "--rate", "5"]).args(&list).run();
    assert_eq!(run.code, Some(0));
    let hits = s.seen();
    assert_eq!(hits.len(), 6);
    // Six starts at 5 per second span at least a second; a lower bound only.
    let span = hits[5].at - hits[0].at;
    assert!(
        span >= Duration::from_millis(950),
        "6 requests started within {span:?}"
    );
}

#[test]
fn the_deadline_cuts_off_what_is_left_and_reports_it() {
    let s = routes::http(|seen| {
        if seen.target.starts_with("/slow") {
            Reply::text("late\n").after(Duration::from_secs(30))
        } else {
            Reply::text("on time\n")
        }
    });
    let (hanging, _) = raw::hang();
    let list = [
        s.url("/dl-1"),
        hanging.url("/dl-2"),
        s.url("/dl-3"),
        s.url("/slow/dl-4"),
    ];
    for mode in [&["-k"][..], &[][..]] {
        let run = gather()
            .args(mode)
            .args(["--format", "jsonl", "-j", "2", "--deadline", "1"])
            .args(&list)
            .run();
        assert_eq!(run.code, Some(1), "{mode:?}");
        assert_eq!(run.urls(), list, "{mode:?}: every URL gets a record");
        let records = run.records();
        assert_eq!(records[0]["ok"], true);
        assert_eq!(records[1]["error_kind"], "deadline");
        assert_eq!(records[3]["error_kind"], "deadline");
        assert!(run.stderr.contains("--deadline passed"), "{}", run.stderr);
    }
}

#[test]
fn shards_split_the_list_by_position_and_merge_back_by_index() {
    let s = routes::http(|seen| page(&seen.target));
    let list: Vec<String> = (0..10).map(|i| s.url(&format!("/shard-{i}"))).collect();
    let file = list_of(&list);
    let mut merged = Vec::new();
    for k in 1..=3 {
        let run = gather()
            .args(["--shard", &format!("{k}/3"), "-i"])
            .arg(file.path())
            .jsonl();
        assert_eq!(run.code, Some(0));
        let records = run.records();
        let indexes: Vec<u64> = records
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        let expected: Vec<u64> = (0..10).filter(|i| i % 3 == k - 1).collect();
        assert_eq!(indexes, expected, "shard {k}/3");
        merged.extend(records);
    }
    merged.sort_by_key(|r| r["index"].as_u64());
    let urls: Vec<&str> = merged.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(urls, list);
    for bad in ["0/3", "4/3"] {
        let run = gather().args(["--shard", bad, &list[0]]).run();
        assert_eq!(run.code, Some(2), "{bad}");
    }
    let zero = gather().args(["--shard", "0/3", &list[0]]).run();
    assert!(
        zero.stderr.contains("shards count from 1"),
        "{}",
        zero.stderr
    );
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = gather().args(["--completions", shell]).run();
        assert_eq!(run.code, Some(0), "{shell}");
        assert!(
            run.stdout.contains("shard") && run.stdout.contains("per-host"),
            "{shell}: {}",
            run.stdout
        );
    }
    let man = gather().arg("--man").run();
    assert_eq!(man.code, Some(0));
    let page = &man.stdout;
    assert!(
        page.starts_with(".ie") || page.contains(".TH gather"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("deadline"));
}

#[test]
fn a_long_run_prints_a_heartbeat_to_a_non_terminal_stderr() {
    let s = routes::http(|seen| {
        if seen.target == "/slow" {
            Reply::text("slow\n").after(Duration::from_millis(6500))
        } else {
            Reply::text("quick\n")
        }
    });
    let slow = s.url("/slow");
    let run = gather().args([&s.url("/hb-1"), &slow]).run();
    assert_eq!(run.code, Some(0));
    let beat = run
        .stderr
        .lines()
        .find(|l| l.contains("done,"))
        .unwrap_or_else(|| panic!("no heartbeat: {}", run.stderr));
    assert!(
        beat.starts_with("gather: 1/2 done, 0 failed; slowest in flight: "),
        "{beat}"
    );
    assert!(
        beat.contains(&slow) && beat.contains("argument 2"),
        "{beat}"
    );

    let quiet = gather().args(["-q", &slow]).run();
    assert_eq!(quiet.stderr, "");
}

#[test]
fn one_run_writes_junit_and_jsonl_reports_beside_stdout() {
    let s = routes::http(|seen| page(&seen.target));
    let junit = tempfile::NamedTempFile::new().unwrap();
    let jsonl = tempfile::NamedTempFile::new().unwrap();
    let run = gather()
        .args(["-k", "--format", "github", "--junit"])
        .arg(junit.path())
        .arg("--jsonl")
        .arg(jsonl.path())
        .args([s.url("/ok"), s.url("/status/500")])
        .run();
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "one annotation on stdout: {}",
        run.stdout
    );
    let xml = std::fs::read_to_string(junit.path()).unwrap();
    let doc = parse_junit(&xml);
    keeps_to_jenkins_schema(&doc);
    let suite = testsuite(&doc);
    assert_eq!(
        (suite.attribute("tests"), suite.attribute("failures")),
        (Some("2"), Some("1"))
    );
    let lines = std::fs::read_to_string(jsonl.path()).unwrap();
    let records: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(
        (records[0]["ok"].as_bool(), records[1]["ok"].as_bool()),
        (Some(true), Some(false))
    );
    // A report that cannot be created is a usage error before anything is fetched.
    let bad = gather()
        .args(["--junit", "/no/such/dir/report.xml", &s.url("/never")])
        .run();
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("/no/such/dir/report.xml"),
        "{}",
        bad.stderr
    );
    assert!(s.seen_at("/never").is_empty());
}

#[test]
fn stdout_the_summary_and_junit_agree_when_fail_fast_stops_the_run() {
    // The first URL fails late; the two after it finish first but are never
    // written, since fail-fast output ends at the failure.
    let s = routes::http(|seen| match seen.target.as_str() {
        "/late-failure" => Reply::status(500).after(Duration::from_millis(300)),
        _ => Reply::text("quick\n"),
    });
    let jsonl = tempfile::NamedTempFile::new().unwrap();
    let run = gather()
        .args(["-j", "3", "--format", "junit", "--jsonl"])
        .arg(jsonl.path())
        .args([s.url("/late-failure"), s.url("/quick-1"), s.url("/quick-2")])
        .run();
    assert_eq!(run.code, Some(1));
    let written = std::fs::read_to_string(jsonl.path()).unwrap();
    assert_eq!(written.lines().count(), 1, "{written}");
    let doc = parse_junit(&run.stdout);
    let suite = testsuite(&doc);
    assert_eq!(counts(suite), (Some("3"), Some("1"), Some("2")));
    assert!(
        run.stderr
            .contains("gather: 0 ok, 1 failed, 2 not reported in "),
        "{}",
        run.stderr
    );
    assert_eq!(s.seen_at("/quick").len(), 2, "both quick URLs were fetched");
}

#[test]
fn every_format_writes_what_the_summary_counts_when_fail_fast_stops_the_run() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/late-failure" => Reply::status(500).after(Duration::from_millis(300)),
        _ => Reply::text("quick\n"),
    });
    let urls = [s.url("/late-failure"), s.url("/quick-1"), s.url("/quick-2")];
    // Records on stdout, counted the way each format writes them.
    let count = |format: &str, stdout: &str| -> usize {
        match format {
            "jsonl" => stdout.lines().count(),
            "json" => serde_json::from_str::<serde_json::Value>(stdout)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            "tsv" => stdout.lines().count() - 1,
            "text" => stdout.matches("==> ").count(),
            _ => stdout.matches("<testcase").count() - stdout.matches("<skipped").count(),
        }
    };
    for format in ["text", "jsonl", "json", "tsv", "junit"] {
        let run = gather()
            .args(["-j", "3", "--format", format])
            .args(&urls)
            .run();
        assert_eq!(run.code, Some(1), "{format}");
        assert_eq!(count(format, &run.stdout), 1, "{format}: {}", run.stdout);
        assert!(
            run.stderr
                .contains("gather: 0 ok, 1 failed, 2 not reported in "),
            "{format}: {}",
            run.stderr
        );
    }
}
