//! The URLs of a run: [`load`] checks the input (arguments, list files, stdin)
//! and returns a [`Feed`] that hands the engine one [`TargetBuf`] at a time, in
//! input order, so memory does not grow with the list. Views ([`Target`]) say
//! where each URL came from.

mod feed;
mod held;
mod lines;
mod load;
mod plain;
pub mod sitemap;
mod stream;

pub use feed::{Feed, ListError, Next};
pub use held::{TargetList, BYTES_PER_URL};
pub use lines::{parse_url, Lines, Syntax, MAX_LINE_BYTES};
pub use load::{load, read_list, Input, ListSource, Loaded, SitemapPages};

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::rules::LineOptions;

/// Where a URL came from, so records and errors can point back at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The Nth URL given on the command line (1-based).
    Argument(usize),
    /// A line of a list file, or of stdin (named `-`).
    Line {
        /// The list's name as the user gave it.
        list: &'a str,
        /// 1-based line number.
        line: usize,
    },
}

impl<'a> Origin<'a> {
    /// The list file's name, or `None` for a command-line argument.
    pub fn file(&self) -> Option<&'a str> {
        match self {
            Origin::Argument(_) => None,
            Origin::Line { list, .. } => Some(list),
        }
    }

    /// The 1-based line, or for an argument its position among the URLs given.
    pub fn line(&self) -> usize {
        match self {
            Origin::Argument(position) => *position,
            Origin::Line { line, .. } => *line,
        }
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Argument(position) => write!(f, "argument {position}"),
            Origin::Line { list, line } => write!(f, "{list}:{line}"),
        }
    }
}

/// One URL to fetch, as a view into the [`TargetList`] that holds it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The URL, validated (http or https) and normalized as the url crate writes it.
    pub url: &'a str,
    /// Where it was given.
    pub origin: Origin<'a>,
    /// 0-based position in the whole input (arguments, then lists), before sharding.
    pub position: usize,
    /// A later URL in the list has the same scheme, host and port, so this
    /// one's connection is worth keeping open for it.
    pub origin_recurs: bool,
    /// The URL parsed, so a fetch need not parse it again; `None` for a bad line.
    pub parsed: Option<&'a Url>,
    /// The options its list line gives after it, if any.
    pub options: Option<&'a LineOptions>,
}

impl<'a> Target<'a> {
    /// The URL as shown in records and messages, with any password masked.
    pub fn display_url(&self) -> Cow<'a, str> {
        // A parsed URL knows where its password is: no search of the text.
        if let Some(url) = self.parsed {
            return redact(url);
        }
        if !has_password(self.url) {
            return Cow::Borrowed(self.url);
        }
        match Url::parse(self.url) {
            Ok(url) => Cow::Owned(redact(&url).into_owned()),
            Err(_) => Cow::Borrowed(self.url),
        }
    }

    /// The host, read off the normalized URL without parsing it again.
    pub fn host(&self) -> &'a str {
        let authority = authority(self.url);
        let host_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, rest)| rest);
        if let Some(bracketed) = host_port.strip_prefix('[') {
            return bracketed.split(']').next().unwrap_or(bracketed);
        }
        host_port.split(':').next().unwrap_or(host_port)
    }
}

/// `scheme://authority` of a normalized URL: what decides whether a connection
/// can be reused.
pub fn origin_of(url: &str) -> &str {
    &url[..authority_span(url).1]
}

/// `scheme://authority`'s authority part of a normalized URL.
fn authority(url: &str) -> &str {
    let (start, end) = authority_span(url);
    &url[start..end]
}

