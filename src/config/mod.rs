//! Turns the command line and the environment into one checked settings struct
//! per area: where the URLs come from, how each is fetched, how the engine runs,
//! how records are written and what stderr shows. Every area takes only its own.

use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderValue;

use crate::cli::{Cli, ColorWhen};
use crate::engine::{Mode, Plan};
use crate::environment::Environment;
use crate::error::UsageError;
use crate::fetch::{FetchSettings, IpFamily, ProxySettings};
use crate::limits;
use crate::output::{FormatKind, FormatOptions, OutputSettings};
use crate::pace::Pacer;
use crate::progress::ProgressMode;
use crate::rules::LineParser;
use crate::targets::{Input, Syntax};

/// The most retries accepted; past this, retrying is hiding an outage.
const MAX_RETRIES: u32 = 100;

mod line;
/// The longest timeout accepted: a day, well past any real request, and far from
/// the values that would overflow a timer.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// Everything a run needs, checked, one struct per area.
#[derive(Debug)]
pub struct Settings {
    /// Where the URLs come from.
    pub input: Input,
    /// How each URL is fetched.
    pub fetch: FetchSettings,
    /// How the engine runs: limits and fail-fast or isolate.
    pub plan: Plan,
    /// How records are written to stdout.
    pub output: OutputSettings,
    /// What stderr shows while the run goes on.
    pub progress: ProgressMode,
    /// Print the one-line summary on stderr.
    pub summary: bool,
    /// stdout is a terminal, where records and the summary share one screen.
    pub stdout_is_terminal: bool,
    /// Problems worth one line on stderr that do not stop the run.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Checks the flags against each other and the environment; any problem is a
    /// usage error, found before anything is read or sent.
    pub fn from_cli(mut cli: Cli, environment: Environment) -> Result<Settings, UsageError> {
        let Environment {
            terminals,
            open_files,
            step_summary,
            proxy_vars,
            no_color,
            force_color,
        } = environment;
        if cli.politeness.concurrency == 0 {
            return Err(invalid("-j/--concurrency must be at least 1"));
        }
        if cli.checks.max_bytes == 0 {
            return Err(invalid("--max-bytes must be at least 1"));
        }
        if cli.politeness.per_host == Some(0) {
            return Err(invalid("--per-host must be at least 1"));
        }
        let rules = line::rules(&mut cli)?;
        let rate = match cli.politeness.rate {
            Some(rate) if !(rate > 0.0 && rate <= 1e9) => {
                return Err(UsageError::Invalid(format!(
                    "--rate must be a number of requests per second above 0, not {rate}"
                )))
            }
            rate => rate,
        };
        let deadline = cli
            .politeness
            .deadline
            .map(|secs| seconds("--deadline", secs))
            .transpose()?;
        let proxies = ProxySettings::from_vars(&proxy_vars).map_err(UsageError::Invalid)?;
        let user_agent = HeaderValue::from_str(&cli.requests.user_agent).map_err(|_| {
            UsageError::Invalid(format!(
                "-A/--user-agent {:?} has characters a header cannot carry",
                cli.requests.user_agent
            ))
        })?;
        for (flag, path) in [
            ("--cacert", &cli.requests.cacert),
            ("--cert", &cli.requests.cert),
            ("--key", &cli.requests.key),
        ] {
            // Not is_file(): a pipe (`--key <(vault read …)`, /dev/stdin) is read as well.
            let Some(path) = path else { continue };
            if !path.exists() {
                return Err(UsageError::Invalid(format!(
                    "{flag} {}: no such file",
                    path.display()
                )));
            }
            if path.is_dir() {
                return Err(UsageError::Invalid(format!(
                    "{flag} {}: it is a folder, not a file",
                    path.display()
                )));
            }
        }
        let mut warnings = Vec::new();
        if cli.requests.insecure {
            warnings.push(
                "--insecure: TLS certificates are not verified; anyone on the path can \
                 pose as these servers"
                    .to_string(),
            );
        }
        let mut concurrency = cli.politeness.concurrency;
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
        let progress = if cli.output.quiet {
            ProgressMode::Off
        } else if terminals.stderr {
            ProgressMode::Bar
        } else {
            ProgressMode::Heartbeat
        };
        Ok(Settings {
            input: Input {
                urls: cli.urls,
                lists: cli.input.inputs,
                stdin_is_terminal: terminals.stdin,
                shard: cli.input.shard,
                stream: cli.input.stream,
                syntax: Syntax {
                    options: Some(line_parser()),
                    base: cli.input.base,
                },
                sitemaps: cli.input.sitemap,
                sitemap_pages: Vec::new(),
            },
            fetch: FetchSettings {
                rules,
                max_bytes: cli.checks.max_bytes,
                retry_all: cli.checks.retry_all,
                retry_for: cli
                    .checks
                    .retry_for
                    .map(|window| seconds("--retry-for", window))
                    .transpose()?,
                title: !cli.output.no_title,
                connect_timeout: seconds("--connect-timeout", cli.requests.connect_timeout)?,
                deadline,
                idle_per_host: concurrency,
                user_agent,
                insecure: cli.requests.insecure,
                cacert: cli.requests.cacert,
                proxies,
                identity: cli.requests.cert.map(|cert| (cert, cli.requests.key)),
                resolve: cli
                    .requests
                    .resolve
                    .into_iter()
                    .map(|arg| (arg.host, arg.addrs))
                    .collect(),
                family: if cli.requests.ipv4 {
                    Some(IpFamily::V4)
                } else if cli.requests.ipv6 {
                    Some(IpFamily::V6)
                } else {
                    None
                },
                min_cert_days: cli.checks.min_cert_days,
                // Only these formats show connect_ms; the text and GitHub ones do not.
                time_connections: matches!(
                    cli.output.format,
                    FormatKind::Jsonl | FormatKind::Json | FormatKind::Tsv
                ) || cli.output.jsonl_file.is_some(),
                notice_https_connections: !cli.politeness.parallel_immediate,
            },
            plan: Plan {
                concurrency,
                mode: if cli.checks.isolate {
                    Mode::Isolate
                } else {
                    Mode::FailFast
                },
                per_host: cli.politeness.per_host,
                probe_new_origins: !cli.politeness.parallel_immediate,
                deadline,
                pacer: rate.map(|per_second| Arc::new(Pacer::new(per_second))),
            },
            output: OutputSettings {
                format: cli.output.format,
                options: FormatOptions {
                    escape_controls: terminals.stdout && !cli.output.raw,
                    color: match cli.output.color {
                        ColorWhen::Always => true,
                        ColorWhen::Never => false,
                        ColorWhen::Auto => force_color || (terminals.stdout && !no_color),
                    },
                    step_summary,
                },
                reports: [
                    (FormatKind::Junit, cli.output.junit),
                    (FormatKind::Jsonl, cli.output.jsonl_file),
                ]
                .into_iter()
                .filter_map(|(kind, path)| Some((kind, path?)))
                .collect(),
            },
            progress,
            summary: !cli.output.quiet,
            stdout_is_terminal: terminals.stdout,
            warnings,
        })
    }
}

