//! The HTTP layer as curl users expect it: redirects that keep credentials to
//! their origin, Locations as browsers read them, retries of what is transient,
//! TLS, DNS and proxy failures that name their cause, and headers the user can
//! replace or remove. Each test runs its own small server.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::raw;
use support::routes::{self, test_ca, Cert, Reply};
use support::{error_of, gather};

/// Runs gather in isolate mode with JSON Lines output: exit code, records, stderr.
fn run(args: &[&str]) -> (Option<i32>, Vec<serde_json::Value>, String) {
    run_with_env(args, &[])
}

fn run_with_env(
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let run = env
        .iter()
        .fold(gather().arg("-k").args(args), |cmd, (name, value)| {
            cmd.env(name, value)
        })
        .jsonl();
    let records = run.records();
    (run.code, records, run.stderr)
}

/// No Rust debug text (`Other(OtherError(…))`, `Kind(…)`, `os error`) in a message.
fn assert_plain(message: &str) {
    for debug in ["Error(", "Other(", "Kind(", "os error", "{ ", "Some("] {
        assert!(!message.contains(debug), "debug text in {message:?}");
    }
}

#[test]
fn credentials_never_follow_a_redirect_that_changes_scheme_host_or_port() {
    let server = Arc::new(std::sync::OnceLock::<u16>::new());
    let port = Arc::clone(&server);
    let s = routes::http_and_https(Cert::SelfSigned, move |seen| {
        let port = port.get().copied().unwrap_or_default();
        match seen.target.as_str() {
            // Same host and port, but from https down to http.
            "/down" => Reply::redirect(302, &format!("http://127.0.0.1:{port}/landing")),
            "/same" => Reply::redirect(302, "/landing"),
            "/other-host" => Reply::redirect(302, &format!("http://localhost:{port}/landing")),
            _ => Reply::text("landed"),
        }
    });
    server.set(s.port()).unwrap();
    let secrets = [
        "-H",
        "Authorization: Bearer secret-token",
        "-H",
        "Cookie: session=secret",
        "-H",
        "Host: 127.0.0.1",
    ];
    let mut args = vec!["--insecure", "-j", "1"];
    args.extend(secrets);
    let down = s.https_url("/down");
    let same = s.https_url("/same");
    let other = s.url("/other-host");
    args.extend([down.as_str(), same.as_str(), other.as_str()]);
    let (code, records, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(records.iter().all(|r| r["text"] == "landed"), "{records:?}");
    let landings = s.seen_at("/landing");
    assert_eq!(landings.len(), 3);
    let (down, same, other) = (&landings[0], &landings[1], &landings[2]);
    assert!(!down.tls && same.tls && !other.tls);
    for left in [down, other] {
        assert_eq!(left.header("authorization"), None, "{left:?}");
        assert_eq!(left.header("cookie"), None, "{left:?}");
    }
    // The Host the user set goes with the credentials; the new hop names its own.
    assert_eq!(
        other.header("host"),
        Some(format!("localhost:{}", s.port()).as_str())
    );
    assert_eq!(same.header("authorization"), Some("Bearer secret-token"));
    assert_eq!(same.header("cookie"), Some("session=secret"));

    // Credentials written in the URL: Basic auth to their origin, never after.
    let with_password = format!("https://user:pw@127.0.0.1:{}/down", s.port());
    let (code, _, stderr) = run(&["--insecure", &with_password]);
    assert_eq!(code, Some(0), "{stderr}");
    let down = s.seen_at("/down");
    assert_eq!(
        down.last().unwrap().header("authorization"),
        Some("Basic dXNlcjpwdw==")
    );
    let landing = s.seen_at("/landing");
    assert_eq!(landing.last().unwrap().header("authorization"), None);

    // An explicit Authorization header wins over the URL's credentials.
    let same = format!("https://user:pw@127.0.0.1:{}/same", s.port());
    let (code, _, _) = run(&["--insecure", "-H", "Authorization: Bearer mine", &same]);
    assert_eq!(code, Some(0));
    let sent = s.seen_at("/same");
    assert_eq!(
        sent.last().unwrap().header("authorization"),
        Some("Bearer mine")
    );
    let landing = s.seen_at("/landing");
    assert_eq!(
        landing.last().unwrap().header("authorization"),
        Some("Bearer mine")
    );
}

#[test]
fn locations_are_read_as_browsers_read_them() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/utf8" => Reply::status(302).header_bytes("location", "/café".as_bytes()),
        "/caf%C3%A9" => Reply::text("café"),
        "/broken" => Reply::redirect(302, "http://[::1/x"),
        _ => Reply::status(404),
    });
    let (_, records, _) = run(&[&s.url("/utf8"), &s.url("/broken")]);
    assert_eq!(records[0]["ok"], true, "{}", records[0]);
    assert_eq!(records[0]["text"], "café");
    assert_eq!(records[0]["final_url"], s.url("/caf%C3%A9"));
    assert_eq!(
        records[1]["error_kind"], "redirect_invalid",
        "{}",
        records[1]
    );
    let message = error_of(&records[1]);
    assert!(message.contains("\"http://[::1/x\""), "{message}");
    assert!(!message.contains("--accept"), "{message}");
    assert_eq!(records[1]["status"], 302);
}

