//! The validated run configuration built from the command line, and its defaults.

use std::str::FromStr;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::cli::Cli;
use crate::error::UsageError;
use crate::input::{self, ListSource, Target};
use crate::limits;
use crate::output::FormatKind;
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
/// Default for `--max-redirects`.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
/// The longest timeout accepted: a day, well past any real request, and far from
/// the values that would overflow a timer.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// What happens after a URL fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Cancel everything at the first failure (like Python's TaskGroup).
    FailFast,
    /// Fetch every URL and report each failure in its own record.
    Isolate,
}

/// Which of the standard streams are terminals; decides bars, stdin and escaping.
#[derive(Debug, Clone, Copy)]
pub struct Terminals {
    /// stdin is a terminal (so it is not read implicitly).
    pub stdin: bool,
    /// stdout is a terminal (so control characters are escaped).
    pub stdout: bool,
    /// stderr is a terminal (so the progress bar is drawn).
    pub stderr: bool,
}

impl Terminals {
    /// Asks the operating system about the three standard streams.
    pub fn detect() -> Terminals {
        use std::io::IsTerminal;
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }
}

/// Everything a run needs, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URLs, in input order.
    pub targets: Vec<Target>,
    /// Characters per page.
    pub chars: usize,
    /// Requests in flight at once, at least 1.
    pub concurrency: usize,
    /// Fail-fast or isolate.
    pub mode: Mode,
    /// Output format.
    pub format: FormatKind,
    /// Per-request time limit, body included.
    pub timeout: Duration,
    /// Connection time limit.
    pub connect_timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Statuses that count as success.
    pub accept: StatusSet,
    /// Body bytes read at most per URL.
    pub max_bytes: u64,
    /// Extra request headers, in the order given.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Problems worth one line on stderr that do not stop the run.
    pub warnings: Vec<String>,
    /// Escape control characters in text output.
    pub escape_controls: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Print the one-line summary on stderr.
    pub summary: bool,
}

impl Config {
    /// Validates the flags and reads every URL list; any problem is a usage error.
    /// `open_files` is the open-file limit in force, which may cap the concurrency.
    pub fn from_cli(
        cli: Cli,
        terminals: Terminals,
        open_files: Option<u64>,
    ) -> Result<Config, UsageError> {
        if cli.concurrency == 0 {
            return Err(invalid("-j/--concurrency must be at least 1"));
        }
        if cli.max_bytes == 0 {
            return Err(invalid("--max-bytes must be at least 1"));
        }
        let mut warnings = Vec::new();
        let mut concurrency = cli.concurrency;
        if let Some(open_files) = open_files {
            let most = limits::concurrency_within(open_files);
            if concurrency > most {
                warnings.push(format!(
                    "-j {concurrency} needs more open files than the limit of {open_files} allows; \
                     using -j {most} (raise the limit with `ulimit -n`)"
                ));
                concurrency = most;
            }
        }
        let timeout = seconds("-t/--timeout", cli.timeout)?;
        let connect_timeout = seconds("--connect-timeout", cli.connect_timeout)?;

        let mut lists: Vec<ListSource> =
            cli.inputs.iter().map(|p| ListSource::from_arg(p)).collect();
        if cli.urls.is_empty() && lists.is_empty() {
            if terminals.stdin {
                return Err(invalid(
                    "no URLs given: pass URLs as arguments, a list with -i FILE, or pipe a list on stdin",
                ));
            }
            lists.push(ListSource::Stdin);
        }
        let targets = input::collect(&cli.urls, &lists)?;
        if targets.is_empty() {
            let searched = lists_named(&lists);
            return Err(UsageError::Empty(format!(
                "{searched} held no URL (only blank or # comment lines)"
            )));
        }
        Ok(Config {
            targets,
            chars: cli.chars,
            concurrency,
            mode: if cli.isolate {
                Mode::Isolate
            } else {
                Mode::FailFast
            },
            format: cli.format,
            timeout,
            connect_timeout,
            max_redirects: cli.max_redirects,
            accept: cli.accept,
            max_bytes: cli.max_bytes,
            headers: cli.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            warnings,
            escape_controls: terminals.stdout && !cli.raw,
            progress: terminals.stderr && !cli.quiet,
            summary: !cli.quiet,
        })
    }
}

