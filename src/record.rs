//! One URL's result: a record holding its text or its failure, as data.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::decode::CharsetSource;

/// What gather learned about one URL.
#[derive(Debug, Clone)]
pub struct Record {
    /// Position in the input, 0-based.
    pub index: usize,
    /// The final response's status, when one arrived.
    pub status: Option<u16>,
    /// The first N characters, or why there are none.
    pub outcome: Result<String, Failure>,
    /// From the start of the request to the record being ready.
    pub elapsed: Duration,
    /// The URL after redirects, when a response arrived from a URL other than the
    /// one requested; `None` means the request's own URL (or no response).
    pub final_url: Option<Url>,
    /// Body bytes read, after content decoding (gzip and the like).
    pub bytes: u64,
    /// Requests made for this URL: 1, plus any retries.
    pub attempts: u32,
    /// The final response's `Location` header, resolved against its URL, when it
    /// had one (a redirect that was not followed, or a 201).
    pub location: Option<String>,
    /// The error a failure was classified from (reqwest's, with its source
    /// chain), for callers that want more than the failure's kind and message.
    pub cause: Option<Cause>,
    /// The encoding the body was decoded with (its WHATWG name), once decided.
    pub charset: Option<&'static str>,
    /// What decided the encoding.
    pub charset_source: Option<CharsetSource>,
    /// The HTML page's `<title>`, if it has one in its first 64 KiB.
    pub title: Option<String>,
    /// How the final response arrived.
    pub connection: Connection,
    /// The first N characters of a response that failed a check (its status,
    /// an `--expect` text, `--min-cert-days`): what the server said.
    pub failed_text: Option<String>,
}

/// How a response arrived: protocol, peer, TLS, and the time of each phase that
/// happened for it (none on a reused connection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// `HTTP/1.1` or `HTTP/2`.
    pub http_version: Option<&'static str>,
    /// The IP address and port connected to.
    pub remote_addr: Option<std::net::SocketAddr>,
    /// `TLSv1.2` or `TLSv1.3`, for https.
    pub tls_version: Option<&'static str>,
    /// The server certificate's expiry date, `YYYY-MM-DD`.
    pub cert_expires: Option<String>,
    /// Whole days until the certificate expires.
    pub cert_days_left: Option<i64>,
    /// The common name of the certificate's issuer.
    pub cert_issuer: Option<String>,
    /// Resolving the host name.
    pub dns: Option<Duration>,
    /// TCP and TLS together, after the name was resolved.
    pub connect: Option<Duration>,
    /// From sending the request (or from the connection being ready) to the
    /// response headers.
    pub ttfb: Option<Duration>,
}

/// An error kept with the failure it caused.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

impl Record {
    /// The record of the URL at `index` with `outcome` and nothing else known yet.
    pub fn new(index: usize, outcome: Result<String, Failure>) -> Record {
        Record {
            index,
            status: None,
            outcome,
            elapsed: Duration::ZERO,
            final_url: None,
            bytes: 0,
            attempts: 0,
            location: None,
            cause: None,
            charset: None,
            charset_source: None,
            title: None,
            connection: Connection::default(),
            failed_text: None,
        }
    }

