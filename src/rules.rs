//! What one request is held to: the command line's rules, and the options a list
//! line gives after its URL (`https://example.com/ --expect Welcome`), which
//! replace a single value or add to a repeatable one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

use crate::checks::{HeaderCheck, HeaderChecks, Pattern, TextChecks};
use crate::status::StatusSet;

/// The rules of one request.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Characters of the body to decode (`-n`).
    pub chars: usize,
    /// Statuses that count as success (`--accept`).
    pub accept: StatusSet,
    /// What the page's text must and must not contain.
    pub text_checks: Arc<TextChecks>,
    /// What the response's headers must and must not carry.
    pub header_checks: HeaderChecks,
    /// Fail an answer that took longer (`--max-latency`).
    pub max_latency: Option<Duration>,
    /// Redirects followed at most; 0 makes a redirect the response.
    pub max_redirects: usize,
    /// Extra request headers, in the order given; `None` removes that header (`-H`).
    pub headers: Vec<(HeaderName, Option<HeaderValue>)>,
    /// Per-attempt time limit, body included (`-t`).
    pub timeout: Duration,
    /// Retries of transient failures (`--retries`).
    pub retries: u32,
}

/// The options of one list line: the values it gives, and what it adds.
#[derive(Debug, Clone, Default)]
pub struct LineOptions {
    /// `-n`.
    pub chars: Option<usize>,
    /// `--accept`.
    pub accept: Option<StatusSet>,
    /// `--max-latency`.
    pub max_latency: Option<Duration>,
    /// `--max-redirects`.
    pub max_redirects: Option<usize>,
    /// `-t`.
    pub timeout: Option<Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--expect`, added to the command line's.
    pub expect: Vec<String>,
    /// `--reject`, added.
    pub reject: Vec<String>,
    /// `--expect-regex`, added.
    pub expect_regex: Vec<Pattern>,
    /// `--reject-regex`, added.
    pub reject_regex: Vec<Pattern>,
    /// `--expect-header`, added.
    pub expect_header: Vec<HeaderCheck>,
    /// `--reject-header`, added.
    pub reject_header: Vec<HeaderName>,
    /// `-H`: added, or replacing a command-line header of the same name.
    pub headers: Vec<(HeaderName, Option<HeaderValue>)>,
}

/// Turns the words after a list line's URL into its options, with the same
/// definitions (and the same errors) as the command line.
pub trait LineParser: Send + Sync + fmt::Debug {
    /// The options `words` give, or why they are not usable, said for a person.
    fn parse(&self, words: &[String]) -> Result<LineOptions, String>;
}

impl Rules {
    /// These rules with a line's options applied.
    pub fn with(&self, line: &LineOptions) -> Rules {
        let mut text_checks = TextChecks::clone(&self.text_checks);
        text_checks.expect.extend(line.expect.iter().cloned());
        text_checks.reject.extend(line.reject.iter().cloned());
        text_checks
            .expect_regex
            .extend(line.expect_regex.iter().cloned());
        text_checks
            .reject_regex
            .extend(line.reject_regex.iter().cloned());
        let mut header_checks = self.header_checks.clone();
        header_checks
            .expect
            .extend(line.expect_header.iter().cloned());
        header_checks
            .reject
            .extend(line.reject_header.iter().cloned());
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(name, _)| !line.headers.iter().any(|(given, _)| given == name))
            .cloned()
            .collect();
        headers.extend(line.headers.iter().cloned());
        Rules {
            chars: line.chars.unwrap_or(self.chars),
            accept: line.accept.clone().unwrap_or_else(|| self.accept.clone()),
            text_checks: Arc::new(text_checks),
            header_checks,
            max_latency: line.max_latency.or(self.max_latency),
            max_redirects: line.max_redirects.unwrap_or(self.max_redirects),
            headers,
            timeout: line.timeout.unwrap_or(self.timeout),
            retries: line.retries.unwrap_or(self.retries),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_replaces_single_values_and_adds_to_repeatable_ones() {
        let header = |name: &'static str, value: &'static str| {
            (
                HeaderName::from_static(name),
                Some(HeaderValue::from_static(value)),
            )
        };
        let base = Rules {
            chars: 100,
            accept: "200-299".parse().unwrap(),
            text_checks: Arc::new(TextChecks {
                expect: vec!["</html>".into()],
                ..TextChecks::default()
            }),
            header_checks: HeaderChecks::default(),
            max_latency: None,
            max_redirects: 10,
            headers: vec![header("authorization", "a"), header("x-run", "1")],
            timeout: Duration::from_secs(30),
            retries: 2,
        };
        let line = LineOptions {
            accept: Some("301".parse().unwrap()),
            max_redirects: Some(0),
            expect: vec!["Welcome".into()],
            headers: vec![header("authorization", "b")],
            ..LineOptions::default()
        };
        let rules = base.with(&line);
        assert_eq!(rules.accept.to_string(), "301");
        assert_eq!(rules.max_redirects, 0);
        assert_eq!(rules.chars, 100);
        assert_eq!(rules.retries, 2);
        assert_eq!(rules.text_checks.expect, ["</html>", "Welcome"]);
        assert_eq!(
            rules.headers,
            [header("x-run", "1"), header("authorization", "b")]
        );
    }
}
