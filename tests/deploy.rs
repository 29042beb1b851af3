//! Checking a deploy before and after DNS: `--resolve`, a private CA, client
//! certificates, `-4`/`-6`, certificate expiry, and what each record says about
//! its connection (protocol, address, TLS, timings).

mod support;

use support::routes::{self, test_ca, test_client_cert, Cert, Reply, TEST_CA_PEM};
use support::{error_of, gather};

#[test]
fn resolve_reaches_a_server_by_a_name_no_dns_knows() {
    let s = routes::http_and_https(Cert::Valid, |seen| {
        Reply::text(&format!("host {}\n", seen.host))
    });
    let name = format!("test.gather.example:{}", s.port());
    let resolve = format!("{name}:127.0.0.1");
    let url = format!("https://{name}/");
    let run = gather()
        .args(["--resolve", &resolve, "--cacert", &test_ca(), &url])
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let record = &run.records()[0];
    // The Host header, SNI and the certificate check all used the name.
    assert_eq!(record["text"], format!("host {name}\n"));
    assert_eq!(record["remote_addr"], format!("127.0.0.1:{}", s.port()));
    assert_eq!(record["http_version"], "HTTP/2");
    assert_eq!(record["tls_version"], "TLSv1.3");
    assert_eq!(record["cert_issuer"], "gather test CA");
    assert!(
        record["cert_expires"]
            .as_str()
            .unwrap()
            .starts_with("2126-"),
        "{record}"
    );

    // Without --cacert the test CA is unknown, and the message says what to do.
    let run = gather().args(["--resolve", &resolve, &url]).jsonl();
    let record = &run.records()[0];
    assert_eq!(record["error_kind"], "tls");
    assert!(error_of(record).contains("--cacert FILE"), "{record}");

    for bad in [
        "test.gather.example",
        "test.gather.example:443",
        "x:443:not-an-ip",
        "x:0:127.0.0.1",
    ] {
        let run = gather().args(["--resolve", bad, &url]).run();
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
    }
}

#[test]
fn a_server_that_requires_a_client_certificate_gets_one_from_cert_and_key() {
    let (cert, key) = Cert::Valid.pem();
    let s = routes::http_and_https_with(cert, key, Some(TEST_CA_PEM), |_| Reply::text("mutual\n"));
    let (client_cert, client_key) = test_client_cert();
    let url = s.https_url("/");
    let run = gather()
        .args([
            "--cacert",
            &test_ca(),
            "--cert",
            &client_cert,
            "--key",
            &client_key,
            &url,
        ])
        .jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.records()[0]["text"], "mutual\n");

    // The key may come through a pipe, as from a secret store, not only a file.
    let piped = gather()
        .args(["--cacert", &test_ca(), "--cert", &client_cert])
        .args(["--key", "/dev/stdin", &url])
        .stdin(std::fs::read(&client_key).unwrap())
        .jsonl();
    assert_eq!(piped.code, Some(0), "{}", piped.stderr);
    assert_eq!(piped.records()[0]["text"], "mutual\n");

    let refused = gather().args(["--cacert", &test_ca(), &url]).jsonl();
    let record = &refused.records()[0];
    assert_eq!(record["error_kind"], "tls", "{record}");
    assert!(
        error_of(record).contains("requires a client certificate"),
        "{record}"
    );

    // A missing file, a file that is no certificate, or a key of another
    // certificate is a usage error before anything is sent.
    let other_key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/pki/wrongname-key.pem"
    );
    for args in [
        vec!["--cert", "/no/such/cert.pem"],
        vec!["--cert", "Cargo.toml"],
        vec!["--cert", client_cert.as_str(), "--key", other_key],
    ] {
        let run = gather().args(&args).arg(&url).run();
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("--cert") || run.stderr.contains("--key"),
            "{}",
            run.stderr
        );
    }
    let mismatched = gather()
        .args(["--cert", &client_cert, "--key", other_key, &url])
        .run();
    assert!(
        mismatched.stderr.contains("does not belong"),
        "{}",
        mismatched.stderr
    );
}