/// One `-H 'Name: value'` argument, checked.
#[derive(Debug, Clone)]
pub struct HeaderArg {
    /// The header name.
    pub name: HeaderName,
    /// The header value.
    pub value: HeaderValue,
}

impl FromStr for HeaderArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not a header; write it as 'Name: value'"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("{:?} is not a valid header name", name.trim()))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("the value of {name} has characters a header cannot carry"))?;
        Ok(HeaderArg { name, value })
    }
}

fn invalid(message: &str) -> UsageError {
    UsageError::Invalid(message.to_string())
}

fn seconds(flag: &str, value: f64) -> Result<Duration, UsageError> {
    if !(value > 0.0 && value <= MAX_TIMEOUT_SECS) {
        return Err(UsageError::Invalid(format!(
            "{flag} must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds, not {value}"
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

fn lists_named(lists: &[ListSource]) -> String {
    let names: Vec<String> = lists
        .iter()
        .map(|list| match list {
            ListSource::Stdin => "stdin".to_string(),
            ListSource::File(path) => path.display().to_string(),
        })
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    const NOT_TERMINALS: Terminals = Terminals {
        stdin: false,
        stdout: false,
        stderr: false,
    };

    fn config(args: &[&str]) -> Result<Config, UsageError> {
        let cli =
            Cli::try_parse_from(std::iter::once("gather").chain(args.iter().copied())).unwrap();
        Config::from_cli(cli, NOT_TERMINALS, None)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = config(&["http://a.example/"]).unwrap();
        assert_eq!(config.chars, 100);
        assert_eq!(config.concurrency, 50);
        assert_eq!(config.mode, Mode::FailFast);
        assert_eq!(config.timeout, Duration::from_secs(30));
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.max_redirects, 10);
        assert_eq!(config.accept, StatusSet::default());
    }

    #[test]
    fn zero_concurrency_and_zero_timeouts_are_usage_errors() {
        for args in [
            ["-j", "0"],
            ["-t", "0"],
            ["--connect-timeout=-1", "-q"],
            ["-t", "NaN"],
        ] {
            let mut all = args.to_vec();
            all.push("http://a.example/");
            let err = config(&all).unwrap_err();
            assert!(matches!(err, UsageError::Invalid(_)), "{args:?}: {err}");
        }
    }

    #[test]
    fn concurrency_beyond_the_open_file_limit_is_capped_with_a_warning() {
        let cli = Cli::try_parse_from(["gather", "-j", "50000", "http://a.example/"]).unwrap();
        let config = Config::from_cli(cli, NOT_TERMINALS, Some(1024)).unwrap();
        assert_eq!(config.concurrency, limits::concurrency_within(1024));
        assert_eq!(config.warnings.len(), 1);
        assert!(
            config.warnings[0].contains("ulimit -n"),
            "{:?}",
            config.warnings
        );
        let cli = Cli::try_parse_from(["gather", "-j", "100", "http://a.example/"]).unwrap();
        let config = Config::from_cli(cli, NOT_TERMINALS, Some(1024)).unwrap();
        assert_eq!((config.concurrency, config.warnings.len()), (100, 0));
    }

    #[test]
    fn headers_parse_and_bad_ones_are_refused() {
        let header: HeaderArg = "X-Token:  abc def ".parse().unwrap();
        assert_eq!(
            (header.name.as_str(), header.value.to_str().unwrap()),
            ("x-token", "abc def")
        );
        assert!("no colon".parse::<HeaderArg>().is_err());
        assert!("bad name: x".parse::<HeaderArg>().is_err());
        assert!("X-A: line\nbreak".parse::<HeaderArg>().is_err());
    }

    #[test]
    fn isolate_and_its_alias_select_isolation() {
        assert_eq!(
            config(&["-k", "http://a.example/"]).unwrap().mode,
            Mode::Isolate
        );
        assert_eq!(
            config(&["--keep-going", "http://a.example/"]).unwrap().mode,
            Mode::Isolate
        );
    }
}