#[test]
fn max_redirects_0_makes_the_redirect_the_response() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/old-pricing" => Reply::redirect(301, "/pricing"),
        "/created" => Reply::status(201).header("location", "/items/7"),
        _ => Reply::text("pricing"),
    });
    let old = s.url("/old-pricing");
    let (code, records, _) = run(&["--max-redirects", "0", "--accept", "301", &old]);
    assert_eq!(code, Some(0), "{records:?}");
    assert_eq!(records[0]["status"], 301);
    assert_eq!(records[0]["location"], s.url("/pricing"));
    assert_eq!(s.seen_at("/pricing").len(), 0, "the redirect was followed");

    let (code, records, _) = run(&["--max-redirects", "0", &old, &s.url("/created")]);
    assert_eq!(code, Some(1));
    assert_eq!(records[0]["error_kind"], "status");
    assert_eq!(records[0]["location"], s.url("/pricing"));
    // Any response's Location is kept, and a response without one has none.
    assert_eq!(records[1]["location"], s.url("/items/7"));
    let (_, records, _) = run(&[&old]);
    assert_eq!(records[0]["location"], serde_json::Value::Null);
    assert_eq!(records[0]["text"], "pricing");
}

#[test]
fn a_failure_after_a_redirect_keeps_where_it_got_to() {
    let s = routes::http(|_| Reply::redirect(302, "http://127.0.0.1:1/gone"));
    let (code, records, _) = run(&[&s.url("/away")]);
    assert_eq!(code, Some(1));
    let record = &records[0];
    assert_eq!(record["error_kind"], "connect", "{record}");
    assert_eq!(record["status"], 302);
    assert_eq!(record["final_url"], "http://127.0.0.1:1/gone");
    let message = error_of(record);
    assert!(
        message.starts_with("could not connect to 127.0.0.1:1: connection refused"),
        "{message}"
    );
    assert!(
        message.ends_with(&format!("(redirected from {})", s.url("/away"))),
        "{message}"
    );
}

#[test]
fn many_header_lines_are_fine_and_a_flood_fails_promptly() {
    let s = routes::http(|_| {
        (0..290).fold(Reply::text("many headers"), |reply, i| {
            reply.header(&format!("x-h{i}"), "v")
        })
    });
    let (code, records, _) = run(&[&s.url("/")]);
    assert_eq!(code, Some(0), "{records:?}");
    let flood = routes::raw(|mut stream| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n").await;
        for i in 0..100_000 {
            let line = format!("x-flood-{i}: v\r\n");
            if stream.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    });
    let (code, records, _) = run(&["-t", "20", &flood.url("/")]);
    assert_eq!(code, Some(1));
    let message = error_of(&records[0]);
    assert!(message.contains("headers are too large"), "{message}");
    assert_eq!(records[0]["error_kind"], "request");
}

#[test]
fn retries_cover_resets_before_any_response_and_the_statuses_curl_retries() {
    // The first connection is closed as soon as the request arrives.
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    let closing = routes::raw(move |mut stream| {
        let nth = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            if nth > 0 {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfine!")
                    .await;
            }
        }
    });
    let (code, records, _) = run(&["--retries", "2", &closing.url("/")]);
    assert_eq!(code, Some(0), "{records:?}");
    assert_eq!(records[0]["attempts"], 2);
    let (_, records, _) = run(&[&routes::raw(|_| async {}).url("/")]);
    assert_eq!(records[0]["error_kind"], "closed", "{}", records[0]);

    for status in [408u16, 500] {
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        let s = routes::http(move |_| {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::status(status)
            } else {
                Reply::text("recovered")
            }
        });
        let (code, records, _) = run(&["--retries", "1", &s.url("/")]);
        assert_eq!(code, Some(0), "{status}: {records:?}");
        assert_eq!(records[0]["attempts"], 2, "{status}");
    }
}

