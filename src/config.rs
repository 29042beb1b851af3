//! The validated run configuration built from the command line, and its defaults.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

use crate::cli::Cli;
use crate::error::UsageError;
use crate::fetch::proxy::{ProxyEnv, ProxySettings};
use crate::input::{self, ListSource};
use crate::limits;
use crate::output::{FormatKind, FormatOptions};
use crate::progress::Display;
use crate::status::StatusSet;
use crate::targets::TargetList;

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
/// The most retries accepted; past this, retrying is hiding an outage.
const MAX_RETRIES: u32 = 100;
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
    /// stderr is a terminal that can draw a progress bar (TERM set, not "dumb").
    pub stderr: bool,
}

/// What gather learns from the machine and environment before it starts.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Which standard streams are terminals.
    pub terminals: Terminals,
    /// The open-file limit in force, after raising it.
    pub open_files: Option<u64>,
    /// `$GITHUB_STEP_SUMMARY`, where the github format appends its table.
    pub step_summary: Option<PathBuf>,
    /// The proxy variables, unchecked.
    pub proxies: ProxyEnv,
}

impl Environment {
    /// Looks at the process: raises the open-file limit and reads the variables.
    pub fn detect() -> Environment {
        Environment {
            terminals: Terminals::detect(),
            open_files: limits::raise_open_file_limit(),
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            proxies: ProxyEnv::from_process(),
        }
    }
}

impl Terminals {
    /// Asks the operating system about the three standard streams.
    pub fn detect() -> Terminals {
        use std::io::IsTerminal;
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            // indicatif draws nothing on a terminal without a usable TERM; such a
            // terminal gets the plain heartbeat instead of a bar that never shows.
            stderr: std::io::stderr().is_terminal()
                && std::env::var_os("TERM").is_some_and(|term| !term.is_empty() && term != "dumb"),
        }
    }
}

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Config {
    /// The URLs, in input order.
    pub targets: TargetList,
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
    /// Extra request headers, in the order given; `None` removes that header.
    pub headers: Vec<(HeaderName, Option<HeaderValue>)>,
    /// Problems worth one line on stderr that do not stop the run.
    pub warnings: Vec<String>,
    /// Texts every page must contain.
    pub expect: Vec<String>,
    /// Retries of transient failures.
    pub retries: u32,
    /// The User-Agent header.
    pub user_agent: HeaderValue,
    /// Skip TLS certificate checks.
    pub insecure: bool,
    /// Extra CA certificates to trust (`--cacert`).
    pub cacert: Option<PathBuf>,
    /// Proxies from the environment, checked.
    pub proxies: ProxySettings,
    /// Requests in flight per host at most.
    pub per_host: Option<usize>,
    /// Requests started per second at most.
    pub rate: Option<f64>,
    /// Time limit for the whole run.
    pub deadline: Option<Duration>,
    /// What the output formats need to know.
    pub format_options: FormatOptions,
    /// How progress is shown on stderr.
    pub display: Display,
    /// Print the one-line summary on stderr.
    pub summary: bool,
}

