//! URL lists from arguments, files and stdin, each record tagged with where it came from.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Url;

use crate::error::{BadLine, UsageError};

/// Lines longer than this are rejected rather than read whole: no URL is this long,
/// and a list file with no newlines must not be slurped into memory as one line.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How much of a bad line an error message quotes.
const QUOTE_CHARS: usize = 120;

/// Where a URL came from, so records and errors can point back at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The Nth URL given on the command line (1-based).
    Argument(usize),
    /// A line of a list file, or of stdin (named `-`).
    Line {
        /// The list's name as the user gave it.
        list: Arc<str>,
        /// 1-based line number.
        line: usize,
    },
}

impl Origin {
    /// The list file's name, or `None` for a command-line argument.
    pub fn file(&self) -> Option<&str> {
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

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Argument(position) => write!(f, "argument {position}"),
            Origin::Line { list, line } => write!(f, "{list}:{line}"),
        }
    }
}

/// One URL to fetch.
#[derive(Debug, Clone)]
pub struct Target {
    /// The parsed URL; only http and https get this far.
    pub url: Url,
    /// Where it was given.
    pub origin: Origin,
    /// 0-based position in the whole input (arguments, then lists), before sharding.
    pub position: usize,
    /// A later URL in the list has the same scheme, host and port, so this
    /// one's connection is worth keeping open for it.
    pub origin_recurs: bool,
}

impl Target {
    /// A target whose connection is not kept unless [`mark_recurring_origins`] says so.
    pub fn new(url: Url, origin: Origin) -> Target {
        Target {
            url,
            origin,
            position: 0,
            origin_recurs: false,
        }
    }

    /// The URL as shown in records and messages, with any password masked.
    pub fn display_url(&self) -> Cow<'_, str> {
        redact(&self.url)
    }
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
pub fn collect(args: &[String], lists: &[ListSource]) -> Result<Vec<Target>, UsageError> {
    let mut targets = Vec::new();
    let mut bad = Vec::new();
    for (index, arg) in args.iter().enumerate() {
        let origin = Origin::Argument(index + 1);
        match parse_url(arg.trim()) {
            Ok(url) => targets.push(Target::new(url, origin)),
            Err(reason) => bad.push(bad_line(&origin, arg, reason)),
        }
    }
    for list in lists {
        let name: Arc<str> = Arc::from(list.name());
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
    for (position, target) in targets.iter_mut().enumerate() {
        target.position = position;
    }
    Ok(targets)
}

/// Sets `origin_recurs` on every target whose origin appears again later, so the
/// last request to each origin can close its connection instead of idling in the pool.
pub fn mark_recurring_origins(targets: &mut [Target]) {
    // Hashes, not origins: no allocation per URL, and 8 bytes each while marking.
    // A collision only keeps a connection open that could have been closed.
    let hasher = RandomState::new();
    let mut later = HashSet::with_capacity(targets.len().min(1 << 16));
    for target in targets.iter_mut().rev() {
        let url = &target.url;
        let key = hasher.hash_one((url.scheme(), url.host_str(), url.port_or_known_default()));
        target.origin_recurs = !later.insert(key);
    }
}

/// Reads one list: trims each line, skips blanks and `#` comments, and parses the rest.
pub fn read_list(
    mut reader: impl BufRead,
    name: &Arc<str>,
    targets: &mut Vec<Target>,
    bad: &mut Vec<BadLine>,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut line_number = 0;
    while let Some(too_long) = read_line_bounded(&mut reader, &mut buf, MAX_LINE_BYTES)? {
        line_number += 1;
        let origin = Origin::Line {
            list: Arc::clone(name),
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
        match parse_url(text) {
            Ok(url) => targets.push(Target::new(url, origin)),
            Err(reason) => bad.push(bad_line(&origin, text, reason)),
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

fn bad_line(origin: &Origin, text: &str, reason: String) -> BadLine {
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

    fn parse(list: &[u8]) -> (Vec<Target>, Vec<BadLine>) {
        let mut targets = Vec::new();
        let mut bad = Vec::new();
        read_list(list, &Arc::from("list.txt"), &mut targets, &mut bad).unwrap();
        (targets, bad)
    }

    #[test]
    fn skips_blanks_and_comments_and_keeps_line_numbers() {
        let (targets, bad) = parse(b"# header\n\n  https://a.example/  \r\nhttp://b.example/x\n");
        assert!(bad.is_empty());
        let got: Vec<_> = targets
            .iter()
            .map(|t| (t.url.as_str().to_string(), t.origin.to_string()))
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
        assert_eq!(targets[1].origin.line(), 2);
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
        assert_eq!(targets[0].origin.line(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("longer than"));
        assert!(bad[0].text.chars().count() <= QUOTE_CHARS + 1);
    }

    #[test]
    fn only_origins_with_a_later_url_keep_their_connection() {
        let args: Vec<String> = [
            "http://a.example/1",
            "http://b.example/",
            "http://a.example:80/2",
            "https://a.example/",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut targets = collect(&args, &[]).unwrap();
        mark_recurring_origins(&mut targets);
        let recurs: Vec<bool> = targets.iter().map(|t| t.origin_recurs).collect();
        assert_eq!(recurs, [true, false, false, false]);
    }

    #[test]
    fn a_password_is_masked_for_display() {
        let target = Target::new(
            parse_url("https://user:hunter2@a.example/p").unwrap(),
            Origin::Argument(1),
        );
        assert_eq!(target.display_url(), "https://user:***@a.example/p");
    }

    #[test]
    fn arguments_are_numbered_from_one() {
        let args = vec!["http://a.example/".to_string(), "nope".to_string()];
        let err = collect(&args, &[]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("argument 2"), "{message}");
        assert!(message.starts_with("1 bad entry"), "{message}");
    }
}