/// Where the authority starts (after the first `://`) and ends (at the first
/// `/`, `?` or `#` after that).
// Byte searches: this runs for every URL, and str patterns cost several times more.
fn authority_span(url: &str) -> (usize, usize) {
    let start = after_scheme(url);
    let end = url.as_bytes()[start..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(url.len(), |at| start + at);
    (start, end)
}

/// Where the text after the first `://` starts, or 0 without one.
fn after_scheme(url: &str) -> usize {
    // Nearly every URL here is http or https: say so without a search.
    for scheme in ["https://", "http://"] {
        if url.starts_with(scheme) {
            return scheme.len();
        }
    }
    url.as_bytes()
        .windows(3)
        .position(|three| three == b"://")
        .map_or(0, |at| at + 3)
}

fn has_password(url: &str) -> bool {
    authority(url)
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// A URL as text with its password, if any, replaced by `***`.
pub fn redact(url: &Url) -> Cow<'_, str> {
    if url.password().is_none() {
        return Cow::Borrowed(url.as_str());
    }
    let mut masked = url.clone();
    // Setting a password only fails for URLs that cannot have one, and this one has one.
    let _ = masked.set_password(Some("***"));
    Cow::Owned(masked.into())
}

/// One entry of the input, owned, as the engine holds it while the URL is in
/// flight or waiting for its turn in the output.
#[derive(Debug)]
pub struct TargetBuf {
    entry: Result<Url, Bad>,
    /// The list's name, or `None` for a command-line argument.
    list: Option<Arc<str>>,
    line: usize,
    position: usize,
    options: Option<Arc<LineOptions>>,
}

/// A line of a streamed list that is not a fetchable URL: it gets a failed
/// record of kind `input` in its place.
#[derive(Debug, Clone)]
pub struct Bad {
    /// The line as shown, shortened.
    pub text: String,
    /// What is wrong with it, and what to do.
    pub reason: String,
}

impl TargetBuf {
    /// A URL from `list` (`None` for an argument) at 1-based `line`, the
    /// `position`th (0-based) of the whole input.
    pub fn new(
        entry: Result<Url, Bad>,
        list: Option<Arc<str>>,
        line: usize,
        position: usize,
    ) -> Self {
        TargetBuf {
            entry,
            list,
            line,
            position,
            options: None,
        }
    }

    /// This entry with the options its list line gives.
    pub fn with_options(mut self, options: Option<Arc<LineOptions>>) -> Self {
        self.options = options;
        self
    }

    /// A borrowed view, with `origin_recurs` false.
    pub fn view(&self) -> Target<'_> {
        let origin = match &self.list {
            None => Origin::Argument(self.line),
            Some(list) => Origin::Line {
                list,
                line: self.line,
            },
        };
        let (url, parsed) = match &self.entry {
            Ok(url) => (url.as_str(), Some(url)),
            Err(bad) => (bad.text.as_str(), None),
        };
        Target {
            url,
            origin,
            position: self.position,
            origin_recurs: false,
            parsed,
            options: self.options.as_deref(),
        }
    }

    /// Why this entry is not a URL, if it is not one.
    pub fn bad(&self) -> Option<&Bad> {
        self.entry.as_ref().err()
    }

    /// `scheme://authority`, or `None` for a bad line.
    pub fn origin(&self) -> Option<&str> {
        self.entry.as_ref().ok().map(|url| origin_of(url.as_str()))
    }

    /// 0-based position in the whole input.
    pub fn position(&self) -> usize {
        self.position
    }
}

/// The given URLs as command-line arguments, held, for tests in the crate.
#[cfg(test)]
fn held_of(urls: &[&str]) -> TargetList {
    let mut list = TargetList::new(None);
    for (index, url) in urls.iter().enumerate() {
        list.push(
            &parse_url(url).expect("a valid test URL"),
            None,
            index + 1,
            index,
        )
        .expect("a small list");
    }
    list
}

/// The given URLs as command-line arguments, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn list_of(urls: &[&str]) -> Vec<TargetBuf> {
    held_of(urls).iter().collect()
}

/// A feed of the given URLs as command-line arguments, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn feed_of(urls: &[&str]) -> Feed {
    Feed::listed(
        vec![feed::Segment::Held(held_of(urls))],
        urls.len(),
        None,
        Syntax::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_off_the_normalized_url() {
        let targets = list_of(&[
            "http://user:pw@Example.COM:8080/x?y",
            "https://[::1]:8443/",
            "http://127.0.0.1/",
        ]);
        let hosts: Vec<&str> = targets.iter().map(|t| t.view().host()).collect();
        assert_eq!(hosts, ["example.com", "::1", "127.0.0.1"]);
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        #[test]
        fn the_authority_is_what_follows_the_first_scheme_separator(
            url in "[a-z:/?#@.]{0,24}",
        ) {
            let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            let expected = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            proptest::prop_assert_eq!(authority(&url), expected);
            let scheme_len = url.find("://").map_or(0, |at| at + 3);
            proptest::prop_assert_eq!(origin_of(&url), &url[..scheme_len + expected.len()]);
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        let targets = list_of(&[
            "http://user:pw@Example.COM:8080/x?y",
            "https://a.example/p#f",
            "http://a.example:80/",
        ]);
        let origins: Vec<&str> = targets.iter().filter_map(TargetBuf::origin).collect();
        assert_eq!(
            origins,
            [
                "http://user:pw@example.com:8080",
                "https://a.example",
                "http://a.example"
            ]
        );
    }

    #[test]
    fn a_password_is_masked_for_display() {
        let targets = list_of(&[
            "https://user:hunter2@a.example/p",
            "https://user@b.example/",
        ]);
        assert_eq!(
            targets[0].view().display_url(),
            "https://user:***@a.example/p"
        );
        assert_eq!(targets[1].view().display_url(), "https://user@b.example/");
    }
}
