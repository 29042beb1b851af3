//! For CI and scripts: machine formats, assertions, retries, politeness, sharding,
//! shell integration and the heartbeat, against the in-process server.

mod support;

use std::process::Output;
use std::time::Duration;

use support::{gather, json_lines, server, urls};

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gather-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A list file of `urls` with a comment on line 1, so URL k sits on line k + 2.
fn list_file(name: &str, urls: &[String]) -> std::path::PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, format!("# {name}\n{}\n", urls.join("\n"))).unwrap();
    path
}

#[test]
fn json_is_one_valid_array_whose_records_carry_their_source() {
    let s = server();
    let list = list_file(
        "json.txt",
        &[s.url("/ok/json-1"), s.url("/status/404/json")],
    );
    let output = gather()
        .args(["-k", "--format", "json", &s.url("/redirect/1"), "-i"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let records: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON document");
    let records = records.as_array().expect("an array");
    assert_eq!(records.len(), 3);
    let arg = &records[0];
    assert_eq!(
        (arg["file"].is_null(), &arg["line"], &arg["index"]),
        (true, &1.into(), &0.into())
    );
    assert_eq!(arg["final_url"], s.url("/redirect/0"));
    assert_eq!(arg["attempts"], 1);
    assert_eq!(arg["bytes"], 7);
    assert_eq!(records[1]["file"], list.display().to_string());
    assert_eq!(records[1]["line"], 2);
    assert_eq!(records[2]["line"], 3);
    assert_eq!(records[2]["error_kind"], "status");

    // Fail-fast still closes the array.
    let early = gather()
        .args(["--format", "json", &s.url("/status/500/json-ff")])
        .output()
        .unwrap();
    let parsed: serde_json::Value =
        serde_json::from_slice(&early.stdout).expect("valid after fail-fast");
    assert_eq!(parsed.as_array().map(Vec::len), Some(1));
}

#[test]
fn tsv_has_a_header_and_one_escaped_line_per_record() {
    let s = server();
    let output = gather()
        .args([
            "-k",
            "--format",
            "tsv",
            "-n",
            "60",
            &s.url("/escape"),
            &s.url("/status/503/tsv"),
        ])
        .output()
        .unwrap();
    let text = stdout_of(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let header: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(&header[..4], ["url", "status", "ok", "text"]);
    for column in ["file", "line", "attempts", "final_url", "bytes"] {
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

#[test]
fn junit_has_a_testcase_per_url_with_failures_and_counts() {
    let s = server();
    let list = list_file(
        "junit.txt",
        &[
            s.url("/ok/junit-1"),
            s.url("/status/500/junit"),
            s.url("/binary"),
        ],
    );
    let output = gather()
        .args(["-k", "--format", "junit", "-i"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout_of(&output);
    let doc = parse_junit(&xml);
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
        Some(s.url("/status/500/junit").as_str())
    );
    assert_eq!(
        cases[1].attribute("classname"),
        Some(list.display().to_string().as_str())
    );
    let out = cases[1]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .expect("system-out");
    let source = format!("source: {}:3\n", list.display());
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
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    for required in ["name", "tests", "failures", "errors"] {
        assert!(
            suite.attribute(required).is_some(),
            "testsuite needs {required}"
        );
    }
}

#[test]
fn junit_marks_urls_a_fail_fast_run_never_fetched_as_skipped() {
    let s = server();
    let list = [
        s.url("/ok/jff-1"),
        s.url("/status/500/jff"),
        s.url("/ok/jff-3"),
        s.url("/ok/jff-4"),
    ];
    let output = gather()
        .args(["-j", "1", "--format", "junit"])
        .args(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout_of(&output);
    let doc = parse_junit(&xml);
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        (
            suite.attribute("tests"),
            suite.attribute("failures"),
            suite.attribute("skipped")
        ),
        (Some("4"), Some("1"), Some("2"))
    );
    let skipped = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .count();
    assert_eq!(skipped, 2);
    keeps_to_jenkins_schema(&doc);
}

#[test]
fn github_annotates_failures_at_their_file_and_line_and_writes_a_step_summary() {
    let s = server();
    let list = list_file("gh.txt", &[s.url("/ok/gh-1"), s.url("/status/404/gh")]);
    let summary = temp_path("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = gather()
        .args(["-k", "--format", "github", "-i"])
        .arg(&list)
        .arg("http://127.0.0.1:1/gh-arg")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout_of(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one annotation per failure: {text}");
    let file = list
        .display()
        .to_string()
        .replace(':', "%3A")
        .replace(',', "%2C");
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
    let table = std::fs::read_to_string(&summary).unwrap();
    assert!(
        table.starts_with("earlier step\n"),
        "the summary was replaced, not appended"
    );
    assert!(table.contains("### gather: 1 ok, 2 failed"), "{table}");
    assert!(table.contains("| --- | --- |"));
    assert_eq!(
        table.matches("\n| ").count(),
        5,
        "header, separator, a row per URL: {table}"
    );
}

#[test]
fn expect_checks_the_body_beyond_the_printed_prefix() {
    let s = server();
    let url = s.url("/utf8");
    let found = gather()
        .args([
            "--format",
            "jsonl",
            "-n",
            "5",
            "--expect",
            "more text",
            "--expect",
            "日本語",
            &url,
        ])
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr_of(&found));
    assert_eq!(json_lines(&found.stdout)[0]["text"], "héllo");

    let missing = gather()
        .args([
            "--format", "jsonl", "--expect", "héllo", "--expect", "Goodbye", &url,
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let record = &json_lines(&missing.stdout)[0];
    assert_eq!(record["error_kind"], "expect");
    let error = record["error"].as_str().unwrap();
    assert!(
        error.contains("\"Goodbye\"") && !error.contains("héllo"),
        "{error}"
    );
    assert!(error.contains("whole body"), "{error}");

    // Past --max-bytes the search stops, and the message says so.
    let capped = gather()
        .args([
            "--format",
            "jsonl",
            "--max-bytes",
            "20",
            "--expect",
            "more text",
            &url,
        ])
        .output()
        .unwrap();
    let error = json_lines(&capped.stdout)[0]["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        error.contains("first 20 bytes") && error.contains("--max-bytes"),
        "{error}"
    );
}

#[test]
fn retries_cure_transient_failures_and_are_counted() {
    let s = server();
    let output = gather()
        .args([
            "--format",
            "jsonl",
            "--retries",
            "3",
            &s.url("/flaky/retry-ok/2"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let record = &json_lines(&output.stdout)[0];
    assert_eq!(
        (record["attempts"].as_u64(), record["text"].as_str()),
        (Some(3), Some("recovered retry-ok\n"))
    );

    let exhausted = gather()
        .args([
            "--format",
            "jsonl",
            "--retries",
            "1",
            &s.url("/flaky/retry-out/5"),
        ])
        .output()
        .unwrap();
    let record = &json_lines(&exhausted.stdout)[0];
    assert_eq!(
        (record["attempts"].as_u64(), record["status"].as_u64()),
        (Some(2), Some(503))
    );

    let permanent = gather()
        .args([
            "--format",
            "jsonl",
            "--retries",
            "3",
            &s.url("/status/404/no-retry"),
        ])
        .output()
        .unwrap();
    assert_eq!(json_lines(&permanent.stdout)[0]["attempts"], 1);
    assert_eq!(
        s.events("hit /status/404/no-retry").len(),
        1,
        "a 404 is not transient"
    );

    let text = gather()
        .args(["--retries", "1", &s.url("/flaky/retry-text/5")])
        .output()
        .unwrap();
    assert!(
        stdout_of(&text).contains("(after 2 attempts)"),
        "{}",
        stdout_of(&text)
    );
}

#[test]
fn retry_after_is_honoured() {
    let s = server();
    let path = "/retry-after/honour/1";
    let output = gather()
        .args(["--format", "jsonl", "--retries", "1", &s.url(path)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let hits = s.times(&format!("hit {path}"));
    assert_eq!(hits.len(), 2);
    // A lower bound only: a busy machine can make the gap longer, never shorter.
    let gap = hits[1] - hits[0];
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, not after Retry-After: 1"
    );
}

#[test]
fn user_agent_and_headers_are_sent() {
    let s = server();
    let default = gather()
        .args(["-n", "1000", &s.url("/headers")])
        .output()
        .unwrap();
    assert!(
        stdout_of(&default).contains(&format!("user-agent: gather/{}", env!("CARGO_PKG_VERSION")))
    );
    let custom = gather()
        .args([
            "-n",
            "1000",
            "-A",
            "smoke-check/1",
            "-H",
            "X-Env: staging",
            &s.url("/headers"),
        ])
        .output()
        .unwrap();
    let text = stdout_of(&custom);
    assert!(
        text.contains("user-agent: smoke-check/1") && text.contains("x-env: staging"),
        "{text}"
    );
}

#[test]
fn proxies_come_from_the_environment() {
    let s = server();
    // The name never resolves: only a request through the proxy can answer it.
    let output = gather()
        .args(["--format", "jsonl", "http://gather-proxy-test.invalid/page"])
        .env(
            "HTTP_PROXY",
            s.url("").replace("http://", "http://puser:ppass@"),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(json_lines(&output.stdout)[0]["text"], "via proxy\n");
    // base64("puser:ppass")
    let proxied = "proxied http://gather-proxy-test.invalid/page with Basic cHVzZXI6cHBhc3M=";
    assert_eq!(s.events(proxied).len(), 1, "{:?}", s.events("proxied"));
}

#[test]
fn https_goes_through_a_proxy_tunnel() {
    let s = server();
    let port = s.tls_url("").rsplit(':').next().unwrap().to_string();
    let url = format!("https://gather-tunnel-test.invalid:{port}/page");
    let output = gather()
        .args(["--format", "jsonl", "--insecure", &url])
        .env(
            "HTTPS_PROXY",
            s.url("").replace("http://", "http://puser:ppass@"),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(json_lines(&output.stdout)[0]["text"], "secure page\n");
    let tunnel = format!("tunnel gather-tunnel-test.invalid:{port} with Basic cHVzZXI6cHBhc3M=");
    assert_eq!(s.events(&tunnel).len(), 1, "{:?}", s.events("tunnel"));
    // NO_PROXY names the hosts that bypass it.
    let direct = gather()
        .args(["--format", "jsonl", "--insecure", &s.tls_url("/direct")])
        .env("HTTPS_PROXY", s.url(""))
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert_eq!(direct.status.code(), Some(0), "{}", stderr_of(&direct));
    assert!(s.events(&format!("tunnel 127.0.0.1:{port}")).is_empty());
}

#[test]
fn https_servers_that_offer_http2_are_spoken_to_in_http2() {
    let s = server();
    let output = gather()
        .args(["--format", "jsonl", "--insecure"])
        .args([s.tls_url("/over-h2/1"), s.tls_url("/over-h2/2")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for record in json_lines(&output.stdout) {
        assert_eq!(record["text"], "secure page\n", "{record}");
    }
    // Both went over HTTP/2, the second with `Connection: close` (no later URL
    // shares its origin), which HTTP/2 forbids and the client must leave out.
    assert_eq!(s.events("h2 /over-h2/").len(), 2, "{:?}", s.events("h2"));
}

#[test]
fn insecure_accepts_a_self_signed_certificate_with_a_warning() {
    let s = server();
    let url = s.tls_url("/secure");
    let checked = gather().args(["--format", "jsonl", &url]).output().unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let record = &json_lines(&checked.stdout)[0];
    assert_eq!(record["error_kind"], "tls", "{record}");

    let insecure = gather()
        .args(["--format", "jsonl", "--insecure", &url])
        .output()
        .unwrap();
    assert_eq!(insecure.status.code(), Some(0), "{}", stderr_of(&insecure));
    assert_eq!(json_lines(&insecure.stdout)[0]["text"], "secure page\n");
    assert!(
        stderr_of(&insecure).contains("warning: --insecure"),
        "{}",
        stderr_of(&insecure)
    );
}

#[test]
fn per_host_limits_requests_in_flight_to_each_host() {
    let s = server();
    let port = s.authority().rsplit(':').next().unwrap().to_string();
    let mut list: Vec<String> = (0..8).map(|_| s.url("/conc/ph-a/150")).collect();
    list.extend((0..8).map(|_| format!("http://localhost:{port}/conc/ph-b/150")));
    let output = gather()
        .args(["-q", "-j", "16", "--per-host", "2"])
        .args(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(s.peak_concurrency("ph-a"), 2);
    assert_eq!(s.peak_concurrency("ph-b"), 2);

    // The same list without --per-host goes wider, so the check above can fail.
    let list: Vec<String> = (0..8).map(|_| s.url("/conc/ph-c/150")).collect();
    gather()
        .args(["-q", "-j", "16"])
        .args(&list)
        .output()
        .unwrap();
    assert!(s.peak_concurrency("ph-c") > 2);
}

#[test]
fn rate_spaces_out_request_starts() {
    let s = server();
    let list: Vec<String> = (0..6).map(|i| s.url(&format!("/ok/rate-{i}"))).collect();
    let output = gather()
        .args(["-q", "--rate", "5"])
        .args(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let hits = s.times("hit /ok/rate-");
    assert_eq!(hits.len(), 6);
    // Six starts at 5 per second span at least a second; a lower bound only.
    let span = hits[5] - hits[0];
    assert!(
        span >= Duration::from_millis(950),
        "6 requests started within {span:?}"
    );
}

#[test]
fn the_deadline_cuts_off_what_is_left_and_reports_it() {
    let s = server();
    let list = [
        s.url("/ok/dl-1"),
        s.url("/hang/dl-2"),
        s.url("/ok/dl-3"),
        s.url("/delay/30000/dl-4"),
    ];
    for mode in [&["-k"][..], &[][..]] {
        let output = gather()
            .args(mode)
            .args(["--format", "jsonl", "-j", "2", "--deadline", "1"])
            .args(&list)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{mode:?}");
        let records = json_lines(&output.stdout);
        assert_eq!(urls(&records), list, "{mode:?}: every URL gets a record");
        assert_eq!(records[0]["ok"], true);
        assert_eq!(records[1]["error_kind"], "deadline");
        assert_eq!(records[3]["error_kind"], "deadline");
        assert!(
            stderr_of(&output).contains("--deadline passed"),
            "{}",
            stderr_of(&output)
        );
    }
}

#[test]
fn shards_split_the_list_by_position_and_merge_back_by_index() {
    let s = server();
    let list: Vec<String> = (0..10).map(|i| s.url(&format!("/ok/shard-{i}"))).collect();
    let file = list_file("shards.txt", &list);
    let mut merged = Vec::new();
    for k in 0..3 {
        let output = gather()
            .args(["--format", "jsonl", "--shard", &format!("{k}/3"), "-i"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        let records = json_lines(&output.stdout);
        let indexes: Vec<u64> = records
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        let expected: Vec<u64> = (0..10).filter(|i| i % 3 == k).collect();
        assert_eq!(indexes, expected, "shard {k}/3");
        merged.extend(records);
    }
    merged.sort_by_key(|r| r["index"].as_u64());
    assert_eq!(urls(&merged), list);
    let bad = gather()
        .args(["--shard", "3/3", &list[0]])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = gather().args(["--completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout_of(&output);
        assert!(
            script.contains("shard") && script.contains("per-host"),
            "{shell}: {script}"
        );
    }
    let man = gather().arg("--man").output().unwrap();
    assert_eq!(man.status.code(), Some(0));
    let page = stdout_of(&man);
    assert!(
        page.starts_with(".ie") || page.contains(".TH gather"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("deadline"));
}

#[test]
fn a_long_run_prints_a_heartbeat_to_a_non_terminal_stderr() {
    let s = server();
    let slow = s.url("/delay/6500/heartbeat");
    let output = gather().args([&s.url("/ok/hb-1"), &slow]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = stderr_of(&output);
    let beat = stderr
        .lines()
        .find(|l| l.contains("done,"))
        .unwrap_or_else(|| panic!("no heartbeat: {stderr}"));
    assert!(
        beat.starts_with("gather: 1/2 done, 0 failed; slowest in flight: "),
        "{beat}"
    );
    assert!(
        beat.contains(&slow) && beat.contains("argument 2"),
        "{beat}"
    );

    let quiet = gather().args(["-q", &slow]).output().unwrap();
    assert_eq!(stderr_of(&quiet), "");
}