#[test]
fn a_deadline_during_a_retry_wait_keeps_the_response_received() {
    let s = routes::http(|_| Reply::status(503).header("retry-after", "20"));
    let (code, records, _) = run(&["--retries", "3", "--deadline", "3", &s.url("/busy")]);
    assert_eq!(code, Some(1));
    let record = &records[0];
    assert_eq!(record["error_kind"], "status", "{record}");
    assert_eq!(record["status"], 503);
    assert!(
        error_of(record).contains("503 Service Unavailable"),
        "{record}"
    );
    assert_eq!(record["attempts"], 1);
}

#[test]
fn every_coding_offered_is_undone_and_the_offer_can_be_changed() {
    let text: String = (0..300)
        .map(|i| format!("line {i} of the page\n"))
        .collect();
    let encoded = |coding: &str| -> Vec<u8> {
        let raw = text.as_bytes();
        match coding {
            "gzip" => {
                let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                gzip.write_all(raw).unwrap();
                gzip.finish().unwrap()
            }
            "deflate" => {
                let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                zlib.write_all(raw).unwrap();
                zlib.finish().unwrap()
            }
            "br" => {
                let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
                br.write_all(raw).unwrap();
                br.into_inner()
            }
            "zstd" => zstd::encode_all(raw, 3).unwrap(),
            _ => raw.to_vec(),
        }
    };
    let bodies: Vec<(String, Vec<u8>)> = ["gzip", "deflate", "br", "zstd", "identity"]
        .iter()
        .map(|coding| (coding.to_string(), encoded(coding)))
        .collect();
    let s = routes::http(move |seen| {
        if seen.target == "/empty" {
            return Reply::text("").header("content-encoding", "gzip");
        }
        let coding = seen.target.trim_start_matches('/');
        let (_, body) = bodies.iter().find(|(name, _)| name == coding).unwrap();
        Reply::text("")
            .header("content-encoding", coding)
            .body(body)
    });
    let urls: Vec<String> = ["gzip", "deflate", "br", "zstd", "identity"]
        .iter()
        .map(|coding| s.url(&format!("/{coding}")))
        .collect();
    let mut args = vec!["-j", "1", "-n", "100000"];
    args.extend(urls.iter().map(String::as_str));
    let (code, records, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stderr}");
    for record in &records {
        assert_eq!(record["text"], text.as_str(), "{}", record["url"]);
        assert_eq!(record["bytes"], text.len(), "{}", record["url"]);
    }
    let offer = |seen: &routes::Seen| seen.header("accept-encoding").map(str::to_string);
    for seen in s.seen() {
        let offer = offer(&seen).unwrap_or_default();
        for coding in ["gzip", "deflate", "br", "zstd"] {
            assert!(offer.contains(coding), "Accept-Encoding: {offer}");
        }
    }
    // -H replaces the offer, or removes it when given empty.
    run(&["-H", "Accept-Encoding: identity", &urls[4]]);
    run(&["-H", "Accept-Encoding:", &urls[4]]);
    let offers: Vec<Option<String>> = s.seen()[5..].iter().map(offer).collect();
    assert_eq!(offers, [Some("identity".to_string()), None]);
    // An empty body is empty whatever coding it is labelled with.
    let (code, records, _) = run(&[&s.url("/empty")]);
    assert_eq!(code, Some(0), "{}", records[0]);
    assert_eq!(records[0]["text"], "");
}

