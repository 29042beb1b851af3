//! The rules of a request from the command line, and a list line's options,
//! read with the command line's own clap definitions so the two cannot drift
//! apart, and checked by the same code.

use std::mem::take;
use std::sync::{Arc, OnceLock};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Command, CommandFactory, FromArgMatches};

use super::{invalid, seconds, MAX_RETRIES};
use crate::checks::{HeaderChecks, TextChecks};
use crate::cli::{CheckFlags, Cli, RequestFlags};
use crate::error::UsageError;
use crate::rules::{LineOptions, LineParser, Rules};

/// The options a list line may give (clap ids): those that concern one request.
const PER_LINE: [&str; 13] = [
    "accept",
    "expect",
    "reject",
    "expect_regex",
    "reject_regex",
    "expect_header",
    "reject_header",
    "max_latency",
    "max_redirects",
    "headers",
    "chars",
    "timeout",
    "retries",
];

/// The command line's rules for every request, checked.
pub(super) fn rules(cli: &mut Cli) -> Result<Rules, UsageError> {
    Ok(Rules {
        chars: cli.output.chars,
        accept: cli.checks.accept.clone(),
        text_checks: Arc::new(text_checks(&mut cli.checks)?),
        header_checks: header_checks(&mut cli.checks),
        max_latency: max_latency(&cli.checks)?,
        max_redirects: cli.requests.max_redirects,
        headers: headers(&mut cli.requests),
        timeout: seconds("-t/--timeout", cli.requests.timeout)?,
        retries: retries(cli.checks.retries)?,
    })
}

/// Reads a list line's options with the command line's clap definitions.
#[derive(Debug, Default)]
pub(super) struct ClapLines {
    /// Built at the first line with options: most lists have none.
    command: OnceLock<Command>,
}

impl ClapLines {
    /// A reader of line options.
    pub(super) fn new() -> ClapLines {
        ClapLines::default()
    }
}

impl LineParser for ClapLines {
    fn parse(&self, words: &[String]) -> Result<LineOptions, String> {
        let command = self.command.get_or_init(Cli::command);
        let args = std::iter::once("gather").chain(words.iter().map(String::as_str));
        let matches = command
            .clone()
            .try_get_matches_from(args)
            .map_err(|err| clap_reason(&err))?;
        let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        if given("urls") {
            return Err("a line holds one URL; put the second on a line of its own".to_string());
        }
        if let Some(arg) = command
            .get_arguments()
            .find(|arg| given(arg.get_id().as_str()) && !PER_LINE.contains(&arg.get_id().as_str()))
        {
            let name = match (arg.get_short(), arg.get_long()) {
                (Some(short), Some(long)) => format!("-{short}/--{long}"),
                (None, Some(long)) => format!("--{long}"),
                (Some(short), None) => format!("-{short}"),
                (None, None) => arg.get_id().to_string(),
            };
            return Err(format!(
                "{name} applies to the whole run, not to one line; give it on the command line"
            ));
        }
        let mut cli = Cli::from_arg_matches(&matches).map_err(|err| clap_reason(&err))?;
        line_options(&mut cli, given).map_err(|err| err.to_string())
    }
}

/// What a line gave, checked as the command line is.
fn line_options(cli: &mut Cli, given: impl Fn(&str) -> bool) -> Result<LineOptions, UsageError> {
    let text_checks = text_checks(&mut cli.checks)?;
    let header_checks = header_checks(&mut cli.checks);
    Ok(LineOptions {
        chars: given("chars").then_some(cli.output.chars),
        accept: given("accept").then(|| cli.checks.accept.clone()),
        max_latency: max_latency(&cli.checks)?,
        max_redirects: given("max_redirects").then_some(cli.requests.max_redirects),
        timeout: given("timeout")
            .then(|| seconds("-t/--timeout", cli.requests.timeout))
            .transpose()?,
        retries: given("retries")
            .then(|| retries(cli.checks.retries))
            .transpose()?,
        expect: text_checks.expect,
        reject: text_checks.reject,
        expect_regex: text_checks.expect_regex,
        reject_regex: text_checks.reject_regex,
        expect_header: header_checks.expect,
        reject_header: header_checks.reject,
        headers: headers(&mut cli.requests),
    })
}

fn text_checks(checks: &mut CheckFlags) -> Result<TextChecks, UsageError> {
    if checks.expect.iter().any(String::is_empty) {
        return Err(invalid(
            "--expect needs a text; an empty one would match any page",
        ));
    }
    if checks.reject.iter().any(String::is_empty) {
        return Err(invalid(
            "--reject needs a text; an empty one would fail every page",
        ));
    }
    Ok(TextChecks {
        expect: take(&mut checks.expect),
        reject: take(&mut checks.reject),
        expect_regex: take(&mut checks.expect_regex),
        reject_regex: take(&mut checks.reject_regex),
    })
}

