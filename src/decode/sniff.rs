//! Which encoding a page is in, as the WHATWG HTML standard's encoding sniffing
//! algorithm decides: a byte order mark, then the Content-Type charset, then a
//! `<meta>` in the first 1,024 bytes (HTML only; prescan.rs), then a guess from the
//! bytes (chardetng, Firefox's detector), then UTF-8.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{Encoding, UTF_8};

/// How many bytes the `<meta>` prescan looks at, as the standard says; the guess
/// also looks at this many from the first byte that is not ASCII.
pub const PRESCAN_BYTES: usize = 1024;
/// An undeclared body that is ASCII this far gives the guess nothing to go on;
/// it is decided here at the latest.
pub const DETECT_MAX_BYTES: usize = 64 * 1024;

/// What decided a page's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte order mark at the start of the body.
    Bom,
    /// The Content-Type header's charset.
    Header,
    /// A `<meta charset>` or `<meta http-equiv>` in the first 1,024 bytes.
    Meta,
    /// A guess from the bytes themselves.
    Detected,
    /// Nothing: UTF-8, for bodies that are not text.
    Default,
}

impl CharsetSource {
    /// The name used in records: `bom`, `header`, `meta`, `detected`, `default`.
    pub fn name(self) -> &'static str {
        match self {
            CharsetSource::Bom => "bom",
            CharsetSource::Header => "header",
            CharsetSource::Meta => "meta",
            CharsetSource::Detected => "detected",
            CharsetSource::Default => "default",
        }
    }
}

impl fmt::Display for CharsetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the response says about its body, before any of the body is seen.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// What the Content-Type's essence (`text/html`) says the body is.
    pub media: Media,
    /// The encoding the Content-Type's charset names, when it names a known one.
    pub charset: Option<&'static Encoding>,
    /// The URL's top-level domain (`jp`, `ru`), lower case, which sharpens the guess;
    /// only without a charset, since only then is there a guess to sharpen.
    pub tld: Option<String>,
}

/// What a Content-Type's essence says of the body, as far as decoding it goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Media {
    /// No valid Content-Type: sniffed as HTML, as browsers do.
    #[default]
    Unknown,
    /// `text/html` or `application/xhtml+xml`.
    Html,
    /// Any other `text/*`, or XML: text whose encoding is worth guessing.
    Text,
    /// Anything else, which is not text.
    Other,
}

impl Media {
    /// The kind of a valid essence's `type` and `subtype`, in any case.
    fn of(kind: &str, subtype: &str) -> Media {
        let text = kind.eq_ignore_ascii_case("text");
        if (text && subtype.eq_ignore_ascii_case("html"))
            || (kind.eq_ignore_ascii_case("application")
                && subtype.eq_ignore_ascii_case("xhtml+xml"))
        {
            return Media::Html;
        }
        let bytes = subtype.as_bytes();
        let xml = subtype.eq_ignore_ascii_case("xml")
            || (bytes.len() >= 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b"+xml"));
        if text || xml {
            Media::Text
        } else {
            Media::Other
        }
    }
}

impl Declared {
    /// What a Content-Type header value (if any) declares, for a URL with `host`.
    pub fn new(content_type: Option<&[u8]>, host: Option<&str>) -> Declared {
        let (media, charset) = content_type
            .and_then(parse_mime)
            .map_or((Media::Unknown, None), |(media, charset)| {
                (media, charset.as_deref().and_then(encoding_for))
            });
        Declared {
            media,
            charset,
            tld: host.filter(|_| charset.is_none()).and_then(tld_of),
        }
    }

    /// True for HTML, and for a body of unknown type (which browsers sniff as HTML).
    pub fn is_html(&self) -> bool {
        matches!(self.media, Media::Unknown | Media::Html)
    }

    /// True if the body is text whose encoding is worth guessing: any `text/*`,
    /// HTML, XML, or a body of unknown type.
    fn is_text(&self) -> bool {
        self.media != Media::Other
    }
}

/// The encoding a charset label names, if it names one.
fn encoding_for(label: &str) -> Option<&'static Encoding> {
    // Most pages say utf-8: that one goes without the search of every label.
    if label.eq_ignore_ascii_case("utf-8") {
        return Some(UTF_8);
    }
    Encoding::for_label(label.as_bytes())
}

/// The encoding a BOM at the start of `bytes` names, and the BOM's length.
pub fn bom(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(bytes)
}

/// True if `bytes` could still grow into a BOM.
pub fn may_be_bom(bytes: &[u8]) -> bool {
    [&b"\xEF\xBB\xBF"[..], b"\xFE\xFF", b"\xFF\xFE"]
        .iter()
        .any(|bom| bytes.len() < bom.len() && bom.starts_with(bytes))
}

