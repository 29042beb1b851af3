//! Quick paths for the usual shape of a list line, where the url crate's parse
//! is most of the cost of reading a list: a "this URL will parse" for the first
//! reading, which only checks and need not build a `Url` it throws away, and a
//! parse of only the path for a line on the same origin as the line before.
//! Anything out of the ordinary gets a "don't know", and the url crate decides.

use url::Url;

use super::parse_url;

/// True only when [`super::parse_url`] is certain to accept `text`: `http://` or
/// `https://`, then a host of ASCII letters, digits and `-` in dot-separated
/// labels (the last starting with a letter, no `xn--` label) or a dotted IPv4
/// address written the usual way, an optional port, and then anything at all
/// after `/`, `?` or `#` (the url crate percent-encodes a path, query and
/// fragment rather than refuse them). False says nothing.
pub(super) fn surely_parses(text: &str) -> bool {
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return false;
    }
    // Bytes, not chars: this runs once for every line of every list.
    let mut authority = super::authority(text).as_bytes().splitn(2, |&b| b == b':');
    let host = authority.next().unwrap_or_default();
    authority.next().is_none_or(plain_port) && (plain_name(host) || plain_ipv4(host))
}

/// The last plain URL's `scheme://authority` as written and its parse, so that
/// the next URL on that origin (most lines of most lists) is parsed from its
/// path on: the host, its IDNA step and the port are the same as before.
#[derive(Debug, Default)]
pub(super) struct LastOrigin {
    origin: String,
    url: Option<Url>,
}

impl LastOrigin {
    /// What [`parse_url`] says of `text`, the same URL or the same reason.
    pub(super) fn parse(&mut self, text: &str) -> Result<Url, String> {
        let (origin, rest) = text.split_at(super::authority_span(text).1);
        if let Some(base) = self.url.as_ref().filter(|_| self.origin == origin) {
            if let Some(url) = path_on(base, rest) {
                return Ok(url);
            }
        }
        let url = parse_url(text)?;
        // Only a plain origin's text says all there is of its parse: in any other
        // the url crate may end the host at a `\` or read a user out of it.
        if surely_parses(text) {
            self.origin.clear();
            self.origin.push_str(origin);
            self.url = Some(url.clone());
        }
        Ok(url)
    }
}

/// `rest` (what follows the authority) as a path-absolute reference on `base`'s
/// origin, when the url crate parses it exactly as it would the whole URL.
/// `//` or `/\` would start a new authority, and a tab, which the url crate
/// drops, could hide one (`/\t/`). A `?` or `#` first would keep `base`'s path.
fn path_on(base: &Url, rest: &str) -> Option<Url> {
    let bytes = rest.as_bytes();
    let one_slash = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'));
    if !one_slash || memchr::memchr3(b'\t', b'\n', b'\r', bytes).is_some() {
        return None;
    }
    base.join(rest).ok()
}

