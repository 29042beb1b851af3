//! The command line: flags and help text (their value types and parsers are in
//! values.rs). No logic lives here.

use std::path::PathBuf;

use clap::Parser;
use clap_complete::Shell;
use http::header::HeaderName;
use url::Url;

use crate::checks::{self, HeaderCheck, Pattern};
use crate::format::FormatKind;
use crate::shard::Shard;
use crate::status::StatusSet;

mod values;

use values::{base_url, count, seconds};
pub use values::{ColorWhen, HeaderArg, ResolveArg};

/// Default for `-n`: characters printed per page.
pub const DEFAULT_CHARS: usize = 100;
/// Default for `-j`: requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 50;
/// Default for `-t`: seconds per request, body included.
pub const DEFAULT_TIMEOUT_SECS: f64 = 30.0;
/// Default for `--connect-timeout`, in seconds.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: f64 = 10.0;
/// Default for `--max-bytes`: 10 MiB, far past any prefix worth printing.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Default for `--retries`: none, so a flaky page is reported, not hidden.
pub const DEFAULT_RETRIES: u32 = 0;
/// Default for `-A/--user-agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("gather/", env!("CARGO_PKG_VERSION"));
/// Default for `--max-redirects`.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

/// The exit codes, for `--help` and the man page's EXIT STATUS.
pub const EXIT_CODES: [(&str, &str); 5] = [
    ("0", "every URL was fetched and its status accepted"),
    (
        "1",
        "at least one URL failed (or gather could not write its output)",
    ),
    (
        "2",
        "usage or input error: bad flags, a bad URL or list line, an unreadable or empty list",
    ),
    ("130", "interrupted (Ctrl-C)"),
    ("143", "terminated (SIGTERM)"),
];

/// The variables gather reads, for `--help` and the man page.
pub const ENVIRONMENT: [(&str, &str); 6] = [
    ("http_proxy, https_proxy, all_proxy", "the proxy for http URLs, for https URLs, and for both (or their upper-case forms; the lower-case one wins): http://, https://, socks4:// and socks5://"),
    ("no_proxy", "hosts, domains, IP addresses and CIDR ranges reached directly, comma-separated, or *"),
    ("SSL_CERT_FILE, SSL_CERT_DIR", "a PEM file or a folder of them that replaces the system's root certificates (--cacert adds to them instead)"),
    ("NO_COLOR", "no colour in the text format (--color auto)"),
    ("CLICOLOR_FORCE", "colour in the text format even where stdout is not a terminal"),
    ("GITHUB_STEP_SUMMARY", "where --format github appends its table"),
];

/// A few runs worth copying, for `--help` and the man page.
pub const EXAMPLES: [(&str, &str); 4] = [
    ("gather https://example.com/ https://example.org/", "the first 100 characters of two pages"),
    ("gather -k -i urls.txt --format jsonl > pages.jsonl", "every URL of a list, failures in place, as JSON Lines"),
    ("gather -k -i deploy/urls.txt --expect '</html>' --retries 2 --format github --junit smoke.xml", "a smoke check in CI: annotations, a summary table and a JUnit report from one fetch"),
    ("gather --resolve example.com:443:203.0.113.7 https://example.com/", "a new server, before DNS points at it"),
];

/// The end of `--help`: the exit codes, the environment and examples.
fn after_long_help() -> String {
    let mut text = String::from("Exit status:\n");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("  {code:<4} {meaning}\n"));
    }
    text.push_str("\nEnvironment:\n");
    for (names, meaning) in ENVIRONMENT {
        text.push_str(&format!("  {names}\n      {meaning}\n"));
    }
    text.push_str("\nExamples:\n");
    for (command, meaning) in EXAMPLES {
        text.push_str(&format!("  {command}\n      {meaning}\n"));
    }
    text
}

