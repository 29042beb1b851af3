//! The URLs of a run, stored compactly: each URL's text back to back in one buffer
//! and a few bytes of bookkeeping, with borrowed views that say where each came from.
//! [`load`] reads them from the arguments, files and stdin.

mod load;

pub use load::{load, parse_url, read_list, Input, ListSource, Loaded, MAX_LINE_BYTES};

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use url::Url;

/// Bookkeeping bytes per URL, besides the URL's own text (see [`TargetList`]).
pub const BYTES_PER_URL: usize = std::mem::size_of::<Entry>();

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
}

impl<'a> Target<'a> {
    /// The URL as shown in records and messages, with any password masked.
    pub fn display_url(&self) -> Cow<'a, str> {
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

/// `scheme://authority`'s authority part of a normalized URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
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

/// What a [`TargetList`] keeps per URL besides its text.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    line: u32,
    list: u32,
    position: u32,
    origin_recurs: bool,
}

// The documented memory cost per URL depends on this staying small.
const _: () = assert!(BYTES_PER_URL <= 24);

/// `Entry::list` for a URL given as an argument.
pub(crate) const ARGUMENT: u32 = u32::MAX;

/// Every URL of a run, compactly: their text back to back in one buffer, plus
/// [`BYTES_PER_URL`] bytes each, so 200,000 URLs take a few megabytes.
#[derive(Debug, Default)]
pub struct TargetList {
    text: String,
    entries: Vec<Entry>,
    lists: Vec<String>,
}

impl TargetList {
    /// How many URLs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The URL at `index`.
    pub fn get(&self, index: usize) -> Target<'_> {
        let entry = self.entries[index];
        let start = entry.start as usize;
        let origin = match entry.list {
            ARGUMENT => Origin::Argument(entry.line as usize),
            list => Origin::Line {
                list: &self.lists[list as usize],
                line: entry.line as usize,
            },
        };
        Target {
            url: &self.text[start..start + entry.len as usize],
            origin,
            position: entry.position as usize,
            origin_recurs: entry.origin_recurs,
        }
    }

    /// Every URL, in order.
    pub fn iter(&self) -> impl Iterator<Item = Target<'_>> {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Keeps only the URLs whose 0-based input position passes `keep`.
    pub fn retain_positions(&mut self, keep: impl Fn(usize) -> bool) {
        self.entries.retain(|entry| keep(entry.position as usize));
    }

    /// Marks every URL whose origin appears again later, so the last request to
    /// each origin can close its connection instead of idling in the pool.
    pub fn mark_recurring_origins(&mut self) {
        // Hashes of `scheme://authority`: no allocation per URL, 8 bytes each while
        // marking. A collision only keeps a connection open that could have closed.
        let hasher = RandomState::new();
        let mut later = HashSet::with_capacity(self.entries.len().min(1 << 16));
        for entry in self.entries.iter_mut().rev() {
            let start = entry.start as usize;
            let url = &self.text[start..start + entry.len as usize];
            let scheme = url.split(':').next().unwrap_or("");
            entry.origin_recurs = !later.insert(hasher.hash_one((scheme, authority(url))));
        }
    }

    /// Registers a list name; URLs pushed with the returned id point at it.
    pub(crate) fn add_list(&mut self, name: &str) -> u32 {
        self.lists.push(name.to_string());
        u32::try_from(self.lists.len() - 1).unwrap_or(ARGUMENT - 1)
    }

    /// Appends a validated URL from `list` (or [`ARGUMENT`]) at `line`.
    pub(crate) fn push(&mut self, url: &Url, list: u32, line: usize) -> Result<(), String> {
        let too_many =
            || "the input is too large: more than 4 GiB of URLs or 4 billion lines".to_string();
        let start = u32::try_from(self.text.len()).map_err(|_| too_many())?;
        let len = u32::try_from(url.as_str().len()).map_err(|_| too_many())?;
        let line = u32::try_from(line).map_err(|_| too_many())?;
        let position = u32::try_from(self.entries.len()).map_err(|_| too_many())?;
        self.text.push_str(url.as_str());
        self.entries.push(Entry {
            start,
            len,
            line,
            list,
            position,
            origin_recurs: false,
        });
        Ok(())
    }

    /// Gives back the growth slack once the list is complete.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.entries.shrink_to_fit();
    }
}

/// A list of the given URLs as arguments, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn list_of(urls: &[&str]) -> TargetList {
    let args: Vec<String> = urls.iter().map(|url| url.to_string()).collect();
    let mut list = load::collect(&args, &[]).expect("valid test URLs");
    list.mark_recurring_origins();
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use load::collect;

    fn args(urls: &[&str]) -> Vec<String> {
        urls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_origins_with_a_later_url_keep_their_connection() {
        let urls = args(&[
            "http://a.example/1",
            "http://b.example/",
            "http://a.example:80/2",
            "https://a.example/",
        ]);
        let mut targets = collect(&urls, &[]).unwrap();
        targets.mark_recurring_origins();
        let recurs: Vec<bool> = targets.iter().map(|t| t.origin_recurs).collect();
        assert_eq!(recurs, [true, false, false, false]);
    }

    #[test]
    fn hosts_are_read_off_the_normalized_url() {
        let urls = args(&[
            "http://user:pw@Example.COM:8080/x?y",
            "https://[::1]:8443/",
            "http://127.0.0.1/",
        ]);
        let targets = collect(&urls, &[]).unwrap();
        let hosts: Vec<&str> = targets.iter().map(|t| t.host()).collect();
        assert_eq!(hosts, ["example.com", "::1", "127.0.0.1"]);
    }

    #[test]
    fn a_password_is_masked_for_display() {
        let targets = collect(
            &args(&[
                "https://user:hunter2@a.example/p",
                "https://user@b.example/",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(targets.get(0).display_url(), "https://user:***@a.example/p");
        assert_eq!(targets.get(1).display_url(), "https://user@b.example/");
    }

    #[test]
    fn sharding_keeps_positions() {
        let mut targets = collect(
            &args(&[
                "http://a.example/0",
                "http://a.example/1",
                "http://a.example/2",
            ]),
            &[],
        )
        .unwrap();
        targets.retain_positions(|p| p % 2 == 0);
        let kept: Vec<(usize, &str)> = targets.iter().map(|t| (t.position, t.url)).collect();
        assert_eq!(kept, [(0, "http://a.example/0"), (2, "http://a.example/2")]);
    }
}
