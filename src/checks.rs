//! What a response must show besides its status: texts and patterns its body
//! must or must not contain (`--expect`, `--reject`, `--expect-regex`,
//! `--reject-regex`) and headers it must or must not carry (`--expect-header`,
//! `--reject-header`). The body is searched as it is decoded.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use http::header::HeaderName;
use http::HeaderMap;
use regex::Regex;

/// Characters of text shown on each side of a rejected match.
const CONTEXT_CHARS: usize = 30;

/// A regular expression given on the command line (the `regex` crate's syntax).
#[derive(Debug, Clone)]
pub struct Pattern(Regex);

impl FromStr for Pattern {
    type Err = String;

    fn from_str(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("an empty pattern would match any page".to_string());
        }
        Regex::new(text).map(Pattern).map_err(|err| match err {
            // The syntax error's text copies the pattern with a caret under the
            // fault; its last line says what the fault is, which fits one line.
            regex::Error::Syntax(syntax) => {
                let fault = syntax.lines().find_map(|line| line.strip_prefix("error: "));
                format!("not a valid regex: {}", fault.unwrap_or("syntax error"))
            }
            other => format!("not a usable regex: {other}"),
        })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.as_str())
    }
}

/// `--expect-header 'NAME: REGEX'`: the header must be present, and one of its
/// values must match (any value does when no pattern is given).
#[derive(Debug, Clone)]
pub struct HeaderCheck {
    name: HeaderName,
    pattern: Option<Regex>,
}

impl FromStr for HeaderCheck {
    type Err = String;

    fn from_str(text: &str) -> Result<HeaderCheck, String> {
        let (name, pattern) = text.split_once(':').unwrap_or((text, ""));
        let name = header_name(name)?;
        let pattern = pattern.trim();
        let pattern = if pattern.is_empty() {
            None
        } else {
            Some(pattern.parse::<Pattern>()?.0)
        };
        Ok(HeaderCheck { name, pattern })
    }
}

/// A header name as `-H`, `--expect-header` and `--reject-header` take it.
pub fn header_name(text: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(text.trim().as_bytes())
        .map_err(|_| format!("{:?} is not a valid header name", text.trim()))
}

/// The checks on a response's headers.
#[derive(Debug, Clone, Default)]
pub struct HeaderChecks {
    /// Headers that must be present (and match).
    pub expect: Vec<HeaderCheck>,
    /// Headers that must be absent.
    pub reject: Vec<HeaderName>,
}

impl HeaderChecks {
    /// The first check `headers` fails, said for a person.
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), String> {
        for check in &self.expect {
            let mut values = headers.get_all(&check.name).iter().peekable();
            if values.peek().is_none() {
                return Err(format!("header {} is missing", check.name));
            }
            let Some(pattern) = &check.pattern else {
                continue;
            };
            let shown: Vec<String> = values
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            if !shown.iter().any(|value| pattern.is_match(value)) {
                let quoted: Vec<String> = shown.iter().map(|value| quote(value)).collect();
                return Err(format!(
                    "header {} is {}, which does not match /{}/",
                    check.name,
                    quoted.join(", "),
                    pattern.as_str()
                ));
            }
        }
        for name in &self.reject {
            if let Some(value) = headers.get(name) {
                return Err(format!(
                    "header {name} is present ({}) but was rejected with --reject-header",
                    quote(&String::from_utf8_lossy(value.as_bytes()))
                ));
            }
        }
        Ok(())
    }
}

/// The checks on a body's decoded text.
#[derive(Debug, Clone, Default)]
pub struct TextChecks {
    /// Texts that must appear (`--expect`).
    pub expect: Vec<String>,
    /// Texts that must not appear (`--reject`).
    pub reject: Vec<String>,
    /// Patterns that must match (`--expect-regex`).
    pub expect_regex: Vec<Pattern>,
    /// Patterns that must not match (`--reject-regex`).
    pub reject_regex: Vec<Pattern>,
}

impl TextChecks {
    /// Whether there is anything to look for.
    pub fn is_empty(&self) -> bool {
        self.expect.is_empty()
            && self.reject.is_empty()
            && self.expect_regex.is_empty()
            && self.reject_regex.is_empty()
    }

    fn has_patterns(&self) -> bool {
        !self.expect_regex.is_empty() || !self.reject_regex.is_empty()
    }

    fn has_rejects(&self) -> bool {
        !self.reject.is_empty() || !self.reject_regex.is_empty()
    }
}