fn header_checks(checks: &mut CheckFlags) -> HeaderChecks {
    HeaderChecks {
        expect: take(&mut checks.expect_header),
        reject: take(&mut checks.reject_header),
    }
}

fn headers(requests: &mut RequestFlags) -> Vec<(http::HeaderName, Option<http::HeaderValue>)> {
    take(&mut requests.headers)
        .into_iter()
        .map(|header| (header.name, header.value))
        .collect()
}

fn max_latency(checks: &CheckFlags) -> Result<Option<std::time::Duration>, UsageError> {
    checks
        .max_latency
        .map(|limit| seconds("--max-latency", limit))
        .transpose()
}

fn retries(retries: u32) -> Result<u32, UsageError> {
    if retries > MAX_RETRIES {
        return Err(UsageError::Invalid(format!(
            "--retries {retries} is more than {MAX_RETRIES}; that many retries hides an outage"
        )));
    }
    Ok(retries)
}

/// clap's error as one line: what was wrong, without its usage and tips.
fn clap_reason(err: &clap::Error) -> String {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        return "--help and --version are not options of a line".to_string();
    }
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::targets::{Lines, Syntax};

    fn parse(words: &[&str]) -> Result<LineOptions, String> {
        let words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        ClapLines::new().parse(&words)
    }

    #[test]
    fn a_line_gives_request_options_with_the_command_line_names() {
        let options = parse(&[
            "--expect",
            "Welcome",
            "--accept",
            "301",
            "--max-redirects",
            "0",
            "-H",
            "X-A: 1",
            "--max-latency",
            "800ms",
        ])
        .unwrap();
        assert_eq!(options.expect, ["Welcome"]);
        assert_eq!(options.accept.unwrap().to_string(), "301");
        assert_eq!(options.max_redirects, Some(0));
        assert_eq!(options.headers.len(), 1);
        assert_eq!(
            options.max_latency,
            Some(std::time::Duration::from_millis(800))
        );
        // What the line did not give stays unset, whatever the default.
        assert_eq!(options.chars, None);
        assert_eq!(options.timeout, None);
    }

    #[test]
    fn run_wide_and_unknown_options_a_second_url_and_bad_values_are_refused() {
        for (words, says) in [
            (
                &["-j", "4"][..],
                "-j/--concurrency applies to the whole run",
            ),
            (
                &["--format", "json"][..],
                "--format applies to the whole run",
            ),
            (&["--frobnicate"][..], "unexpected argument '--frobnicate'"),
            (&["https://b.example/"][..], "a line holds one URL"),
            (&["--accept", "abc"][..], "--accept"),
            (&["--expect", ""][..], "--expect needs a text"),
            (&["--retries", "1000"][..], "--retries 1000 is more than"),
            (&["--help"][..], "not options of a line"),
        ] {
            let err = parse(words).unwrap_err();
            assert!(err.contains(says), "{words:?}: {err}");
            assert!(!err.contains('\n'), "{words:?}: {err}");
        }
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        /// Whatever the texts, quoted as a shell quotes them on a list line
        /// (and followed by a comment), they come back as given.
        #[test]
        fn quoted_texts_on_a_line_come_back_as_given(
            expect in proptest::collection::vec("[^\\x00\\n\\r]{1,20}", 0..3),
            reject in proptest::collection::vec("[^\\x00\\n\\r]{1,20}", 0..3),
            chars in proptest::option::of(0usize..1000),
        ) {
            let mut line = "https://example.com/a#frag".to_string();
            for text in &expect {
                line += &format!(" --expect {}", shlex::try_quote(text).unwrap());
            }
            for text in &reject {
                line += &format!(" --reject={}", shlex::try_quote(text).unwrap());
            }
            if let Some(chars) = chars {
                line += &format!(" -n {chars}");
            }
            line += "   # a comment";
            let parser: Arc<dyn LineParser> = Arc::new(ClapLines::new());
            let syntax = Syntax { options: Some(parser), base: None };
            let mut lines = Lines::new(line.as_bytes(), syntax);
            let (_, entry) = lines.next_entry().unwrap().unwrap();
            let entry = entry.map_err(|bad| bad.reason).unwrap();
            prop_assert_eq!(entry.url.as_str(), "https://example.com/a#frag");
            let given = expect.len() + reject.len() > 0 || chars.is_some();
            prop_assert_eq!(entry.options.is_some(), given);
            if let Some(options) = entry.options {
                prop_assert_eq!(&options.expect, &expect);
                prop_assert_eq!(&options.reject, &reject);
                prop_assert_eq!(options.chars, chars);
            }
        }
    }
}