/// Decides the encoding from the bytes seen so far, or `None` if more are needed:
/// without a `<meta>` declaration in them, the prescan wants 1,024 bytes (or the
/// whole body, when `ended`).
pub fn decide(
    declared: &Declared,
    bytes: &[u8],
    ended: bool,
) -> Option<(&'static Encoding, CharsetSource)> {
    if may_be_bom(bytes) && !ended {
        return None;
    }
    if let Some((encoding, _)) = bom(bytes) {
        return Some((encoding, CharsetSource::Bom));
    }
    if let Some(encoding) = declared.charset {
        return Some((encoding, CharsetSource::Header));
    }
    if !declared.is_text() {
        return Some((UTF_8, CharsetSource::Default));
    }
    if declared.is_html() {
        // Found in fewer than 1,024 bytes, a declaration is the one all 1,024 give:
        // the prescan stops at the first complete one, and a tag, attribute or
        // comment cut off by the end of the bytes ends it with nothing found.
        if let Some(encoding) = super::prescan::prescan(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
            return Some((encoding, CharsetSource::Meta));
        }
    }
    if bytes.len() < PRESCAN_BYTES && !ended {
        return None;
    }
    // The guess needs bytes that are not ASCII (or ISO-2022-JP's escapes) to go
    // on: it looks at a fixed window from the first of them, so that how the body
    // arrived in pieces never changes the answer.
    let first_telling = bytes.iter().position(|&b| !b.is_ascii() || b == 0x1B);
    let window = first_telling
        .map_or(DETECT_MAX_BYTES, |at| at + PRESCAN_BYTES)
        .min(DETECT_MAX_BYTES);
    if bytes.len() < window && !ended {
        return None;
    }
    let window = &bytes[..bytes.len().min(window)];
    Some((
        detect(window, declared.tld.as_deref()),
        CharsetSource::Detected,
    ))
}

/// Firefox's guess for undeclared bytes, allowing UTF-8 (Firefox does not, and
/// shows mojibake for undeclared UTF-8; a person reading gather's output wants the
/// intended text).
fn detect(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow)
}

/// The last label of a host name, if it is a plain lower-case ASCII word (not an
/// IP address), as chardetng wants it.
fn tld_of(host: &str) -> Option<String> {
    let label = host.trim_end_matches('.').rsplit('.').next()?;
    let plain = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.bytes().all(|b| b.is_ascii_digit())
        && !host.contains(':');
    plain.then(|| label.to_ascii_lowercase())
}

/// The WHATWG MIME type parser, as far as the essence's kind and the first `charset`
/// parameter: `type/subtype;name=value;name="quoted \" value"`.
fn parse_mime(value: &[u8]) -> Option<(Media, Option<Cow<'_, str>>)> {
    let text = std::str::from_utf8(value).ok()?;
    let text = text.trim_matches(is_http_whitespace);
    let (essence, mut rest) = match text.find(';') {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    let (kind, subtype) = essence.split_once('/')?;
    let subtype = subtype.trim_end_matches(is_http_whitespace);
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let media = Media::of(kind, subtype);
    let mut charset = None;
    while let Some(after) = rest.strip_prefix(';') {
        rest = after.trim_start_matches(is_http_whitespace);
        let name_end = rest.find([';', '=']).unwrap_or(rest.len());
        let wanted = charset.is_none() && rest[..name_end].eq_ignore_ascii_case("charset");
        rest = &rest[name_end..];
        let Some(after_equals) = rest.strip_prefix('=') else {
            continue;
        };
        rest = after_equals;
        let parameter_value = if rest.starts_with('"') {
            let (quoted, after_quote) = http_quoted_string(rest);
            rest = after_quote;
            // Anything between the closing quote and the next ';' is ignored.
            rest = rest.find(';').map_or("", |at| &rest[at..]);
            Cow::Owned(quoted)
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            let value = rest[..end].trim_end_matches(is_http_whitespace);
            rest = &rest[end..];
            if value.is_empty() || !wanted {
                continue;
            }
            Cow::Borrowed(value)
        };
        if wanted {
            charset = Some(parameter_value);
        }
    }
    Some((media, charset))
}

/// Collects an HTTP quoted string at the start of `text` (which starts with `"`),
/// with backslash escapes; returns its value and what follows it.
fn http_quoted_string(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (value, &text[at + 1..]),
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => {
                    value.push('\\');
                    return (value, "");
                }
            },
            _ => value.push(c),
        }
    }
    (value, "")
}