/// Fetch many URLs concurrently and print the first N characters of each, in input order.
#[derive(Debug, Parser)]
#[command(
    name = "gather",
    version,
    about,
    after_help = "Less common options, the exit codes and examples: --help; the manual: gather --man.",
    after_long_help = after_long_help(),
    max_term_width = 100
)]
pub struct Cli {
    /// URLs to fetch (http or https), before any list given with -i
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Read URLs from FILE, one per line (`-` for stdin); repeatable
    ///
    /// Blank lines and lines starting with # are skipped. With no URL and no -i, stdin
    /// is read if it is not a terminal.
    #[arg(
        short = 'i',
        long = "input",
        value_name = "FILE",
        help_heading = "Input"
    )]
    pub inputs: Vec<PathBuf>,

    /// Start each URL as its line arrives, for lists piped from another program
    ///
    /// Without it, every list is checked whole before anything is fetched (a bad line
    /// is exit 2 with nothing sent), and stdin is read to its end first. With it,
    /// stdin and lists are read as lines arrive and each record is written as soon as
    /// it and those before it are done; a line that is not a URL gets a failed record
    /// of kind "input" in its place, and the run exits 2 at the end (at once without
    /// -k).
    #[arg(long, help_heading = "Input")]
    pub stream: bool,

    /// Fetch the pages a sitemap lists (a file or a URL, gzip'd or not; a sitemap
    /// index is followed one level down); repeatable. Records name the sitemap and line.
    #[arg(
        long,
        value_name = "FILE|URL",
        help_heading = "Input",
        hide_short_help = true
    )]
    pub sitemap: Vec<String>,

    /// Resolve list lines (and arguments) that are paths, like /pricing, against
    /// this URL, so one list checks a preview, staging or production.
    #[arg(long, value_name = "URL", value_parser = base_url, help_heading = "Input", hide_short_help = true)]
    pub base: Option<Url>,

    /// Fetch only shard K of N (K from 1 to N): every Nth URL starting with the Kth,
    /// so N machines can share one list.
    #[arg(
        long,
        value_name = "K/N",
        help_heading = "Input",
        hide_short_help = true
    )]
    pub shard: Option<Shard>,

    /// Print the first N characters of each page; 0 checks status only
    ///
    /// N counts Unicode scalar values, decoded as a browser decodes the page.
    #[arg(short = 'n', long = "chars", value_name = "N", default_value_t = DEFAULT_CHARS,
          allow_negative_numbers = true, value_parser = count, help_heading = "Output")]
    pub chars: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatKind::Text, help_heading = "Output")]
    pub format: FormatKind,

    /// Also write a JUnit XML report to FILE, from the same fetch as stdout's records.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Output",
        hide_short_help = true
    )]
    pub junit: Option<PathBuf>,

    /// Also write the records as JSON Lines to FILE.
    #[arg(
        long = "jsonl",
        value_name = "FILE",
        help_heading = "Output",
        hide_short_help = true
    )]
    pub jsonl_file: Option<PathBuf>,

    /// Do not look for each HTML page's <title> (which may read past the -n prefix,
    /// up to the end of the title or 64 KiB).
    #[arg(long, help_heading = "Output", hide_short_help = true)]
    pub no_title: bool,

    /// Colour the text format's headers: auto colours only a terminal (and
    /// honours NO_COLOR and CLICOLOR_FORCE). Machine formats are never coloured.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto, help_heading = "Output", hide_short_help = true)]
    pub color: ColorWhen,

    /// Print control characters raw even when stdout is a terminal (by default they
    /// are shown escaped there, so a page cannot drive your terminal).
    #[arg(long, help_heading = "Output", hide_short_help = true)]
    pub raw: bool,

    /// No progress bar, heartbeat or summary on stderr
    ///
    /// Failures that stop the run are still reported.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Keep going after a failure: every URL gets its record
    ///
    /// Failures stay in place, like asyncio.gather's return_exceptions=True. The
    /// default is fail-fast: the first failure cancels everything.
    #[arg(
        short = 'k',
        long = "isolate",
        visible_alias = "keep-going",
        help_heading = "Checks"
    )]
    pub isolate: bool,

    /// HTTP statuses that count as success, e.g. 200-299,304 or 2xx
    ///
    /// Ranges may also be written 200..=299.
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "200..=299",
        help_heading = "Checks"
    )]
    pub accept: StatusSet,

    /// Require each page to contain TEXT; repeatable
    ///
    /// All must be found. The body is read until every text is found or --max-bytes
    /// is reached.
    #[arg(
        long,
        value_name = "TEXT",
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub expect: Vec<String>,

    /// Fail a page that contains TEXT (kind reject); repeatable
    ///
    /// The body is read to its end or --max-bytes; the failure quotes the text
    /// around the match.
    #[arg(
        long,
        value_name = "TEXT",
        allow_hyphen_values = true,
        help_heading = "Checks"
    )]
    pub reject: Vec<String>,

    /// Require each page to match a regex (the regex crate's syntax); repeatable.
    #[arg(
        long,
        value_name = "REGEX",
        allow_hyphen_values = true,
        help_heading = "Checks",
        hide_short_help = true
    )]
    pub expect_regex: Vec<Pattern>,

    /// Fail a page that matches a regex (kind reject); repeatable.
    #[arg(
        long,
        value_name = "REGEX",
        allow_hyphen_values = true,
        help_heading = "Checks",
        hide_short_help = true
    )]
    pub reject_regex: Vec<Pattern>,

    /// Require a response header, and one of its values to match REGEX if given
    /// (kind header); repeatable, e.g. `--expect-header 'Content-Type: json'`.
    #[arg(
        long,
        value_name = "'NAME: REGEX'",
        help_heading = "Checks",
        hide_short_help = true
    )]
    pub expect_header: Vec<HeaderCheck>,

    /// Fail a response that carries this header (kind header); repeatable.
    #[arg(long, value_name = "NAME", value_parser = checks::header_name, help_heading = "Checks", hide_short_help = true)]
    pub reject_header: Vec<HeaderName>,

    /// Fail a URL whose answer took longer than this (kind slow): seconds, or with a
    /// unit (800ms). Unlike -t, the request is not cut short, and its record keeps
    /// its text.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds,
          help_heading = "Checks", hide_short_help = true)]
    pub max_latency: Option<f64>,

    /// Fail a URL whose server certificate expires within N days (kind cert_expiry);
    /// its record keeps its text.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Checks",
        hide_short_help = true
    )]
    pub min_cert_days: Option<u32>,

    /// Stop reading a body after this many bytes (after decompression), whatever -n says.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES, help_heading = "Checks", hide_short_help = true)]
    pub max_bytes: u64,

    /// Retry transient failures up to N times
    ///
    /// Transient: connection errors and resets, timeouts, 408, 429, 500, 502, 503 and
    /// 504. Waits grow exponentially with jitter; Retry-After is honoured (up to 30 s).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETRIES, help_heading = "Checks")]
    pub retries: u32,

    /// Also retry failed checks: a status, --expect, --reject, a header check or
    /// --max-latency. With --retry-for, this waits for a deploy to go live.
    #[arg(long, help_heading = "Checks", hide_short_help = true)]
    pub retry_all: bool,

    /// Keep retrying a failing URL until it passes or this long has passed since its
    /// first attempt, whatever --retries says (5m, 90s), e.g. `--retry-all --retry-for 5m`.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds,
          help_heading = "Checks", hide_short_help = true)]
    pub retry_for: Option<f64>,

    /// Time limit per request, body included (30, 500ms, 2s, 1m)
    ///
    /// From connecting to the last byte read: seconds, or a number with a unit.
    #[arg(short = 't', long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS,
          allow_negative_numbers = true, value_parser = seconds, help_heading = "Requests")]
    pub timeout: f64,

    /// Time limit for establishing a connection (TCP and TLS): seconds, or with a unit.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CONNECT_TIMEOUT_SECS,
          allow_negative_numbers = true, value_parser = seconds, help_heading = "Requests", hide_short_help = true)]
    pub connect_timeout: f64,

    /// Follow at most this many redirects (only to http and https). With 0, a redirect
    /// is the response itself, checked against --accept (e.g. `--accept 301`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REDIRECTS, help_heading = "Requests", hide_short_help = true)]
    pub max_redirects: usize,

    /// Send this header with every request; 'Name:' removes one
    ///
    /// E.g. `-H 'Authorization: Bearer TOKEN'`; `-H 'Name:'` removes a header gather
    /// would send. Repeatable. Authorization, Cookie and Host are dropped when a
    /// redirect changes scheme, host or port.
    #[arg(
        short = 'H',
        long = "header",
        value_name = "'NAME: VALUE'",
        help_heading = "Requests"
    )]
    pub headers: Vec<HeaderArg>,

    /// The User-Agent header.
    #[arg(short = 'A', long, value_name = "UA", default_value = DEFAULT_USER_AGENT, help_heading = "Requests", hide_short_help = true)]
    pub user_agent: String,

    /// Do not verify TLS certificates (for self-signed test servers). Prints a warning.
    #[arg(long, help_heading = "Requests", hide_short_help = true)]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file, in addition to the system's roots
    /// (SSL_CERT_FILE and SSL_CERT_DIR replace those instead).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Requests",
        hide_short_help = true
    )]
    pub cacert: Option<PathBuf>,

    /// Send this client certificate (PEM) for mutual TLS; its key comes from --key,
    /// or from the same file.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Requests",
        hide_short_help = true
    )]
    pub cert: Option<PathBuf>,

    /// The private key (PEM) of the --cert client certificate.
    #[arg(
        long,
        value_name = "FILE",
        requires = "cert",
        help_heading = "Requests",
        hide_short_help = true
    )]
    pub key: Option<PathBuf>,

    /// Connect to ADDR for HOST:PORT, as curl does: the Host header, SNI and the
    /// certificate check still use HOST. Repeatable; ADDR may be a comma-separated
    /// list, and an IPv6 address goes in brackets.
    #[arg(
        long,
        value_name = "HOST:PORT:ADDR",
        help_heading = "Requests",
        hide_short_help = true
    )]
    pub resolve: Vec<ResolveArg>,

    /// Use IPv4 addresses only.
    #[arg(
        short = '4',
        long,
        conflicts_with = "ipv6",
        help_heading = "Requests",
        hide_short_help = true
    )]
    pub ipv4: bool,

    /// Use IPv6 addresses only.
    #[arg(short = '6', long, help_heading = "Requests", hide_short_help = true)]
    pub ipv6: bool,

    /// At most J requests in flight at once.
    #[arg(short = 'j', long, value_name = "J", default_value_t = DEFAULT_CONCURRENCY, help_heading = "Politeness")]
    pub concurrency: usize,

    /// At most N requests in flight to any one host.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Politeness",
        hide_short_help = true
    )]
    pub per_host: Option<usize>,

    /// Open connections to a new https server in parallel, at once
    ///
    /// By default the first request to an https server goes alone, and the others wait
    /// until it is done: if the server speaks HTTP/2, they all share its one connection
    /// (one TLS handshake instead of one per request); if not, they open more. This flag
    /// starts them together instead, as curl's --parallel-immediate does.
    #[arg(long, help_heading = "Politeness", hide_short_help = true)]
    pub parallel_immediate: bool,

    /// Start at most R requests per second, overall (retries included; fractions allowed).
    #[arg(
        long,
        value_name = "R",
        help_heading = "Politeness",
        hide_short_help = true
    )]
    pub rate: Option<f64>,

    /// Time limit for the whole run (seconds, or with a unit: 90s, 5m): what is left
    /// then is cancelled and reported as failed with reason "deadline".
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds,
          help_heading = "Politeness", hide_short_help = true)]
    pub deadline: Option<f64>,

    /// Print shell completions for SHELL to stdout, and exit.
    #[arg(
        long,
        value_name = "SHELL",
        help_heading = "Shell integration",
        hide_short_help = true
    )]
    pub completions: Option<Shell>,

    /// Print the man page (roff) to stdout, and exit.
    #[arg(long, help_heading = "Shell integration", hide_short_help = true)]
    pub man: bool,
}
