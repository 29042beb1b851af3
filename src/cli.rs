//! The command line: flags, value parsers and help text. No logic lives here.

use std::path::PathBuf;

use clap::Parser;

use crate::config::{
    HeaderArg, DEFAULT_CHARS, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_SECS,
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

Examples:
  gather https://example.com/ https://example.org/
  gather -i urls.txt -n 200 --format jsonl > pages.jsonl
  grep -v staging urls.txt | gather -k -q || echo 'some pages are down'";

/// Fetch many URLs concurrently and print the first N characters of each, in input order.
#[derive(Debug, Parser)]
#[command(name = "gather", version, about, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// URLs to fetch (http or https). Fetched before any list given with -i.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Read URLs from FILE, one per line (`-` for stdin); blank lines and lines starting
    /// with # are skipped. Repeatable. With no URL and no -i, stdin is read if it is not a terminal.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Print the first N characters (Unicode scalar values) of each body; 0 checks status only.
    #[arg(short = 'n', long = "chars", value_name = "N", default_value_t = DEFAULT_CHARS)]
    pub chars: usize,

    /// At most J requests in flight at once.
    #[arg(short = 'j', long, value_name = "J", default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,

    /// Keep going after a failure: every URL gets its record, failures in place
    /// (like asyncio.gather's return_exceptions=True). The default is fail-fast.
    #[arg(short = 'k', long = "isolate", visible_alias = "keep-going")]
    pub isolate: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatKind::Text)]
    pub format: FormatKind,

    /// Time limit per request, from connecting to the last byte read, in seconds.
    #[arg(short = 't', long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS)]
    pub timeout: f64,

    /// Time limit for establishing a connection (TCP and TLS), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CONNECT_TIMEOUT_SECS)]
    pub connect_timeout: f64,

    /// Follow at most this many redirects (only to http and https).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REDIRECTS)]
    pub max_redirects: usize,

    /// HTTP statuses that count as success, e.g. `200..=299,304`.
    #[arg(long, value_name = "SPEC", default_value = "200..=299")]
    pub accept: StatusSet,

    /// Stop reading a body after this many bytes (after decompression), whatever -n says.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,

    /// Send this header with every request, e.g. `-H 'Authorization: Bearer TOKEN'`.
    /// Repeatable. Authorization and Cookie are dropped when a redirect leads to another host.
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<HeaderArg>,

    /// Print control characters raw even when stdout is a terminal (by default they
    /// are shown escaped there, so a page cannot drive your terminal).
    #[arg(long)]
    pub raw: bool,

    /// No progress bar and no summary on stderr; failures are still reported.
    #[arg(short, long)]
    pub quiet: bool,
}
