//! A quick "this URL will parse" for the usual shape of a list line, so the
//! first reading of a list file, which only checks, need not build a `Url` it
//! throws away: the url crate's parse is most of that reading's cost. Anything
//! out of the ordinary gets a "don't know", and the url crate decides.

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

    proptest::proptest! {
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