/// A rejected text or pattern that the body held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The text (quoted) or pattern (`/…/`) as given.
    pub check: String,
    /// The match with some text on each side, quoted.
    pub context: String,
}

/// What a search found, once the body is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The expected texts (quoted) and patterns (`/…/`) never seen, in the order given.
    pub missing: Vec<String>,
    /// The first rejected text or pattern seen.
    pub rejected: Option<Rejected>,
}

/// The search of one body's text, fed piece by piece as it is decoded.
pub struct TextSearch {
    checks: Arc<TextChecks>,
    expect_found: Vec<bool>,
    pattern_found: Vec<bool>,
    /// The end of the text so far: enough for a literal cut by a piece's edge,
    /// and for the text before a rejected one.
    tail: String,
    keep: usize,
    /// All the text so far, when there are patterns: a regex cannot resume.
    text: String,
    /// How much of `text` the patterns have been run over.
    searched: usize,
    rejected: Option<Rejected>,
}

impl TextSearch {
    /// A search for `checks`.
    pub fn new(checks: Arc<TextChecks>) -> TextSearch {
        let longest = checks
            .expect
            .iter()
            .chain(&checks.reject)
            .map(String::len)
            .max()
            .unwrap_or(0);
        TextSearch {
            expect_found: vec![false; checks.expect.len()],
            pattern_found: vec![false; checks.expect_regex.len()],
            keep: longest.saturating_sub(1) + CONTEXT_CHARS * 4,
            tail: String::new(),
            text: String::new(),
            searched: 0,
            rejected: None,
            checks,
        }
    }

    /// True once the verdict cannot change: a rejected text was seen, or every
    /// expected one was and nothing is to be rejected (which needs the whole body).
    pub fn is_done(&self) -> bool {
        self.rejected.is_some()
            || (!self.checks.has_rejects()
                && self.expect_found.iter().all(|found| *found)
                && self.pattern_found.iter().all(|found| *found))
    }

    /// Looks through the next piece of text.
    pub fn scan(&mut self, piece: &str) {
        if self.is_done() || piece.is_empty() {
            return;
        }
        self.tail.push_str(piece);
        for (text, found) in self.checks.expect.iter().zip(&mut self.expect_found) {
            *found = *found || self.tail.contains(text.as_str());
        }
        for text in &self.checks.reject {
            if let Some(at) = self.tail.find(text.as_str()) {
                self.rejected = Some(Rejected {
                    check: quote(text),
                    context: context(&self.tail, at, at + text.len()),
                });
                return;
            }
        }
        if self.tail.len() > self.keep {
            let mut cut = self.tail.len() - self.keep;
            while !self.tail.is_char_boundary(cut) {
                cut += 1;
            }
            self.tail.drain(..cut);
        }
        if self.checks.has_patterns() {
            self.text.push_str(piece);
            // Run the patterns each time the text doubles, so the work stays
            // proportional to the text however small the pieces are.
            if self.text.len() >= self.searched * 2 {
                self.run_patterns();
            }
        }
    }

    /// The verdict on all the text that was scanned.
    pub fn finish(mut self) -> Verdict {
        if self.rejected.is_none() && self.searched < self.text.len() {
            self.run_patterns();
        }
        let checks = &self.checks;
        let mut missing: Vec<String> = checks
            .expect
            .iter()
            .zip(&self.expect_found)
            .filter(|(_, found)| !**found)
            .map(|(text, _)| quote(text))
            .collect();
        if self.rejected.is_none() {
            missing.extend(
                checks
                    .expect_regex
                    .iter()
                    .zip(&self.pattern_found)
                    .filter(|(_, found)| !**found)
                    .map(|(pattern, _)| pattern.to_string()),
            );
        }
        Verdict {
            missing,
            rejected: self.rejected,
        }
    }

    fn run_patterns(&mut self) {
        self.searched = self.text.len();
        for (pattern, found) in self.checks.expect_regex.iter().zip(&mut self.pattern_found) {
            *found = *found || pattern.0.is_match(&self.text);
        }
        for pattern in &self.checks.reject_regex {
            if let Some(found) = pattern.0.find(&self.text) {
                self.rejected = Some(Rejected {
                    check: pattern.to_string(),
                    context: context(&self.text, found.start(), found.end()),
                });
                return;
            }
        }
    }
}

