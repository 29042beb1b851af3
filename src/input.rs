//! URL lists from arguments, files and stdin, each record tagged with where it came
//! from, and stored compactly so that long lists cost little memory.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use reqwest::Url;

use crate::error::{BadLine, UsageError};

/// Lines longer than this are rejected rather than read whole: no URL is this long,
/// and a list file with no newlines must not be slurped into memory as one line.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How much of a bad line an error message quotes.
const QUOTE_CHARS: usize = 120;

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
const ARGUMENT: u32 = u32::MAX;

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

    fn add_list(&mut self, name: &str) -> u32 {
        self.lists.push(name.to_string());
        u32::try_from(self.lists.len() - 1).unwrap_or(ARGUMENT - 1)
    }

    fn push(&mut self, url: &Url, list: u32, line: usize) -> Result<(), String> {
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

    fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.entries.shrink_to_fit();
    }
}

/// A URL list named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// Standard input (`-`).
    Stdin,
    /// A file path.
    File(PathBuf),
}

impl ListSource {
    /// `-` means stdin; anything else is a path.
    pub fn from_arg(arg: &Path) -> ListSource {
        if arg == Path::new("-") {
            ListSource::Stdin
        } else {
            ListSource::File(arg.to_path_buf())
        }
    }

    fn name(&self) -> String {
        match self {
            ListSource::Stdin => "-".to_string(),
            ListSource::File(path) => path.display().to_string(),
        }
    }
}

/// Gathers every URL from the arguments then the lists, in order, and rejects the
/// whole input, naming every bad entry, if any entry is not a fetchable URL.
pub fn collect(args: &[String], lists: &[ListSource]) -> Result<TargetList, UsageError> {
    let mut targets = TargetList::default();
    let mut bad = Vec::new();
    for (index, arg) in args.iter().enumerate() {
        let origin = Origin::Argument(index + 1);
        let pushed = parse_url(arg.trim()).and_then(|url| targets.push(&url, ARGUMENT, index + 1));
        if let Err(reason) = pushed {
            bad.push(bad_line(&origin, arg, reason));
        }
    }
    for list in lists {
        let name = list.name();
        let result = match list {
            ListSource::Stdin => read_list(io::stdin().lock(), &name, &mut targets, &mut bad),
            ListSource::File(path) => File::open(path)
                .and_then(|file| read_list(BufReader::new(file), &name, &mut targets, &mut bad)),
        };
        result.map_err(|err| {
            UsageError::Invalid(format!(
                "cannot read the URL list {name}: {err}; check the path given with -i"
            ))
        })?;
    }
    if !bad.is_empty() {
        return Err(UsageError::BadInput(bad));
    }
    targets.shrink_to_fit();
    Ok(targets)
}

/// Reads one list named `name`: trims each line, skips blanks and `#` comments,
/// and adds the rest to `targets`, or to `bad` with the reason.
pub fn read_list(
    mut reader: impl BufRead,
    name: &str,
    targets: &mut TargetList,
    bad: &mut Vec<BadLine>,
) -> io::Result<()> {
    let list = targets.add_list(name);
    let mut buf = Vec::new();
    let mut line_number = 0;
    while let Some(too_long) = read_line_bounded(&mut reader, &mut buf, MAX_LINE_BYTES)? {
        line_number += 1;
        let origin = Origin::Line {
            list: name,
            line: line_number,
        };
        let mut bytes = buf.as_slice();
        if line_number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                let shown = String::from_utf8_lossy(bytes);
                let reason = "not valid UTF-8; save the list as UTF-8".to_string();
                bad.push(bad_line(&origin, &shown, reason));
                continue;
            }
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if too_long {
            let reason = format!("line is longer than {MAX_LINE_BYTES} bytes; no URL is that long");
            bad.push(bad_line(&origin, text, reason));
            continue;
        }
        if let Err(reason) = parse_url(text).and_then(|url| targets.push(&url, list, line_number)) {
            bad.push(bad_line(&origin, text, reason));
        }
    }
    Ok(())
}
/// Reads up to the next `\n` into `buf`, keeping at most `max` bytes.
/// Returns `None` at end of input, else whether the line was cut short.
fn read_line_bounded(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (chunk, found_newline) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        let room = max.saturating_sub(buf.len());
        if chunk.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len() + usize::from(found_newline);
        reader.consume(used);
        if found_newline {
            return Ok(Some(too_long));
        }
    }
}

