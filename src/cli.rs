//! The command line: flags, value parsers and help text. No logic lives here.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, ValueEnum};
use clap_complete::Shell;
use http::header::{HeaderName, HeaderValue};
use url::Url;

use crate::checks::{self, HeaderCheck, Pattern};
use crate::shard::Shard;
use crate::status::StatusSet;

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
    #[arg(long, value_enum, default_value_t = FormatName::Text, help_heading = "Output")]
    pub format: FormatName,

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

/// When `--color` colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal, unless NO_COLOR is set (or always with CLICOLOR_FORCE).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatName {
    /// A `==> URL <==` header line, then the text (like head(1) on several files).
    Text,
    /// One JSON object per line.
    Jsonl,
    /// One JSON array of record objects.
    Json,
    /// Tab-separated values with a header line; tabs, newlines and backslashes escaped.
    Tsv,
    /// JUnit XML: one testcase per URL, for CI test reporters.
    Junit,
    /// GitHub Actions annotations for failures, and a table in $GITHUB_STEP_SUMMARY.
    Github,
}

/// A count of 0 or more, with a message that says so for `-n -5`.
fn count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| format!("{text:?} is not a count: it must be a whole number, 0 or more"))
}

/// A time as seconds: a number (`30`, `1.5`) or a number with a unit (`500ms`,
/// `2s`, `1m`, `1h`). Whether it is in range is config's to say.
fn base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("give an http:// or https:// URL with a host".to_string());
    }
    Ok(url)
}

fn seconds(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let units = [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|number| (number, *scale)))
        .unwrap_or((text, 1.0));
    number
        .trim()
        .parse::<f64>()
        .map(|value| value * scale)
        .map_err(|_| format!("{text:?} is not a time; write seconds (30, 1.5) or 500ms, 2s, 1m"))
}

/// One `--resolve HOST:PORT:ADDR[,ADDR…]` argument, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveArg {
    /// The host name the URL uses.
    pub host: String,
    /// The addresses to connect to instead of resolving it, with the port.
    pub addrs: Vec<std::net::SocketAddr>,
}

impl FromStr for ResolveArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "{text:?} is not HOST:PORT:ADDR; write e.g. example.com:443:203.0.113.7 \
                 or example.com:443:[2001:db8::7]"
            )
        };
        let (host, rest) = text.split_once(':').ok_or_else(usage)?;
        let (port, addrs) = rest.split_once(':').ok_or_else(usage)?;
        let port: u16 = port.parse().map_err(|_| usage())?;
        if host.is_empty() || port == 0 {
            return Err(usage());
        }
        let addrs = addrs
            .split(',')
            .map(|addr| {
                let bare = addr.trim().trim_start_matches('[').trim_end_matches(']');
                bare.parse::<std::net::IpAddr>()
                    .map(|ip| std::net::SocketAddr::new(ip, port))
                    .map_err(|_| format!("{addr:?} in {text:?} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResolveArg {
            host: host.to_ascii_lowercase(),
            addrs,
        })
    }
}

/// One `-H 'Name: value'` argument, checked. As in curl, `Name:` with nothing
/// after it removes the header and `Name;` sends it empty.
#[derive(Debug, Clone)]
pub struct HeaderArg {
    /// The header name.
    pub name: HeaderName,
    /// The header value; `None` removes the header.
    pub value: Option<HeaderValue>,
}

impl FromStr for HeaderArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(name) = text.strip_suffix(';').filter(|name| !name.contains(':')) {
            let name = checks::header_name(name)?;
            return Ok(HeaderArg {
                name,
                value: Some(HeaderValue::from_static("")),
            });
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not a header; write it as 'Name: value'"))?;
        let name = checks::header_name(name)?;
        if value.trim().is_empty() {
            return Ok(HeaderArg { name, value: None });
        }
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("the value of {name} has characters a header cannot carry"))?;
        Ok(HeaderArg {
            name,
            value: Some(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_units_and_counts_say_what_they_must_be() {
        assert_eq!(seconds("30"), Ok(30.0));
        assert_eq!(seconds("500ms"), Ok(0.5));
        assert_eq!(seconds("1.5s"), Ok(1.5));
        assert_eq!(seconds("2m"), Ok(120.0));
        assert!(seconds("soon").is_err());
        assert!(count("-5").unwrap_err().contains("0 or more"));
        assert_eq!(count("12"), Ok(12));
    }

    #[test]
    fn resolve_takes_curls_syntax() {
        let arg: ResolveArg = "Example.com:8443:203.0.113.7,[2001:db8::7]"
            .parse()
            .unwrap();
        assert_eq!(arg.host, "example.com");
        let addrs: Vec<String> = arg.addrs.iter().map(ToString::to_string).collect();
        assert_eq!(addrs, ["203.0.113.7:8443", "[2001:db8::7]:8443"]);
        for bad in [
            "example.com",
            "example.com:443",
            "example.com:x:1.2.3.4",
            "example.com:443:host",
            ":443:1.2.3.4",
        ] {
            assert!(bad.parse::<ResolveArg>().is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_parse_and_bad_ones_are_refused() {
        let header: HeaderArg = "X-Token:  abc def ".parse().unwrap();
        assert_eq!(
            (
                header.name.as_str(),
                header.value.unwrap().to_str().unwrap()
            ),
            ("x-token", "abc def")
        );
        let removed: HeaderArg = "User-Agent:".parse().unwrap();
        assert_eq!((removed.name.as_str(), removed.value), ("user-agent", None));
        let empty: HeaderArg = "X-Empty;".parse().unwrap();
        assert_eq!(empty.value.unwrap(), "");
        assert!("no colon".parse::<HeaderArg>().is_err());
        assert!("bad name: x".parse::<HeaderArg>().is_err());
        assert!("X-A: line\nbreak".parse::<HeaderArg>().is_err());
    }
}