    /// True if the URL was fetched and its status accepted.
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// Why a URL failed. Messages name the problem; the record names the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The server answered with a status outside `--accept`.
    #[error("HTTP {status}{} is not accepted (accepted: {accepted}; change with --accept)", reason_suffix(*.status))]
    Status {
        /// The status code.
        status: u16,
        /// The accepted set, as the user would write it.
        accepted: String,
    },
    /// The whole request, body included, took longer than `--timeout`.
    #[error("timed out after {} (raise with --timeout)", Secs(*.0))]
    Timeout(Duration),
    /// Connecting took longer than `--connect-timeout`.
    #[error("connection timed out after {} (raise with --connect-timeout)", Secs(*.0))]
    ConnectTimeout(Duration),
    /// The host name did not resolve.
    #[error("could not resolve host {0}")]
    Dns(String),
    /// TCP connection failed (refused, unreachable, reset during connect); the
    /// text names the address or proxy and the cause.
    #[error("could not connect to {0}")]
    Connect(String),
    /// The connection closed or was reset before any of the response arrived.
    #[error("the server closed the connection before answering{0}")]
    Closed(String),
    /// The TLS handshake or certificate check failed.
    #[error("TLS failed: {0}")]
    Tls(String),
    /// More redirects than `--max-redirects`.
    #[error("too many redirects (more than {0}; raise with --max-redirects)")]
    TooManyRedirects(usize),
    /// A redirect pointed somewhere other than http or https.
    #[error("refused to follow a redirect to {0}: only http and https are followed")]
    RedirectRefused(String),
    /// A redirect's Location is not a URL that can be followed.
    #[error("the redirect's Location {0} is not a URL that can be followed")]
    RedirectInvalid(String),
    /// The connection broke or the body was malformed while reading.
    #[error("reading the body failed: {0}")]
    Body(String),
    /// The server certificate expires within `--min-cert-days`.
    #[error("{}", cert_expiry_message(.expires, *.days_left, *.min_days))]
    CertExpiry {
        /// The expiry date, `YYYY-MM-DD`.
        expires: String,
        /// Whole days left (negative once expired).
        days_left: i64,
        /// The `--min-cert-days` asked for.
        min_days: u32,
    },
    /// Texts (`--expect`) or patterns (`--expect-regex`) the body did not contain.
    #[error("{}", expect_message(.missing, *.searched, *.whole_body))]
    Expect {
        /// The texts (quoted) and patterns (`/…/`) not found, in the order given.
        missing: Vec<String>,
        /// Body bytes searched.
        searched: u64,
        /// Whether the search reached the end of the body (or stopped at --max-bytes).
        whole_body: bool,
    },
    /// The body held a text (`--reject`) or pattern (`--reject-regex`) it must not.
    #[error("found rejected {} {check} in {context}", if check.starts_with('/') { "pattern" } else { "text" })]
    Reject {
        /// The text (quoted) or pattern (`/…/`) as given.
        check: String,
        /// Where it was found: the match with some text on each side, quoted.
        context: String,
    },
    /// A header check (`--expect-header`, `--reject-header`) failed.
    #[error("{0}")]
    Header(String),
    /// The answer took longer than `--max-latency`; the record keeps its text.
    #[error("took {}, more than --max-latency {}", Secs(*.took), Secs(*.limit))]
    Slow {
        /// How long the attempt that answered took.
        took: Duration,
        /// The `--max-latency` given.
        limit: Duration,
    },
    /// The run's `--deadline` passed before this URL finished.
    #[error("deadline: the run's --deadline passed before this URL finished")]
    Deadline,
    /// Ctrl-C or SIGTERM stopped the run before this URL finished.
    #[error("interrupted: the run was stopped (Ctrl-C or SIGTERM) before this URL finished")]
    Interrupted,
    /// Anything else the HTTP exchange reported.
    #[error("request failed: {0}")]
    Request(String),
    /// A line of a `--stream` list that is not a URL; nothing was fetched for it.
    #[error("bad input line: {0}")]
    Input(String),
}

impl Failure {
    /// True for failures another attempt may cure: connection errors, timeouts,
    /// and the statuses servers use for "try again later".
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Connect(_)
            | Failure::Closed(_)
            | Failure::ConnectTimeout(_)
            | Failure::Timeout(_) => true,
            // The statuses curl's --retry treats as transient.
            Failure::Status { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// True for a failed check on an answer that came: its status, text,
    /// headers or time, which `--retry-all` retries until the page is as expected.
    pub fn is_check(&self) -> bool {
        matches!(
            self,
            Failure::Status { .. }
                | Failure::Expect { .. }
                | Failure::Reject { .. }
                | Failure::Header(_)
                | Failure::Slow { .. }
        )
    }

    /// A stable one-word name for scripts (`error_kind` in JSON).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Status { .. } => "status",
            Failure::Timeout(_) => "timeout",
            Failure::ConnectTimeout(_) => "connect_timeout",
            Failure::Dns(_) => "dns",
            Failure::Connect(_) => "connect",
            Failure::Closed(_) => "closed",
            Failure::Tls(_) => "tls",
            Failure::TooManyRedirects(_) => "too_many_redirects",
            Failure::RedirectRefused(_) => "redirect_refused",
            Failure::RedirectInvalid(_) => "redirect_invalid",
            Failure::Body(_) => "body",
            Failure::Expect { .. } => "expect",
            Failure::Reject { .. } => "reject",
            Failure::Header(_) => "header",
            Failure::Slow { .. } => "slow",
            Failure::CertExpiry { .. } => "cert_expiry",
            Failure::Deadline => "deadline",
            Failure::Interrupted => "interrupted",
            Failure::Request(_) => "request",
            Failure::Input(_) => "input",
        }
    }
}

