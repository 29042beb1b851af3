//! The flags of the Checks heading: what makes a URL pass or fail, and retries.

use clap::Args;
use http::header::HeaderName;

use super::values::seconds;
use super::{DEFAULT_MAX_BYTES, DEFAULT_RETRIES};
use crate::checks::{self, HeaderCheck, Pattern};
use crate::status::StatusSet;

/// What makes a URL pass or fail, and how often it is tried.
#[derive(Debug, Args)]
#[command(next_help_heading = "Checks")]
pub struct CheckFlags {
    /// Keep going after a failure: every URL gets its record
    ///
    /// Failures stay in place, like asyncio.gather's return_exceptions=True. The
    /// default is fail-fast: the first failure cancels everything.
    #[arg(short = 'k', long = "isolate", visible_alias = "keep-going")]
    pub isolate: bool,

    /// HTTP statuses that count as success, e.g. 200-299,304 or 2xx
    ///
    /// Ranges may also be written 200..=299.
    #[arg(long, value_name = "SPEC", default_value = "200..=299")]
    pub accept: StatusSet,

    /// Require each page to contain TEXT; repeatable
    ///
    /// All must be found. The body is read until every text is found or --max-bytes
    /// is reached.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub expect: Vec<String>,

    /// Fail a page that contains TEXT (kind reject); repeatable
    ///
    /// The body is read to its end or --max-bytes; the failure quotes the text
    /// around the match.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub reject: Vec<String>,

    /// Require each page to match a regex (the regex crate's syntax); repeatable.
    #[arg(
        long,
        value_name = "REGEX",
        allow_hyphen_values = true,
        hide_short_help = true
    )]
    pub expect_regex: Vec<Pattern>,

    /// Fail a page that matches a regex (kind reject); repeatable.
    #[arg(
        long,
        value_name = "REGEX",
        allow_hyphen_values = true,
        hide_short_help = true
    )]
    pub reject_regex: Vec<Pattern>,

    /// Require a response header, and one of its values to match REGEX if given
    /// (kind header); repeatable, e.g. `--expect-header 'Content-Type: json'`.
    #[arg(long, value_name = "'NAME: REGEX'", hide_short_help = true)]
    pub expect_header: Vec<HeaderCheck>,

    /// Fail a response that carries this header (kind header); repeatable.
    #[arg(long, value_name = "NAME", value_parser = checks::header_name, hide_short_help = true)]
    pub reject_header: Vec<HeaderName>,

    /// Fail a URL whose answer took longer than this (kind slow): seconds, or with a
    /// unit (800ms). Unlike -t, the request is not cut short, and its record keeps
    /// its text.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds, hide_short_help = true)]
    pub max_latency: Option<f64>,

    /// Fail a URL whose server certificate expires within N days (kind cert_expiry);
    /// its record keeps its text.
    #[arg(long, value_name = "N", hide_short_help = true)]
    pub min_cert_days: Option<u32>,

    /// Stop reading a body after this many bytes (after decompression), whatever -n says.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES, hide_short_help = true)]
    pub max_bytes: u64,

    /// Retry transient failures up to N times
    ///
    /// Transient: connection errors and resets, timeouts, 408, 429, 500, 502, 503 and
    /// 504. Waits grow exponentially with jitter; Retry-After is honoured (up to 30 s).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETRIES)]
    pub retries: u32,

    /// Also retry failed checks: a status, --expect, --reject, a header check or
    /// --max-latency. With --retry-for, this waits for a deploy to go live.
    #[arg(long, hide_short_help = true)]
    pub retry_all: bool,

    /// Keep retrying a failing URL until it passes or this long has passed since its
    /// first attempt, whatever --retries says (5m, 90s), e.g. `--retry-all --retry-for 5m`.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds, hide_short_help = true)]
    pub retry_for: Option<f64>,
}