/// Each answer's second half comes 20 ms after its first: gather has its prefix
/// by then, and the connection is free again only once the rest is read, so
/// three URLs one at a time take one connection only if gather reads it.
fn the_rest_is_read_before_the_next_url(body: Vec<u8>, coding: &'static str) {
    let s = raw::in_two_parts(body, coding, Duration::from_millis(20));
    let urls: Vec<String> = (0..3).map(|i| s.url(&format!("/{i}"))).collect();
    let mut args = vec!["-j", "1", "-n", "10"];
    args.extend(urls.iter().map(String::as_str));
    let (code, records, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(records[2]["text"], "line 0\nlin");
    assert_eq!(s.connections(), 1);
}

#[test]
fn the_rest_of_a_compressed_body_is_read_so_its_connection_serves_the_next_url() {
    the_rest_is_read_before_the_next_url(raw::gzip_page(), "gzip");
}

#[test]
fn the_rest_of_a_plain_body_is_read_so_its_connection_serves_the_next_url() {
    the_rest_is_read_before_the_next_url(raw::lines_page(), "identity");
}

#[test]
fn codings_gather_cannot_undo_fail_instead_of_printing_compressed_bytes() {
    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }
    let twice = gzip(&gzip(b"hello twice"));
    let s = routes::http(move |seen| match seen.target.as_str() {
        "/twice" => Reply::text("")
            .header("content-encoding", "gzip, gzip")
            .body(&twice),
        _ => Reply::text("")
            .header("content-encoding", "x-unknown")
            .body(b"\x00\x01\x02"),
    });
    let (code, records, _) = run(&[&s.url("/twice"), &s.url("/unknown")]);
    assert_eq!(code, Some(1));
    for (record, coding) in records.iter().zip(["gzip, gzip", "x-unknown"]) {
        if record["ok"] == true {
            assert_eq!(record["text"], "hello twice", "{record}");
            continue;
        }
        assert_eq!(record["error_kind"], "body", "{record}");
        assert!(error_of(record).contains(coding), "{record}");
        assert_eq!(record["text"], serde_json::Value::Null);
    }
}

#[test]
fn tls_failures_name_the_cause_and_the_way_out() {
    let self_signed = routes::http_and_https(Cert::SelfSigned, |_| Reply::text("secure"));
    let valid = routes::http_and_https(Cert::Valid, |_| Reply::text("secure"));
    let wrong_name = routes::http_and_https(Cert::WrongName, |_| Reply::text("secure"));
    let expired = routes::http_and_https(Cert::Expired, |_| Reply::text("secure"));
    let plain = routes::http(|_| Reply::text("plain"));
    let ca = test_ca();
    let (_, records, _) = run(&[
        "--cacert",
        &ca,
        &self_signed.https_url("/"),
        &valid.https_url("/"),
        &wrong_name.https_url("/"),
        &expired.https_url("/"),
        &plain.url("/").replacen("http:", "https:", 1),
    ]);
    for record in &records[..] {
        assert_plain(error_of(record));
    }
    assert_eq!(records[0]["error_kind"], "tls");
    let self_signed = error_of(&records[0]);
    assert!(
        self_signed.contains("is a CA certificate, not a server certificate")
            && self_signed.contains("--insecure"),
        "{self_signed}"
    );
    assert_eq!(records[1]["text"], "secure", "--cacert: {}", records[1]);
    assert!(
        error_of(&records[2]).contains("is for other.example, www.other.example, not 127.0.0.1"),
        "{}",
        records[2]
    );
    assert!(
        error_of(&records[3]).contains("expired on Sat, 01 Feb 2020 00:00:00 GMT"),
        "{}",
        records[3]
    );
    assert!(
        error_of(&records[4]).contains("did not answer with TLS on this port"),
        "{}",
        records[4]
    );
    // Without --cacert the test CA is unknown.
    let (_, records, _) = run(&[&valid.https_url("/")]);
    let unknown = error_of(&records[0]);
    assert!(
        unknown.contains("not trusted")
            && unknown.contains("--cacert FILE to trust its CA, or --insecure"),
        "{unknown}"
    );
    // A --cacert that is missing, not PEM, or holds no CA certificate is a usage
    // error before anything is sent.
    let dir = tempfile::tempdir().unwrap();
    let not_a_cert = dir.path().join("not-a-cert.pem");
    std::fs::write(
        &not_a_cert,
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let not_a_cert = not_a_cert.to_str().unwrap();
    for bad in ["/no/such/file.pem", "Cargo.toml", not_a_cert] {
        let (code, records, stderr) = run(&["--cacert", bad, &valid.https_url("/")]);
        assert_eq!((code, records.len()), (Some(2), 0), "{stderr}");
        assert!(stderr.contains("--cacert"), "{stderr}");
    }
    let (_, _, stderr) = run(&["--cacert", not_a_cert, &valid.https_url("/")]);
    assert!(
        stderr.contains("certificate 1 of 1 cannot be read as a CA certificate"),
        "{stderr}"
    );
}

#[test]
fn proxies_from_the_environment_are_checked_and_named() {
    let target = "http://target.gather.example/";
    let (code, records, _) = run_with_env(&[target], &[("HTTP_PROXY", "http://127.0.0.1:1")]);
    assert_eq!(code, Some(1));
    let message = error_of(&records[0]);
    assert_eq!(records[0]["error_kind"], "connect");
    assert!(
        message.starts_with("could not connect to proxy http://127.0.0.1:1/ (from HTTP_PROXY)"),
        "{message}"
    );
    for (name, value) in [
        ("HTTPS_PROXY", "ftp://127.0.0.1:21"),
        ("http_proxy", "http://"),
    ] {
        let (code, records, stderr) = run_with_env(&[target], &[(name, value)]);
        assert_eq!(
            (code, records.len()),
            (Some(2), 0),
            "{name}={value}: {stderr}"
        );
        assert!(stderr.contains(name), "{stderr}");
    }
}

#[test]
fn an_https_proxy_carries_plain_http_urls() {
    // The proxy speaks TLS even for an http URL, so the client for plain http
    // needs TLS (and --cacert) too. The target's name resolves nowhere: only the
    // proxy can answer.
    let proxy = routes::http_and_https(Cert::Valid, |seen| {
        Reply::text(&format!("proxied {}", seen.target))
    });
    let ca = test_ca();
    let target = "http://target.gather.example/page";
    let (code, records, stderr) = run_with_env(
        &["--cacert", &ca, target],
        &[("HTTP_PROXY", &proxy.https_url(""))],
    );
    assert_eq!(code, Some(0), "{stderr} {records:?}");
    assert_eq!(records[0]["text"], "proxied /page");
    // Without the CA, the certificate that is not trusted is the proxy's.
    let (code, records, stderr) = run_with_env(&[target], &[("HTTP_PROXY", &proxy.https_url(""))]);
    assert_eq!(code, Some(1), "{stderr} {records:?}");
    assert_eq!(records[0]["error_kind"], "tls", "{records:?}");
    let error = records[0]["error"].as_str().unwrap();
    assert!(
        error.contains("certificate of proxy https://127.0.0.1:")
            && error.contains("(from HTTP_PROXY)"),
        "{error}"
    );
    assert!(!error.contains("target.gather.example"), "{error}");
}

#[test]
fn socks5_proxies_from_the_environment_work() {
    let s = routes::http(|_| Reply::text("through socks"));
    let target_port = s.port();
    let proxied = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&proxied);
    let socks = routes::raw(move |stream| {
        counter.fetch_add(1, Ordering::SeqCst);
        socks5_relay(stream)
    });
    let proxy = format!("socks5://127.0.0.1:{}", socks.port());
    // The name only resolves on the proxy's side (socks5h would resolve there);
    // with socks5 gather resolves it, so use an address.
    let url = format!("http://127.0.0.1:{target_port}/");
    let (code, records, stderr) = run_with_env(&[&url], &[("ALL_PROXY", &proxy)]);
    assert_eq!(code, Some(0), "{stderr} {records:?}");
    assert_eq!(records[0]["text"], "through socks");
    assert_eq!(proxied.load(Ordering::SeqCst), 1);
}