/// The value of 1 to `digits` decimal digits, if that is what `text` is.
fn decimal(text: &[u8], digits: usize) -> Option<u32> {
    ((1..=digits).contains(&text.len()) && text.iter().all(u8::is_ascii_digit))
        .then(|| text.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// 1 to 5 digits, at most 65535.
fn plain_port(port: &[u8]) -> bool {
    decimal(port, 5).is_some_and(|n| n <= u32::from(u16::MAX))
}

/// A domain name that the url crate's IDNA step passes through unchanged (but
/// for case) and that does not end in a number, which would make it an IPv4
/// address to check.
fn plain_name(host: &[u8]) -> bool {
    let last_starts_with_letter = host
        .rsplit(|&b| b == b'.')
        .next()
        .and_then(|last| last.first())
        .is_some_and(u8::is_ascii_alphabetic);
    last_starts_with_letter
        && host.split(|&b| b == b'.').all(|label| {
            !label.is_empty()
                && label
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                && !label
                    .get(..4)
                    .is_some_and(|start| start.eq_ignore_ascii_case(b"xn--"))
        })
}

/// Four decimal numbers of at most 255, none with a leading zero (which would
/// make it octal).
fn plain_ipv4(host: &[u8]) -> bool {
    let mut parts = 0;
    let all_plain = host.split(|&b| b == b'.').all(|part| {
        parts += 1;
        (part == b"0" || part.first() != Some(&b'0')) && decimal(part, 3).is_some_and(|n| n <= 255)
    });
    all_plain && parts == 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::parse_url;

    #[test]
    fn the_usual_urls_are_plain() {
        for url in [
            "http://127.0.0.1:8080/small/1",
            "https://example.com",
            "https://www.Example.COM:443/a b/c?q=é#frag",
            "http://localhost/",
            "https://a-b.c9.example?x",
            "http://0.0.0.0#top",
        ] {
            assert!(surely_parses(url), "{url}");
            assert!(parse_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_url_crate() {
        for url in [
            "ftp://example.com/",
            "HTTP://example.com/",
            "https://user@example.com/",
            "https://example.com./",
            "https://a..b/",
            "https://xn--nxasmq6b.example/",
            "https://example.123/",
            "http://1.2.3/",
            "http://01.2.3.4/",
            "http://256.1.1.1/",
            "http://1.2.3.4.5/",
            "http://[::1]/",
            "http://example.com:/",
            "http://example.com:65536/",
            "http://example.com:123456/",
            "http:///example.com",
            "http://exa%41mple.com/",
            "http://exa_mple.com/",
            "http://a\\b/",
            "http://a b/",
            "https://",
        ] {
            assert!(!surely_parses(url), "{url}");
        }
    }

    #[test]
    fn a_url_on_the_last_origin_parses_as_it_would_alone() {
        let mut last = LastOrigin::default();
        for url in [
            "http://h.example:8080/a",
            "http://h.example:8080/b/../c?q#f",
            "http://h.example:8080//other.example/x",
            "http://h.example:8080/\\other.example/x",
            "http://h.example:8080/\t/other.example/x",
            "http://h.example:8080?q",
            "http://h.example:8080#f",
            "http://h.example:8080",
            "http://h.example:8080/a b/é/%zz",
            "http://h.example:8081/a",
            "http://H.example:8081/a",
            "https://h.example:8081/a",
            "http://h.example\\x/a",
            "http://h.example\\x/b",
        ] {
            assert_eq!(last.parse(url), parse_url(url), "{url}");
        }
        assert_eq!(
            last.parse("http://h.example:8080/a"),
            Ok(Url::parse("http://h.example:8080/a").unwrap())
        );
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        // Lines on a few origins, plain and not, whose paths hold what the url
        // crate treats specially; each must parse as it would alone.
        #[test]
        fn a_list_parses_line_by_line_as_each_line_alone(
            lines in proptest::collection::vec(
                (
                    "https?://(a\\.example|b\\.example:81|10\\.0\\.0\\.1|u@a\\.example|a\\.example\\\\x)",
                    proptest::prop_oneof![
                        "/[a-c]{0,3}",
                        "[/?#\\\\\\t .%a-c:@]{0,8}",
                    ],
                ),
                1..12,
            ),
        ) {
            let mut last = LastOrigin::default();
            for (origin, rest) in lines {
                let url = format!("{origin}{rest}");
                proptest::prop_assert_eq!(last.parse(&url), parse_url(&url), "{}", url);
            }
        }

        // Built mostly from plain pieces, with an odd one now and then, so both
        // answers come up often; whenever the quick check says yes, the url crate
        // must agree.
        #[test]
        fn a_plain_url_always_parses(
            scheme in proptest::prop_oneof![6 => "https?://", 1 => "HTTP://|ftp://|https:/"],
            labels in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => "[a-zA-Z][a-zA-Z0-9-]{0,5}",
                    2 => "[0-9]{1,3}",
                    1 => "0x[0-9a-f]{1,2}|xn--[a-z0-9]{1,4}|-|_|%41|",
                ],
                1..5,
            ),
            dot in "\\.?",
            port in proptest::prop_oneof![6 => "(:[0-9]{1,5})?", 1 => ":|:[0-9]{6}|:-1"],
            rest in proptest::prop_oneof![
                6 => "([/?#][^\r\n]{0,12})?",
                1 => "[\\\\@ :\\[][^\r\n]{0,12}",
            ],
        ) {
            let url = format!("{scheme}{}{dot}{port}{rest}", labels.join("."));
            if surely_parses(&url) {
                proptest::prop_assert!(parse_url(&url).is_ok(), "{} was said to parse", url);
            }
        }

        #[test]
        fn a_plain_ipv4_address_always_parses(
            parts in proptest::collection::vec("0|[1-9][0-9]{0,3}|0[0-9]{1,2}", 3..6),
        ) {
            let url = format!("http://{}/", parts.join("."));
            if surely_parses(&url) {
                proptest::prop_assert!(parse_url(&url).is_ok(), "{} was said to parse", url);
            }
        }
    }
}
