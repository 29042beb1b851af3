//! One list's lines, each classified as a URL (with any options after it), a
//! bad line with its reason, or nothing (blank, `#` comment), read with a bound
//! on the line's length. The first reading, the second and `--stream` all read
//! lines this way.

use std::io::{self, BufRead};
use std::sync::Arc;

use url::Url;

use super::plain::LastOrigin;
use super::Bad;
use crate::rules::{LineOptions, LineParser};

/// Lines longer than this are rejected rather than read whole: no URL is this long,
/// and a list file with no newlines must not be slurped into memory as one line.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How much of a bad line an error message quotes.
pub(super) const QUOTE_CHARS: usize = 120;

/// A list line's URL, and the options written after it.
#[derive(Debug)]
pub struct LineEntry {
    /// The URL, checked.
    pub url: Url,
    /// The line's options, if it has any.
    pub options: Option<Arc<LineOptions>>,
}

/// How a list's lines are read beyond their URL.
#[derive(Debug, Clone, Default)]
pub struct Syntax {
    /// Reads the options after a line's URL; without one, a line is one URL.
    pub options: Option<Arc<dyn LineParser>>,
    /// What a line that is a path (`/pricing`) is resolved against (`--base`).
    pub base: Option<Url>,
}

/// A list's lines, each classified: blank and `#` comment lines are skipped,
/// the rest are a URL or a reason they are not one.
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    line: usize,
    syntax: Syntax,
    last_origin: LastOrigin,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`, numbered from 1, read as `syntax` says.
    pub fn new(reader: R, syntax: Syntax) -> Lines<R> {
        Lines {
            reader,
            buf: Vec::new(),
            line: 0,
            syntax,
            last_origin: LastOrigin::default(),
        }
    }

    /// The reader underneath.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The next line that is not blank or a comment, with its 1-based number.
    pub fn next_entry(&mut self) -> io::Result<Option<(usize, Result<LineEntry, Bad>)>> {
        let mut last_origin = std::mem::take(&mut self.last_origin);
        let next =
            self.next_with(|text, base| resolve_with(text, base, |url| last_origin.parse(url)));
        self.last_origin = last_origin;
        let next = next?;
        Ok(
            next.map(|(line, entry)| {
                (line, entry.map(|(url, options)| LineEntry { url, options }))
            }),
        )
    }

    /// As [`Lines::next_entry`], for a reading that only checks: the same lines
    /// are good or bad, for the same reasons, but no URL is kept.
    pub fn next_checked(&mut self) -> io::Result<Option<(usize, Result<(), Bad>)>> {
        let next = self.next_with(|url, base| {
            if super::plain::surely_parses(url) {
                return Ok(());
            }
            resolve(url, base).map(drop)
        })?;
        Ok(next.map(|(line, entry)| (line, entry.map(drop))))
    }

    /// The next line that is not blank or a comment, its URL read by `read_url`.
    fn next_with<U>(
        &mut self,
        read_url: impl FnMut(&str, Option<&Url>) -> Result<U, String>,
    ) -> io::Result<Option<(usize, Classified<U>)>> {
        while let Some(too_long) =
            read_line_bounded(&mut self.reader, &mut self.buf, MAX_LINE_BYTES)?
        {
            self.line += 1;
            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                let shown = String::from_utf8_lossy(bytes);
                let reason = "not valid UTF-8; save the list as UTF-8".to_string();
                return Ok(Some((self.line, Err(Bad::quoting(&shown, reason)))));
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            if too_long {
                let reason =
                    format!("line is longer than {MAX_LINE_BYTES} bytes; no URL is that long");
                return Ok(Some((self.line, Err(Bad::quoting(text, reason)))));
            }
            return Ok(Some((self.line, entry(&self.syntax, text, read_url))));
        }
        Ok(None)
    }
}

/// A line's URL as read and the options written after it, or why it is bad.
type Classified<U> = Result<(U, Option<Arc<LineOptions>>), Bad>;

/// A line that is not blank or a comment: its URL, then any options.
fn entry<U>(
    syntax: &Syntax,
    text: &str,
    mut read_url: impl FnMut(&str, Option<&Url>) -> Result<U, String>,
) -> Classified<U> {
    let (url, rest) = match &syntax.options {
        Some(_) => split_at_space(text),
        None => (text, ""),
    };
    let url = read_url(url, syntax.base.as_ref()).map_err(|reason| Bad::quoting(text, reason))?;
    let options = match (&syntax.options, rest) {
        (Some(parser), rest) if !rest.is_empty() && !rest.starts_with('#') => {
            // Split as a POSIX shell splits words; `#` at a word's start
            // begins a comment.
            let words = shlex::split(rest).ok_or_else(|| {
                Bad::quoting(text, "a quote in the options is never closed".to_string())
            })?;
            let options = parser
                .parse(&words)
                .map_err(|reason| Bad::quoting(text, reason))?;
            Some(Arc::new(options))
        }
        _ => None,
    };
    Ok((url, options))
}

