//! Loading the URL list from arguments, files and stdin: read, validated, tagged
//! with where each URL came from, then sharded.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use url::Url;

use super::{Origin, TargetList, ARGUMENT};
use crate::error::{BadLine, UsageError};
use crate::shard::Shard;

/// Lines longer than this are rejected rather than read whole: no URL is this long,
/// and a list file with no newlines must not be slurped into memory as one line.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How much of a bad line an error message quotes.
const QUOTE_CHARS: usize = 120;

/// Where the URLs come from, as the command line said.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// URLs given as arguments, first in the run.
    pub urls: Vec<String>,
    /// List files (`-` for stdin), in order.
    pub lists: Vec<PathBuf>,
    /// stdin is a terminal, so it is not read unless named with `-i -`.
    pub stdin_is_terminal: bool,
    /// Only this shard of the list.
    pub shard: Option<Shard>,
}

/// The loaded list, and what is worth a warning about it.
#[derive(Debug)]
pub struct Loaded {
    /// The URLs of this run, in input order.
    pub targets: TargetList,
    /// Problems that do not stop the run.
    pub warnings: Vec<String>,
}

/// Reads every URL the input names; any bad entry, an unreadable list or an empty
/// input is a usage error, reported before anything is fetched.
pub fn load(input: &Input) -> Result<Loaded, UsageError> {
    let mut lists: Vec<ListSource> = input
        .lists
        .iter()
        .map(|p| ListSource::from_arg(p))
        .collect();
    if input.urls.is_empty() && lists.is_empty() {
        if input.stdin_is_terminal {
            return Err(UsageError::Invalid(
                "no URLs given: pass URLs as arguments, a list with -i FILE, or pipe a list on stdin"
                    .to_string(),
            ));
        }
        lists.push(ListSource::Stdin);
    }
    let mut targets = collect(&input.urls, &lists)?;
    if targets.is_empty() {
        let names: Vec<String> = lists.iter().map(ListSource::shown).collect();
        return Err(UsageError::Empty(format!(
            "{} held no URL (only blank or # comment lines)",
            names.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    if let Some(shard) = input.shard {
        let listed = targets.len();
        targets.retain_positions(|position| shard.holds(position));
        if targets.is_empty() {
            warnings.push(format!("shard {shard} holds none of the {listed} URLs"));
        }
    }
    targets.mark_recurring_origins();
    Ok(Loaded { targets, warnings })
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

    /// The list as named in messages: `stdin`, or its path.
    fn shown(&self) -> String {
        match self {
            ListSource::Stdin => "stdin".to_string(),
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
    fn arguments_are_numbered_from_one() {
        let err = collect(&args(&["http://a.example/", "nope"]), &[]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("argument 2"), "{message}");
        assert!(message.starts_with("1 bad entry"), "{message}");
    }
}