#[test]
fn ipv4_and_ipv6_only_keep_to_their_family() {
    let s = routes::http(|_| Reply::text("v4 only\n"));
    let by_name = format!("http://localhost:{}/", s.port());
    let run = gather().args(["-4", &by_name]).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.records()[0]["remote_addr"],
        format!("127.0.0.1:{}", s.port())
    );
    // The server listens on 127.0.0.1 only: over IPv6 it cannot be reached, by
    // name or by address.
    let run = gather()
        .arg("-k")
        .args(["-6", &by_name, &s.url("/")])
        .jsonl();
    assert_eq!(run.code, Some(1));
    for record in run.records() {
        assert_eq!(record["ok"], false, "{record}");
        assert!(
            ["dns", "connect"].contains(&record["error_kind"].as_str().unwrap()),
            "{record}"
        );
    }
    assert_eq!(s.seen().len(), 1, "only the -4 request arrived");
    let both = gather().args(["-4", "-6", &by_name]).run();
    assert_eq!(both.code, Some(2));
}

/// A self-signed certificate for 127.0.0.1 that expires in `days` days.
fn expiring_in(days: i64) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let now = std::time::SystemTime::now();
    params.not_before = (now - std::time::Duration::from_secs(86_400)).into();
    params.not_after = (now + std::time::Duration::from_secs(days as u64 * 86_400 + 3_600)).into();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[test]
fn min_cert_days_fails_a_certificate_that_expires_soon_and_keeps_the_text() {
    let (cert, key) = expiring_in(10);
    let s = routes::http_and_https_with(cert.as_bytes(), key.as_bytes(), None, |_| {
        Reply::text("still up\n")
    });
    let url = s.https_url("/");
    let run = gather()
        .args(["--insecure", "--min-cert-days", "30", &url])
        .jsonl();
    assert_eq!(run.code, Some(1));
    let record = &run.records()[0];
    assert_eq!(record["error_kind"], "cert_expiry", "{record}");
    assert_eq!(record["text"], "still up\n");
    assert_eq!(record["cert_days_left"], 10);
    let expires = record["cert_expires"].as_str().unwrap().to_string();
    assert_eq!(
        error_of(record),
        format!("the server certificate expires on {expires}, in 10 days (--min-cert-days 30)")
    );
    // The text format keeps the text under the failure too.
    let text = gather()
        .args(["-q", "--insecure", "--min-cert-days", "30", &url])
        .run();
    assert!(
        text.stdout
            .contains("FAILED: the server certificate expires on"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.ends_with("\nstill up\n"), "{}", text.stdout);
    // Within the limit it passes, and the summary names the certificate all the same.
    let run = gather()
        .args(["--insecure", "--min-cert-days", "5", &url])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("expires soonest: on {expires}, in 10 days")),
        "{}",
        run.stderr
    );
}

#[test]
fn timings_add_up_and_a_reused_connection_has_no_connect_time() {
    let s = routes::http(|_| Reply::text("timed\n"));
    let first = format!("http://localhost:{}/1", s.port());
    let second = format!("http://localhost:{}/2", s.port());
    let run = gather().args(["-j", "1", &first, &second]).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let records = run.records();
    let ms = |record: &serde_json::Value, field: &str| record[field].as_u64();
    let total = ms(&records[0], "elapsed_ms").unwrap();
    let dns = ms(&records[0], "dns_ms").expect("a name was looked up");
    let connect = ms(&records[0], "connect_ms").expect("a connection was made");
    let ttfb = ms(&records[0], "ttfb_ms").expect("a response arrived");
    assert!(dns + connect + ttfb <= total + 2, "{}", records[0]);
    assert_eq!(records[0]["http_version"], "HTTP/1.1");
    assert_eq!(
        records[1]["connect_ms"],
        serde_json::Value::Null,
        "{}",
        records[1]
    );
    assert_eq!(
        records[1]["dns_ms"],
        serde_json::Value::Null,
        "{}",
        records[1]
    );
    assert!(ms(&records[1], "ttfb_ms").is_some());
    assert_eq!(s.seen().len(), 2);
}
