//! The command line: flags and help text, one struct of flags per help heading
//! (their value types and parsers are in values.rs). No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser};
use clap_complete::Shell;
use url::Url;

use crate::shard::Shard;

mod checking;
mod output;
mod requests;
mod values;

pub use checking::CheckFlags;
pub use output::OutputFlags;
pub use requests::{PolitenessFlags, RequestFlags};
use values::base_url;
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

    /// The flags under Input.
    #[command(flatten)]
    pub input: InputFlags,

    /// The flags under Output.
    #[command(flatten)]
    pub output: OutputFlags,

    /// The flags under Checks.
    #[command(flatten)]
    pub checks: CheckFlags,

    /// The flags under Requests.
    #[command(flatten)]
    pub requests: RequestFlags,

    /// The flags under Politeness.
    #[command(flatten)]
    pub politeness: PolitenessFlags,

    /// The flags under Shell integration.
    #[command(flatten)]
    pub shell: ShellFlags,
}

/// Where the URLs come from.
#[derive(Debug, Args)]
#[command(next_help_heading = "Input")]
pub struct InputFlags {
    /// Read URLs from FILE, one per line (`-` for stdin); repeatable
    ///
    /// Blank lines and lines starting with # are skipped. With no URL and no -i, stdin
    /// is read if it is not a terminal.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Start each URL as its line arrives, for lists piped from another program
    ///
    /// Without it, every list is checked whole before anything is fetched (a bad line
    /// is exit 2 with nothing sent), and stdin is read to its end first. With it,
    /// stdin and lists are read as lines arrive and each record is written as soon as
    /// it and those before it are done; a line that is not a URL gets a failed record
    /// of kind "input" in its place, and the run exits 2 at the end (at once without
    /// -k).
    #[arg(long)]
    pub stream: bool,

    /// Fetch the pages a sitemap lists (a file or a URL, gzip'd or not; a sitemap
    /// index is followed one level down); repeatable. Records name the sitemap and line.
    #[arg(long, value_name = "FILE|URL", hide_short_help = true)]
    pub sitemap: Vec<String>,

    /// Resolve list lines (and arguments) that are paths, like /pricing, against
    /// this URL, so one list checks a preview, staging or production.
    #[arg(long, value_name = "URL", value_parser = base_url, hide_short_help = true)]
    pub base: Option<Url>,

    /// Fetch only shard K of N (K from 1 to N): every Nth URL starting with the Kth,
    /// so N machines can share one list.
    #[arg(long, value_name = "K/N", hide_short_help = true)]
    pub shard: Option<Shard>,
}

/// Completions and the man page, generated from these definitions.
#[derive(Debug, Args)]
#[command(next_help_heading = "Shell integration")]
pub struct ShellFlags {
    /// Print shell completions for SHELL to stdout, and exit.
    #[arg(long, value_name = "SHELL", hide_short_help = true)]
    pub completions: Option<Shell>,

    /// Print the man page (roff) to stdout, and exit.
    #[arg(long, hide_short_help = true)]
    pub man: bool,
}