/// Reads a list line's options with the command line's definitions.
pub fn line_parser() -> Arc<dyn LineParser> {
    Arc::new(line::ClapLines::new())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Terminals;
    use crate::status::StatusSet;
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
            proxy_vars: Vec::new(),
            no_color: false,
            force_color: false,
        }
    }

    fn settings(args: &[&str]) -> Result<Settings, UsageError> {
        let cli =
            Cli::try_parse_from(std::iter::once("gather").chain(args.iter().copied())).unwrap();
        Settings::from_cli(cli, environment(None))
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let settings = settings(&["http://a.example/"]).unwrap();
        assert_eq!(settings.fetch.rules.chars, 100);
        assert_eq!(settings.plan.concurrency, 50);
        assert_eq!(settings.plan.mode, Mode::FailFast);
        assert_eq!(settings.fetch.rules.timeout, Duration::from_secs(30));
        assert_eq!(settings.fetch.connect_timeout, Duration::from_secs(10));
        assert_eq!(settings.fetch.rules.max_redirects, 10);
        assert_eq!(settings.fetch.rules.accept, StatusSet::default());
        assert_eq!(settings.output.format, FormatKind::Text);
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
            let err = settings(&all).unwrap_err();
            assert!(matches!(err, UsageError::Invalid(_)), "{args:?}: {err}");
        }
    }

    #[test]
    fn concurrency_beyond_the_open_file_limit_is_capped_with_a_warning() {
        let cli = Cli::try_parse_from(["gather", "-j", "50000", "http://a.example/"]).unwrap();
        let settings = Settings::from_cli(cli, environment(Some(1024))).unwrap();
        assert_eq!(settings.plan.concurrency, limits::concurrency_within(1024));
        assert_eq!(settings.fetch.idle_per_host, settings.plan.concurrency);
        assert_eq!(settings.warnings.len(), 1);
        assert!(
            settings.warnings[0].contains("ulimit -n"),
            "{:?}",
            settings.warnings
        );
        let cli = Cli::try_parse_from(["gather", "-j", "100", "http://a.example/"]).unwrap();
        let settings = Settings::from_cli(cli, environment(Some(1024))).unwrap();
        assert_eq!(
            (settings.plan.concurrency, settings.warnings.len()),
            (100, 0)
        );
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
            vec!["-A", "bad\u{1}agent"],
            vec!["--cacert", "/no/such/file.pem"],
            vec!["--cacert", "/"],
        ] {
            let mut all = args.clone();
            all.push("http://a.example/");
            assert!(settings(&all).is_err(), "{args:?} was accepted");
        }
        let settings = settings(&[
            "--insecure",
            "--rate",
            "2.5",
            "--deadline",
            "3",
            "http://a.example/",
        ])
        .unwrap();
        let period = settings.plan.pacer.as_ref().map(|pacer| pacer.period());
        assert_eq!(period, Some(Duration::from_millis(400)));
        assert_eq!(settings.plan.deadline, Some(Duration::from_secs(3)));
        assert_eq!(settings.fetch.deadline, Some(Duration::from_secs(3)));
        assert!(settings.warnings[0].contains("--insecure"));
    }

    #[test]
    fn an_unusable_proxy_variable_is_a_usage_error() {
        let cli = Cli::try_parse_from(["gather", "http://a.example/"]).unwrap();
        let mut env = environment(None);
        env.proxy_vars = vec![("HTTPS_PROXY", "ftp://proxy.example".to_string())];
        let err = Settings::from_cli(cli, env).unwrap_err();
        assert!(err.to_string().starts_with("HTTPS_PROXY="), "{err}");
    }

    #[test]
    fn isolate_and_its_alias_select_isolation() {
        assert_eq!(
            settings(&["-k", "http://a.example/"]).unwrap().plan.mode,
            Mode::Isolate
        );
        assert_eq!(
            settings(&["--keep-going", "http://a.example/"])
                .unwrap()
                .plan
                .mode,
            Mode::Isolate
        );
    }
}