/// A line's URL and what follows it: split at the first whitespace (as
/// `char::is_whitespace` says), the rest without its leading whitespace.
fn split_at_space(text: &str) -> (&str, &str) {
    if printable_ascii(text.as_bytes()) {
        return (text, "");
    }
    // Byte by byte while the line is ASCII, which a URL almost always is: the
    // char-by-char search cost more than the rest of reading the line.
    let stop = text
        .bytes()
        .position(|b| !b.is_ascii() || matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'));
    let Some(at) = stop else {
        return (text, "");
    };
    let (ascii, rest) = text.split_at(at);
    if !rest.starts_with(|c: char| c.is_ascii()) {
        if let Some((url, after)) = rest.split_once(char::is_whitespace) {
            return (&text[..ascii.len() + url.len()], after.trim_start());
        }
        return (text, "");
    }
    (ascii, rest[1..].trim_start())
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
        let (chunk, found_newline) = match memchr::memchr(b'\n', available) {
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

/// True if every byte is printable ASCII or DEL (0x21 to 0x7F), as is every byte
/// of a line that is a URL alone; looked at eight bytes at a time.
fn printable_ascii(bytes: &[u8]) -> bool {
    const EACH: u64 = u64::from_ne_bytes([1; 8]);
    let mut words = bytes.chunks_exact(8);
    let words_printable = words.by_ref().all(|word| {
        // Always eight bytes; were one not, "not printable" sends the line the slow way.
        let Ok(word) = <[u8; 8]>::try_from(word).map(u64::from_ne_bytes) else {
            return false;
        };
        // Taking 0x21 from every byte sets a byte's top bit only if it was below
        // 0x21 (no byte borrows unless one below it was); a top bit already set
        // is a byte past ASCII.
        (word.wrapping_sub(EACH * 0x21) | word) & (EACH * 0x80) == 0
    });
    words_printable && words.remainder().iter().all(|&b| (0x21..0x80).contains(&b))
}

/// A URL, or a path (`/pricing`) resolved against `base` (`--base`).
pub fn resolve(text: &str, base: Option<&Url>) -> Result<Url, String> {
    resolve_with(text, base, parse_url)
}

/// As [`resolve`], with a URL (not a path) parsed by `parse`.
fn resolve_with(
    text: &str,
    base: Option<&Url>,
    parse: impl FnOnce(&str) -> Result<Url, String>,
) -> Result<Url, String> {
    if !text.starts_with('/') || text.starts_with("//") {
        return parse(text);
    }
    match base {
        Some(base) => base
            .join(text)
            .map_err(|err| format!("cannot resolve the path against --base {base}: {err}")),
        None => Err(
            "a path, not a URL: give the site it is on with --base URL (e.g. --base https://example.com)"
                .to_string(),
        ),
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
        // Only a bare host name (with a path, perhaps) is worth writing out again.
        Err(url::ParseError::RelativeUrlWithoutBase)
            if !text.contains(char::is_whitespace) && !text.contains("://") =>
        {
            Err(format!(
                "not a URL: it has no scheme; write it as https://{text} or http://{text}"
            ))
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            Err("not a URL: it does not start with http:// or https://".to_string())
        }
        Err(err) => Err(format!("not a URL: {err}")),
    }
}

impl Bad {
    /// A bad entry, its text shortened for quoting.
    pub(super) fn quoting(text: &str, reason: String) -> Bad {
        let mut shown: String = text.chars().take(QUOTE_CHARS).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        Bad {
            text: shown,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_control_or_non_ascii_byte_anywhere_is_seen() {
        let line = *b"https://a.b/~!c?d=\x7f";
        assert!(printable_ascii(&line));
        for at in 0..line.len() {
            for odd in [0x00, 0x1F, b' ', 0x80, 0xFF] {
                let mut changed = line;
                changed[at] = odd;
                assert!(!printable_ascii(&changed), "{odd:#x} at {at}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        // ASCII mostly, with Unicode spaces (U+0085, U+00A0, U+2003, U+3000) and
        // other non-ASCII now and then.
        #[test]
        fn a_line_splits_where_char_is_whitespace_says(
            text in "([a-z/:?=.!~]{0,9}|[ \t\u{b}\u{c}\r]|[\u{1}\u{1f}\u{7f}]|\u{85}|\u{a0}|\u{2003}|\u{3000}|é|€){0,8}",
        ) {
            let expected = text
                .split_once(char::is_whitespace)
                .map_or((text.as_str(), ""), |(url, rest)| (url, rest.trim_start()));
            proptest::prop_assert_eq!(split_at_space(&text), expected);
        }

        #[test]
        fn printable_ascii_looks_at_every_byte(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    12 => 0x21u8..0x80,
                    1 => proptest::sample::select(vec![0x00, 0x1F, 0x20, 0x21, 0x7F, 0x80, 0xFF]),
                    1 => proptest::num::u8::ANY,
                ],
                0..40,
            ),
        ) {
            let expected = bytes.iter().all(|&b| (0x21..0x80).contains(&b));
            proptest::prop_assert_eq!(printable_ascii(&bytes), expected, "{:?}", bytes);
        }
    }
}
