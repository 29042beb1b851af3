//! The command line: flags, value parsers and help text. No logic lives here.

use std::path::PathBuf;

use clap::Parser;
use clap_complete::Shell;

use crate::config::{
    HeaderArg, Shard, DEFAULT_CHARS, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_SECS,
    DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_SECS,
    DEFAULT_USER_AGENT,
};
use crate::output::FormatKind;
use crate::status::StatusSet;

const AFTER_HELP: &str = "\
Exit status:
  0    every URL was fetched and its status accepted
  1    at least one URL failed (or gather could not write its output)
  2    usage or input error: bad flags, bad URLs, an unreadable or empty list;
       nothing is fetched
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)

Proxies come from http_proxy, https_proxy, all_proxy and no_proxy (or their
upper-case forms), as with curl: http://, https://, socks4:// and socks5://.

Examples:
  gather https://example.com/ https://example.org/
  gather -i urls.txt -n 200 --format jsonl > pages.jsonl
  gather -k -i urls.txt --expect '<title>' --retries 2 --format junit > report.xml";

/// Fetch many URLs concurrently and print the first N characters of each, in input order.
#[derive(Debug, Parser)]
#[command(
    name = "gather",
    version,
    about,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// URLs to fetch (http or https). Fetched before any list given with -i.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Read URLs from FILE, one per line (`-` for stdin); blank lines and lines starting
    /// with # are skipped. Repeatable. With no URL and no -i, stdin is read if it is not a terminal.
    #[arg(
        short = 'i',
        long = "input",
        value_name = "FILE",
        help_heading = "Input"
    )]
    pub inputs: Vec<PathBuf>,

    /// Fetch only shard K of N (K from 0 to N-1): the URLs at 0-based positions i
    /// with i mod N = K, so N machines can share one list.
    #[arg(long, value_name = "K/N", help_heading = "Input")]
    pub shard: Option<Shard>,

    /// Print the first N characters (Unicode scalar values) of each body; 0 checks status only.
    #[arg(short = 'n', long = "chars", value_name = "N", default_value_t = DEFAULT_CHARS, help_heading = "Output")]
    pub chars: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatKind::Text, help_heading = "Output")]
    pub format: FormatKind,

    /// Print control characters raw even when stdout is a terminal (by default they
    /// are shown escaped there, so a page cannot drive your terminal).
    #[arg(long, help_heading = "Output")]
    pub raw: bool,

    /// No progress bar, heartbeat or summary on stderr; failures are still reported.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Keep going after a failure: every URL gets its record, failures in place
    /// (like asyncio.gather's return_exceptions=True). The default is fail-fast.
    #[arg(
        short = 'k',
        long = "isolate",
        visible_alias = "keep-going",
        help_heading = "Checks"
    )]
    pub isolate: bool,

    /// HTTP statuses that count as success, e.g. `200..=299,304`.
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "200..=299",
        help_heading = "Checks"
    )]
    pub accept: StatusSet,

    /// Require each page to contain TEXT (repeatable: all must be found). The body is
    /// read until every text is found or --max-bytes is reached.
    #[arg(long, value_name = "TEXT", help_heading = "Checks")]
    pub expect: Vec<String>,

    /// Stop reading a body after this many bytes (after decompression), whatever -n says.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES, help_heading = "Checks")]
    pub max_bytes: u64,

    /// Retry transient failures (connection errors and resets, timeouts, 408, 429, 500,
    /// 502, 503, 504) up to N times, with exponential backoff and jitter; Retry-After is
    /// honoured (up to 30 s).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETRIES, help_heading = "Checks")]
    pub retries: u32,

    /// Time limit per request, from connecting to the last byte read, in seconds.
    #[arg(short = 't', long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS, help_heading = "Requests")]
    pub timeout: f64,

    /// Time limit for establishing a connection (TCP and TLS), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CONNECT_TIMEOUT_SECS, help_heading = "Requests")]
    pub connect_timeout: f64,

    /// Follow at most this many redirects (only to http and https). With 0, a redirect
    /// is the response itself, checked against --accept (e.g. `--accept 301`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REDIRECTS, help_heading = "Requests")]
    pub max_redirects: usize,

    /// Send this header with every request, e.g. `-H 'Authorization: Bearer TOKEN'`;
    /// `-H 'Name:'` removes a header gather would send. Repeatable. Authorization,
    /// Cookie and Host are dropped when a redirect changes scheme, host or port.
    #[arg(
        short = 'H',
        long = "header",
        value_name = "'NAME: VALUE'",
        help_heading = "Requests"
    )]
    pub headers: Vec<HeaderArg>,

    /// The User-Agent header.
    #[arg(short = 'A', long, value_name = "UA", default_value = DEFAULT_USER_AGENT, help_heading = "Requests")]
    pub user_agent: String,

    /// Do not verify TLS certificates (for self-signed test servers). Prints a warning.
    #[arg(long, help_heading = "Requests")]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file, in addition to the system's.
    #[arg(long, value_name = "FILE", help_heading = "Requests")]
    pub cacert: Option<PathBuf>,

    /// At most J requests in flight at once.
    #[arg(short = 'j', long, value_name = "J", default_value_t = DEFAULT_CONCURRENCY, help_heading = "Politeness")]
    pub concurrency: usize,

    /// At most N requests in flight to any one host.
    #[arg(long, value_name = "N", help_heading = "Politeness")]
    pub per_host: Option<usize>,

    /// Start at most R requests per second, overall (retries included; fractions allowed).
    #[arg(long, value_name = "R", help_heading = "Politeness")]
    pub rate: Option<f64>,

    /// Time limit for the whole run, in seconds: what is left then is cancelled and
    /// reported as failed with reason "deadline".
    #[arg(long, value_name = "SECS", help_heading = "Politeness")]
    pub deadline: Option<f64>,

    /// Print shell completions for SHELL to stdout, and exit.
    #[arg(long, value_name = "SHELL", help_heading = "Shell integration")]
    pub completions: Option<Shell>,

    /// Print the man page (roff) to stdout, and exit.
    #[arg(long, help_heading = "Shell integration")]
    pub man: bool,
}