/// A SOCKS5 server for one connection: no authentication, CONNECT to an IPv4
/// address or a name, then bytes both ways.
async fn socks5_relay(mut client: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut greeting = [0u8; 2];
    if client.read_exact(&mut greeting).await.is_err() {
        return;
    }
    let mut methods = vec![0u8; usize::from(greeting[1])];
    let _ = client.read_exact(&mut methods).await;
    let _ = client.write_all(&[5, 0]).await;
    let mut head = [0u8; 4];
    if client.read_exact(&mut head).await.is_err() {
        return;
    }
    let host = match head[3] {
        1 => {
            let mut ip = [0u8; 4];
            let _ = client.read_exact(&mut ip).await;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            let _ = client.read_exact(&mut len).await;
            let mut name = vec![0u8; usize::from(len[0])];
            let _ = client.read_exact(&mut name).await;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return,
    };
    let mut port = [0u8; 2];
    let _ = client.read_exact(&mut port).await;
    let Ok(mut upstream) =
        tokio::net::TcpStream::connect((host.as_str(), u16::from_be_bytes(port))).await
    else {
        let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return;
    };
    let _ = client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await;
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[test]
fn headers_can_be_replaced_and_removed_and_bad_ones_are_usage_errors() {
    let s = routes::http(|_| Reply::text("ok"));
    let (code, _, _) = run(&["-H", "User-Agent:", "-H", "X-Empty;", &s.url("/plain")]);
    assert_eq!(code, Some(0));
    let sent = &s.seen_at("/plain")[0];
    assert_eq!(sent.header("user-agent"), None, "{sent:?}");
    assert_eq!(sent.header("x-empty"), Some(""));
    let (code, _, _) = run(&["-A", "probe/1", &s.url("/agent")]);
    assert_eq!(code, Some(0));
    assert_eq!(s.seen_at("/agent")[0].header("user-agent"), Some("probe/1"));
    let (code, records, stderr) = run(&["-A", "bad\u{1}agent", &s.url("/never")]);
    assert_eq!((code, records.len()), (Some(2), 0), "{stderr}");
    assert!(stderr.contains("--user-agent"), "{stderr}");
    assert!(s.seen_at("/never").is_empty());
}

#[test]
fn with_a_rate_requests_start_in_input_order() {
    let s = routes::http(|_| Reply::text("paced"));
    let urls: Vec<String> = (0..12).map(|i| s.url(&format!("/{i}"))).collect();
    let mut args = vec!["--rate", "20", "-j", "12"];
    args.extend(urls.iter().map(String::as_str));
    let (code, _, _) = run(&args);
    assert_eq!(code, Some(0));
    let order: Vec<String> = s.seen().into_iter().map(|seen| seen.target).collect();
    let expected: Vec<String> = (0..12).map(|i| format!("/{i}")).collect();
    assert_eq!(order, expected);
}

#[test]
fn a_new_https_server_gets_one_connection_that_http2_shares() {
    let s = routes::http_and_https(Cert::Valid, |_| Reply::text("shared\n"));
    let ca = test_ca();
    let urls: Vec<String> = (0..20).map(|i| s.https_url(&format!("/{i}"))).collect();
    let urls_ref: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (code, records, stderr) = run(&[&["--cacert", &ca, "-j", "20"][..], &urls_ref].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        records.iter().all(|r| r["http_version"] == "HTTP/2"),
        "{records:?}"
    );
    assert_eq!(
        s.connections(),
        1,
        "the first request's connection carries all 20"
    );

    // curl's --parallel-immediate: every request starts at once, each on a new
    // connection, since none knows yet that the server multiplexes.
    let again = routes::http_and_https(Cert::Valid, |_| Reply::text("shared\n"));
    let urls: Vec<String> = (0..20).map(|i| again.https_url(&format!("/{i}"))).collect();
    let urls_ref: Vec<&str> = urls.iter().map(String::as_str).collect();
    let immediate = [
        &["--cacert", &ca, "-j", "20", "--parallel-immediate"][..],
        &urls_ref,
    ]
    .concat();
    let (code, _, stderr) = run(&immediate);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(again.connections() > 1, "{}", again.connections());
}

/// 20 https pages, of which the first is answered only once the server has seen
/// all 20 requests: had the others waited for it to finish, it would time out.
fn first_page_waits_for_the_others() -> (routes::TestServer, Vec<String>, Arc<AtomicUsize>) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&arrived);
    let s = routes::http_and_https(Cert::Valid, move |seen| {
        counter.fetch_add(1, Ordering::SeqCst);
        if seen.target != "/0" {
            return Reply::text("quick\n");
        }
        let counter = Arc::clone(&counter);
        Reply::text("last\n").when(async move {
            routes::until(|| counter.load(Ordering::SeqCst) >= 20).await;
        })
    });
    let urls = (0..20).map(|i| s.https_url(&format!("/{i}"))).collect();
    (s, urls, arrived)
}