fn is_http_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{EUC_JP, SHIFT_JIS, WINDOWS_1252};

    fn charset(content_type: &str) -> Option<&'static Encoding> {
        Declared::new(Some(content_type.as_bytes()), None).charset
    }

    #[test]
    fn content_type_charsets_follow_the_mime_rules() {
        assert_eq!(charset("text/html; charset=UTF-8"), Some(UTF_8));
        assert_eq!(charset("text/html;charset=\"latin1\""), Some(WINDOWS_1252));
        assert_eq!(
            charset("text/html; CHARSET = latin1 "),
            None,
            "no spaces around ="
        );
        assert_eq!(charset("text/html; charset=latin1 "), Some(WINDOWS_1252));
        assert_eq!(
            charset("text/html; foo=\"a;charset=koi8-r\"; charset=shift_jis"),
            Some(SHIFT_JIS)
        );
        assert_eq!(
            charset("text/html; charset=\"shift\\_jis\""),
            Some(SHIFT_JIS)
        );
        assert_eq!(
            charset("text/html; charset=euc-jp; charset=utf-8"),
            Some(EUC_JP)
        );
        assert_eq!(charset("text/html; charset=foo"), None);
        assert_eq!(charset("charset=utf-8"), None, "not a MIME type");
        assert_eq!(charset("text/html; charset="), None);
        assert_eq!(charset("text/html; CharSet=latin1"), Some(WINDOWS_1252));
        assert_eq!(charset("text/html; charset=; charset=utf-8"), Some(UTF_8));
        let declared = Declared::new(Some(b"Text/HTML ; charset=x-sjis"), Some("www.example.jp"));
        assert_eq!(declared.media, Media::Html);
        assert_eq!(declared.charset, Some(SHIFT_JIS));
        assert_eq!(
            declared.tld, None,
            "a declared charset leaves nothing to guess"
        );
        let undeclared = Declared::new(Some(b"text/html"), Some("www.example.JP."));
        assert_eq!(undeclared.tld.as_deref(), Some("jp"));
    }

    #[test]
    fn the_essence_says_html_text_or_neither_in_any_case() {
        let cases = [
            (Media::Html, "text/html"),
            (Media::Html, "TEXT/Html; charset=utf-8"),
            (Media::Html, "application/xhtml+xml"),
            (Media::Text, "text/plain"),
            (Media::Text, "Text/CSV"),
            (Media::Text, "application/xml"),
            (Media::Text, "image/svg+xml"),
            (Media::Text, "application/atom+XML"),
            (Media::Other, "application/json"),
            (Media::Other, "image/png"),
            (Media::Other, "application/xml2"),
            (Media::Other, "x/+xmlx"),
            (Media::Unknown, ""),
            (Media::Unknown, "text"),
            (Media::Unknown, "text/"),
            (Media::Unknown, "/html"),
            (Media::Unknown, "text/ht ml"),
            (Media::Unknown, "te(xt/html"),
        ];
        for (media, content_type) in cases {
            let declared = Declared::new(Some(content_type.as_bytes()), None);
            assert_eq!(declared.media, media, "{content_type:?}");
        }
        let undeclared = Declared::new(None, None);
        assert!(undeclared.is_html() && undeclared.is_text());
        let json = Declared::new(Some(b"application/json"), None);
        assert!(!json.is_html() && !json.is_text());
    }

    #[test]
    fn the_bom_wins_then_the_header_then_the_meta() {
        let html = Declared::new(Some(b"text/html; charset=iso-8859-1"), None);
        let body = b"\xEF\xBB\xBF<meta charset=shift_jis>caf\xc3\xa9";
        assert_eq!(decide(&html, body, true), Some((UTF_8, CharsetSource::Bom)));
        assert_eq!(
            decide(&html, &body[3..], true),
            Some((WINDOWS_1252, CharsetSource::Header))
        );
        let bare = Declared::new(Some(b"text/html"), None);
        assert_eq!(
            decide(&bare, &body[3..], true),
            Some((SHIFT_JIS, CharsetSource::Meta))
        );
        assert_eq!(
            decide(&bare, &body[3..], false),
            Some((SHIFT_JIS, CharsetSource::Meta)),
            "a whole <meta> needs no more bytes"
        );
        for unfinished in [
            &b"<p>caf\xc3\xa9"[..],
            b"<meta charset=iso-8859-1",
            b"<meta charset=\"koi8-r\"",
            b"<!-- <meta charset=koi8-r> -",
            b"<p title='<meta charset=koi8-r>",
        ] {
            assert_eq!(
                decide(&bare, unfinished, false),
                None,
                "the prescan waits for 1,024 bytes: {}",
                String::from_utf8_lossy(unfinished)
            );
        }
        assert_eq!(
            decide(&bare, b"<meta charset=iso-8859-15>", false),
            Some((encoding_rs::ISO_8859_15, CharsetSource::Meta))
        );
        let plain = Declared::new(Some(b"text/plain"), None);
        assert_ne!(
            decide(&plain, &body[3..], true).map(|d| d.1),
            Some(CharsetSource::Meta)
        );
        let binary = Declared::new(Some(b"image/png"), None);
        assert_eq!(
            decide(&binary, b"\x89PNG", false),
            Some((UTF_8, CharsetSource::Default))
        );
        assert_eq!(
            decide(&bare, b"\xEF\xBB", false),
            None,
            "a BOM may still come"
        );
    }
}