/// Parses one URL, accepting only http and https, with a reason fit for a person on failure.
pub fn parse_url(text: &str) -> Result<Url, String> {
    match Url::parse(text) {
        Ok(url) => match url.scheme() {
            "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
            "http" | "https" => Err("the URL has no host".to_string()),
            other => Err(format!(
                "unsupported scheme {other:?}: gather fetches only http and https URLs"
            )),
        },
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "not a URL: it has no scheme; write it as https://{text} or http://{text}"
        )),
        Err(err) => Err(format!("not a URL: {err}")),
    }
}

fn bad_line(origin: &Origin<'_>, text: &str, reason: String) -> BadLine {
    let mut shown: String = text.chars().take(QUOTE_CHARS).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    BadLine {
        place: origin.to_string(),
        text: shown,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[u8]) -> (TargetList, Vec<BadLine>) {
        let mut targets = TargetList::default();
        let mut bad = Vec::new();
        read_list(list, "list.txt", &mut targets, &mut bad).unwrap();
        (targets, bad)
    }

    fn args(urls: &[&str]) -> Vec<String> {
        urls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn skips_blanks_and_comments_and_keeps_line_numbers() {
        let (targets, bad) = parse(b"# header\n\n  https://a.example/  \r\nhttp://b.example/x\n");
        assert!(bad.is_empty());
        let got: Vec<_> = targets
            .iter()
            .map(|t| (t.url.to_string(), t.origin.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("https://a.example/".into(), "list.txt:3".into()),
                ("http://b.example/x".into(), "list.txt:4".into()),
            ]
        );
    }

    #[test]
    fn keeps_duplicates_in_order() {
        let (targets, _) = parse(b"http://a.example/\nhttp://a.example/\n");
        assert_eq!(targets.len(), 2);
        assert_eq!(targets.get(1).origin.line(), 2);
        assert_eq!(targets.get(1).position, 1);
    }

    #[test]
    fn reports_every_bad_line_with_its_place() {
        let (targets, bad) =
            parse(b"ftp://x.example/\nhttp://ok.example/\nexample.com\n\xff\xfe\nhttp://\n");
        assert_eq!(targets.len(), 1);
        let places: Vec<_> = bad.iter().map(|b| b.place.as_str()).collect();
        assert_eq!(
            places,
            ["list.txt:1", "list.txt:3", "list.txt:4", "list.txt:5"]
        );
        assert!(bad[0].reason.contains("unsupported scheme \"ftp\""));
        assert!(bad[1].reason.contains("https://example.com"));
        assert!(bad[2].reason.contains("UTF-8"));
    }

    #[test]
    fn a_bom_and_a_missing_final_newline_are_fine() {
        let (targets, bad) = parse(b"\xEF\xBB\xBFhttp://a.example/\nhttp://b.example/");
        assert!(bad.is_empty());
        assert_eq!(targets.len(), 2);
    }

    #[test]
    fn an_overlong_line_is_rejected_without_reading_it_whole() {
        let mut list = b"http://a.example/".to_vec();
        list.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES * 2));
        list.extend_from_slice(b"\nhttp://b.example/\n");
        let (targets, bad) = parse(&list);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets.get(0).origin.line(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("longer than"));
        assert!(bad[0].text.chars().count() <= QUOTE_CHARS + 1);
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

    #[test]
    fn arguments_are_numbered_from_one() {
        let err = collect(&args(&["http://a.example/", "nope"]), &[]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("argument 2"), "{message}");
        assert!(message.starts_with("1 bad entry"), "{message}");
    }
}