/// `text[start..end]` with up to [`CONTEXT_CHARS`] characters on each side,
/// quoted, with `…` where text was left out.
fn context(text: &str, start: usize, end: usize) -> String {
    let before = text[..start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(at, _)| at);
    let after = text[end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(text.len(), |(at, _)| end + at);
    let mut shown = String::new();
    if before > 0 {
        shown.push('…');
    }
    // Line breaks and indentation read better as single spaces in a one-line message.
    let words: Vec<&str> = text[before..after].split_whitespace().collect();
    shown.push_str(&words.join(" "));
    if after < text.len() {
        shown.push('…');
    }
    quote(&shown)
}

/// A text quoted the way messages quote: control characters escaped.
fn quote(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn search(checks: TextChecks, pieces: &[&str]) -> Verdict {
        let mut search = TextSearch::new(Arc::new(checks));
        for piece in pieces {
            search.scan(piece);
        }
        search.finish()
    }

    fn patterns(texts: &[&str]) -> Vec<Pattern> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    #[test]
    fn expected_texts_and_patterns_are_found_across_pieces() {
        let checks = TextChecks {
            expect: vec!["Welcome".into(), "absent".into()],
            expect_regex: patterns(&[r#""status":\s*"ok""#, "^nope$"]),
            ..TextChecks::default()
        };
        let verdict = search(checks, &["say Wel", "come; {\"status\": ", "\"ok\"}"]);
        assert_eq!(verdict.missing, [r#""absent""#, "/^nope$/"]);
        assert_eq!(verdict.rejected, None);
    }

    #[test]
    fn a_rejected_text_is_quoted_with_what_surrounds_it() {
        let checks = TextChecks {
            reject: vec!["Maintenance".into()],
            ..TextChecks::default()
        };
        let before = "x".repeat(100);
        let verdict = search(
            checks,
            &[
                &before,
                "The site is\n  down for Mainte",
                "nance until 5pm. Sorry!",
            ],
        );
        let rejected = verdict.rejected.unwrap();
        assert_eq!(rejected.check, r#""Maintenance""#);
        assert_eq!(
            rejected.context,
            r#""…xxxxxxxThe site is down for Maintenance until 5pm. Sorry!""#
        );
    }

    #[test]
    fn a_rejected_pattern_is_found_however_the_text_was_cut() {
        let checks = TextChecks {
            reject_regex: patterns(&["[Ee]rror [0-9]+"]),
            ..TextChecks::default()
        };
        let pieces: Vec<String> = (0..200).map(|i| format!("line {i}\n")).collect();
        let mut pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        pieces.extend(["Err", "or 5", "03 here"]);
        let rejected = search(checks, &pieces).rejected.unwrap();
        assert_eq!(rejected.check, "/[Ee]rror [0-9]+/");
        assert!(rejected.context.contains("Error 503 here"), "{rejected:?}");
    }

    #[test]
    fn a_search_with_rejects_is_done_only_when_one_is_found() {
        let mut search = TextSearch::new(Arc::new(TextChecks {
            expect: vec!["a".into()],
            reject: vec!["b".into()],
            ..TextChecks::default()
        }));
        search.scan("a");
        assert!(!search.is_done());
        search.scan("b");
        assert!(search.is_done());
    }

    #[test]
    fn bad_patterns_and_header_checks_are_refused() {
        assert!("("
            .parse::<Pattern>()
            .unwrap_err()
            .contains("not a valid regex"));
        assert!("".parse::<Pattern>().is_err());
        assert!("Bad Name: x".parse::<HeaderCheck>().is_err());
    }

    #[test]
    fn headers_are_checked_for_presence_pattern_and_absence() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/xml"));
        headers.insert("x-debug", HeaderValue::from_static("on"));
        let checks = |expect: &[&str], reject: &[&str]| HeaderChecks {
            expect: expect.iter().map(|text| text.parse().unwrap()).collect(),
            reject: reject
                .iter()
                .map(|text| header_name(text).unwrap())
                .collect(),
        };
        assert_eq!(checks(&["Content-Type: xml"], &[]).verify(&headers), Ok(()));
        assert_eq!(checks(&["X-Debug"], &[]).verify(&headers), Ok(()));
        assert_eq!(
            checks(&["Content-Type: ^text/"], &[]).verify(&headers),
            Err(
                r#"header content-type is "application/xml", which does not match /^text//"#.into()
            )
        );
        assert_eq!(
            checks(&["ETag"], &[]).verify(&headers),
            Err("header etag is missing".into())
        );
        assert_eq!(
            checks(&[], &["x-debug"]).verify(&headers),
            Err(r#"header x-debug is present ("on") but was rejected with --reject-header"#.into())
        );
    }
}