fn cert_expiry_message(expires: &str, days_left: i64, min_days: u32) -> String {
    let when = match days_left {
        ..0 => format!("expired on {expires}, {} days ago", -days_left),
        0 => format!("expires on {expires}, today"),
        1 => format!("expires on {expires}, in 1 day"),
        days => format!("expires on {expires}, in {days} days"),
    };
    format!("the server certificate {when} (--min-cert-days {min_days})")
}

fn expect_message(missing: &[String], searched: u64, whole_body: bool) -> String {
    let noun = if missing.len() == 1 { "text" } else { "texts" };
    let scope = if whole_body {
        format!("the whole body, {searched} bytes")
    } else {
        format!("the first {searched} bytes; raise with --max-bytes")
    };
    format!(
        "expected {noun} not found: {} (searched {scope})",
        missing.join(", ")
    )
}

fn reason_suffix(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default()
}

/// A duration shown as seconds the way a user typed them: `30s`, `1.5s`.
pub struct Secs(pub Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.as_secs_f64();
        if secs.fract() == 0.0 {
            write!(f, "{secs:.0}s")
        } else if secs >= 10.0 {
            write!(f, "{secs:.1}s")
        } else {
            write!(f, "{secs:.2}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let status = Failure::Status {
            status: 404,
            accepted: "200..=299".into(),
        };
        assert_eq!(
            status.to_string(),
            "HTTP 404 Not Found is not accepted (accepted: 200..=299; change with --accept)"
        );
        assert_eq!(
            Failure::Timeout(Duration::from_millis(1500)).to_string(),
            "timed out after 1.50s (raise with --timeout)"
        );
        assert_eq!(Failure::Timeout(Duration::from_secs(30)).kind(), "timeout");
        let expect = Failure::Expect {
            missing: vec![r#""Welcome""#.into(), "/O?K/".into()],
            searched: 10,
            whole_body: false,
        };
        assert_eq!(
            expect.to_string(),
            "expected texts not found: \"Welcome\", /O?K/ (searched the first 10 bytes; raise with --max-bytes)"
        );
        let reject = Failure::Reject {
            check: "/[Ee]rror/".into(),
            context: r#""… an Error here""#.into(),
        };
        assert_eq!(
            reject.to_string(),
            r#"found rejected pattern /[Ee]rror/ in "… an Error here""#
        );
        let slow = Failure::Slow {
            took: Duration::from_millis(1234),
            limit: Duration::from_millis(800),
        };
        assert_eq!(
            slow.to_string(),
            "took 1.23s, more than --max-latency 0.80s"
        );
    }

    #[test]
    fn only_try_again_failures_are_transient() {
        let status = |status| Failure::Status {
            status,
            accepted: String::new(),
        };
        for transient in [408, 429, 500, 502, 503, 504] {
            assert!(status(transient).is_transient(), "{transient}");
        }
        assert!(!status(404).is_transient() && !status(501).is_transient());
        assert!(Failure::Closed(String::new()).is_transient());
        assert!(Failure::Connect("refused".into()).is_transient());
        assert!(!Failure::Dns("no such host".into()).is_transient());
        assert!(!Failure::Deadline.is_transient());
    }
}