impl Config {
    /// Validates the flags and reads every URL list; any problem is a usage error.
    /// `open_files` is the open-file limit in force, which may cap the concurrency.
    pub fn from_cli(cli: Cli, environment: Environment) -> Result<Config, UsageError> {
        let Environment {
            terminals,
            open_files,
            step_summary,
            proxies,
        } = environment;
        let proxies = ProxySettings::from_env(&proxies).map_err(UsageError::Invalid)?;
        let user_agent = HeaderValue::from_str(&cli.user_agent).map_err(|_| {
            UsageError::Invalid(format!(
                "-A/--user-agent {:?} has characters a header cannot carry",
                cli.user_agent
            ))
        })?;
        if let Some(path) = &cli.cacert {
            if !path.is_file() {
                return Err(UsageError::Invalid(format!(
                    "--cacert {}: no such file",
                    path.display()
                )));
            }
        }
        if cli.concurrency == 0 {
            return Err(invalid("-j/--concurrency must be at least 1"));
        }
        if cli.max_bytes == 0 {
            return Err(invalid("--max-bytes must be at least 1"));
        }
        if cli.per_host == Some(0) {
            return Err(invalid("--per-host must be at least 1"));
        }
        if cli.retries > MAX_RETRIES {
            return Err(UsageError::Invalid(format!(
                "--retries {} is more than {MAX_RETRIES}; that many retries hides an outage",
                cli.retries
            )));
        }
        if cli.expect.iter().any(String::is_empty) {
            return Err(invalid(
                "--expect needs a text; an empty one would match any page",
            ));
        }
        let rate = match cli.rate {
            Some(rate) if !(rate > 0.0 && rate <= 1e9) => {
                return Err(UsageError::Invalid(format!(
                    "--rate must be a number of requests per second above 0, not {rate}"
                )))
            }
            rate => rate,
        };
        let deadline = cli
            .deadline
            .map(|secs| seconds("--deadline", secs))
            .transpose()?;
        let mut warnings = Vec::new();
        if cli.insecure {
            warnings.push(
                "--insecure: TLS certificates are not verified; anyone on the path can \
                 pose as these servers"
                    .to_string(),
            );
        }
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
        let mut targets = input::collect(&cli.urls, &lists)?;
        if targets.is_empty() {
            let searched = lists_named(&lists);
            return Err(UsageError::Empty(format!(
                "{searched} held no URL (only blank or # comment lines)"
            )));
        }
        if let Some(shard) = cli.shard {
            let listed = targets.len();
            targets.retain_positions(|position| shard.holds(position));
            if targets.is_empty() {
                warnings.push(format!("shard {shard} holds none of the {listed} URLs"));
            }
        }
        targets.mark_recurring_origins();
        let display = if cli.quiet {
            Display::Off
        } else if terminals.stderr {
            Display::Bar
        } else {
            Display::Heartbeat
        };
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
            expect: cli.expect,
            retries: cli.retries,
            user_agent,
            insecure: cli.insecure,
            cacert: cli.cacert,
            proxies,
            per_host: cli.per_host,
            rate,
            deadline,
            format_options: FormatOptions {
                escape_controls: terminals.stdout && !cli.raw,
                step_summary,
            },
            display,
            summary: !cli.quiet,
        })
    }
}

/// `--shard K/N`: this run takes the URLs at 0-based positions i with i mod N = K.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 0 to N-1.
    pub index: usize,
    /// N, at least 1.
    pub count: usize,
}

impl Shard {
    /// True if the URL at 0-based input `position` belongs to this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{text:?} is not a shard; write K/N with K from 0 to N-1, e.g. 0/4");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: usize = index.trim().parse().map_err(|_| usage())?;
        let count: usize = count.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
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
            let name = header_name(name)?;
            return Ok(HeaderArg {
                name,
                value: Some(HeaderValue::from_static("")),
            });
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not a header; write it as 'Name: value'"))?;
        let name = header_name(name)?;
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

fn header_name(text: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(text.trim().as_bytes())
        .map_err(|_| format!("{:?} is not a valid header name", text.trim()))
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

    fn environment(open_files: Option<u64>) -> Environment {
        Environment {
            terminals: NOT_TERMINALS,
            open_files,
            step_summary: None,
            proxies: ProxyEnv::default(),
        }
    }

    fn config(args: &[&str]) -> Result<Config, UsageError> {
        let cli =
            Cli::try_parse_from(std::iter::once("gather").chain(args.iter().copied())).unwrap();
        Config::from_cli(cli, environment(None))
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
        let config = Config::from_cli(cli, environment(Some(1024))).unwrap();
        assert_eq!(config.concurrency, limits::concurrency_within(1024));
        assert_eq!(config.warnings.len(), 1);
        assert!(
            config.warnings[0].contains("ulimit -n"),
            "{:?}",
            config.warnings
        );
        let cli = Cli::try_parse_from(["gather", "-j", "100", "http://a.example/"]).unwrap();
        let config = Config::from_cli(cli, environment(Some(1024))).unwrap();
        assert_eq!((config.concurrency, config.warnings.len()), (100, 0));
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

    #[test]
    fn shards_split_by_position_modulo_n() {
        let shard: Shard = "1/3".parse().unwrap();
        let held: Vec<usize> = (0..9).filter(|&i| shard.holds(i)).collect();
        assert_eq!(held, [1, 4, 7]);
        for bad in ["3/3", "0/0", "1", "a/b", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn politeness_and_check_flags_are_validated() {
        for args in [
            vec!["--per-host", "0"],
            vec!["--rate", "0"],
            vec!["--rate=-2"],
            vec!["--deadline", "0"],
            vec!["--retries", "1000"],
            vec!["--expect", ""],
        ] {
            let mut all = args.clone();
            all.push("http://a.example/");
            assert!(config(&all).is_err(), "{args:?} was accepted");
        }
        let config = config(&[
            "--insecure",
            "--rate",
            "2.5",
            "--deadline",
            "3",
            "http://a.example/",
        ])
        .unwrap();
        assert_eq!(config.rate, Some(2.5));
        assert_eq!(config.deadline, Some(Duration::from_secs(3)));
        assert!(config.warnings[0].contains("--insecure"));
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