#[test]
fn the_others_go_as_soon_as_the_first_connection_is_up_not_when_its_page_is_done() {
    let (s, urls, arrived) = first_page_waits_for_the_others();
    // The text format, which alone does not time connections otherwise.
    let run = gather()
        .args(["--cacert", &test_ca(), "-j", "20", "-t", "10"])
        .args(&urls)
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("last"), "{}", run.stdout);
    assert_eq!(s.connections(), 1);
    assert_eq!(arrived.load(Ordering::SeqCst), 20);
}

#[test]
fn through_an_https_proxy_the_others_still_go_once_the_first_connection_is_up() {
    // With an https proxy for every URL the plain client speaks TLS too; https may
    // share it only if that client also notes new connections.
    let (s, urls, arrived) = first_page_waits_for_the_others();
    let (proxy, notes) = raw::https_proxy();
    let run = gather()
        .args(["--cacert", &test_ca(), "-j", "20", "-t", "10"])
        .args(&urls)
        .env("ALL_PROXY", proxy.https_url(""))
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("last"), "{}", run.stdout);
    assert_eq!(s.connections(), 1);
    assert_eq!(arrived.load(Ordering::SeqCst), 20);
    assert_eq!(
        *notes.lock().unwrap(),
        [format!("tunnel 127.0.0.1:{}", s.port())]
    );
}
