//! The WHATWG HTML standard's `<meta>` prescan: the charset a page declares in its
//! first bytes, read the way browsers read it (comments skipped, attributes parsed,
//! UTF-16 labels taken as UTF-8).

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// The standard's "prescan a byte stream to determine its encoding": the first
/// `<meta charset>` or `<meta http-equiv="Content-Type" content="…charset=…">`,
/// outside comments, with UTF-16 read as UTF-8 and x-user-defined as
/// windows-1252.
pub fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.starts_with(b"<!--") {
            // To the first '>' preceded by "--"; the dashes of "<!--" count.
            let offset = bytes[at + 2..].windows(3).position(|w| w == b"-->")?;
            at += 2 + offset + 3;
            continue;
        }
        if starts_with_ci(rest, b"<meta") && rest.get(5).is_some_and(|&b| is_space(b) || b == b'/')
        {
            at += 5;
            if let Some(found) = meta(bytes, &mut at) {
                return Some(found);
            }
            continue;
        }
        if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // Another tag: skip its name, then its attributes.
            at += 1;
            while at < bytes.len() && !is_space(bytes[at]) && bytes[at] != b'>' {
                at += 1;
            }
            while attribute(bytes, &mut at)?.is_some() {}
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            match bytes[at..].iter().position(|&b| b == b'>') {
                Some(offset) => at += offset + 1,
                None => return None,
            }
            continue;
        }
        at += 1;
    }
    None
}

/// The attributes of one `<meta>`, from just after its name; an encoding if this
/// meta declares one.
fn meta(bytes: &[u8], at: &mut usize) -> Option<&'static Encoding> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<&'static Encoding> = None;
    while let Some((name, value)) = attribute(bytes, at)? {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value == b"content-type",
            b"content" if charset.is_none() => {
                if let Some(found) = charset_in_content(&value) {
                    charset = Some(found);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(&value);
                need_pragma = Some(false);
            }
            _ => {}
        }
    }
    let need_pragma = need_pragma?;
    if need_pragma && !got_pragma {
        return None;
    }
    let charset = charset?;
    if charset == UTF_16BE || charset == UTF_16LE {
        return Some(UTF_8);
    }
    if charset == X_USER_DEFINED {
        return Some(WINDOWS_1252);
    }
    Some(charset)
}

/// The standard's "get an attribute": `Some(None)` at the end of a tag, `None` if
/// the bytes ran out first (so the prescan stops).
#[allow(clippy::type_complexity)]
fn attribute(bytes: &[u8], at: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while *at < bytes.len() && (is_space(bytes[*at]) || bytes[*at] == b'/') {
        *at += 1;
    }
    let byte = *bytes.get(*at)?;
    if byte == b'>' {
        *at += 1;
        return Some(None);
    }
    let mut name = Vec::new();
    loop {
        let byte = *bytes.get(*at)?;
        match byte {
            b'=' if !name.is_empty() => break,
            b'/' | b'>' => return Some(Some((name, Vec::new()))),
            b if is_space(b) => break,
            b => name.push(b.to_ascii_lowercase()),
        }
        *at += 1;
    }
    while bytes.get(*at).is_some_and(|&b| is_space(b)) {
        *at += 1;
    }
    if *bytes.get(*at)? != b'=' {
        return Some(Some((name, Vec::new())));
    }
    *at += 1;
    while bytes.get(*at).is_some_and(|&b| is_space(b)) {
        *at += 1;
    }
    let mut value = Vec::new();
    let first = *bytes.get(*at)?;
    if first == b'"' || first == b'\'' {
        *at += 1;
        loop {
            let byte = *bytes.get(*at)?;
            *at += 1;
            if byte == first {
                return Some(Some((name, value)));
            }
            value.push(byte.to_ascii_lowercase());
        }
    }
    loop {
        let byte = *bytes.get(*at)?;
        if is_space(byte) || byte == b'>' {
            return Some(Some((name, value)));
        }
        value.push(byte.to_ascii_lowercase());
        *at += 1;
    }
}

/// The standard's "extract a character encoding from a meta element": the
/// encoding after `charset=` in a `content` attribute.
fn charset_in_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut at = 0;
    loop {
        let offset = content[at..]
            .windows(7)
            .position(|w| w.eq_ignore_ascii_case(b"charset"))?;
        at += offset + 7;
        while content.get(at).is_some_and(|&b| is_space(b)) {
            at += 1;
        }
        if content.get(at) != Some(&b'=') {
            continue;
        }
        at += 1;
        while content.get(at).is_some_and(|&b| is_space(b)) {
            at += 1;
        }
        let rest = &content[at..];
        let value = match rest.first() {
            Some(&quote @ (b'"' | b'\'')) => {
                let end = rest[1..].iter().position(|&b| b == quote)?;
                &rest[1..1 + end]
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|&b| is_space(b) || b == b';')
                    .unwrap_or(rest.len());
                &rest[..end]
            }
            None => return None,
        };
        return Encoding::for_label(value);
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn starts_with_ci(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use encoding_rs::{EUC_JP, ISO_8859_2, SHIFT_JIS, WINDOWS_1251};
    use proptest::prelude::*;

    use super::*;

    /// Pieces of markup that make declarations, cut them short, or hide them.
    const PIECES: [&str; 20] = [
        "<meta",
        " charset=",
        "charset=\"",
        "iso-8859-1",
        "5",
        "koi8-r",
        "\"",
        "'",
        ">",
        " ",
        "/",
        "<!--",
        "-->",
        "--",
        "<p title=",
        "<!x",
        "</a",
        " http-equiv=content-type",
        " content='text/html;charset=euc-jp'",
        "é",
    ];

    proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        /// The decoder decides as soon as the prescan finds a declaration in the bytes
        /// so far; that is only sound if no later byte could change what it found.
        #[test]
        fn a_declaration_found_in_fewer_bytes_is_the_one_all_of_them_give(
            pieces in proptest::collection::vec(proptest::sample::select(&PIECES[..]), 0..30),
        ) {
            let bytes = pieces.concat().into_bytes();
            let whole = prescan(&bytes);
            for end in 0..bytes.len() {
                if let Some(early) = prescan(&bytes[..end]) {
                    prop_assert_eq!(Some(early), whole, "after {} of {:?}", end, pieces);
                }
            }
        }
    }

    #[test]
    fn the_prescan_finds_meta_charsets_as_the_standard_does() {
        let cases: [(&[u8], Option<&'static Encoding>); 11] = [
            (b"<meta charset=\"shift_jis\">", Some(SHIFT_JIS)),
            (b"<META CHARSET=windows-1251>", Some(WINDOWS_1251)),
            (
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\">",
                Some(ISO_8859_2),
            ),
            (
                b"<meta content='text/html;charset=euc-jp' http-equiv='content-type'>",
                Some(EUC_JP),
            ),
            (b"<meta content=\"text/html; charset=euc-jp\">", None),
            (
                b"<!-- <meta charset=koi8-r> --><meta charset=utf-8>",
                Some(UTF_8),
            ),
            (b"<meta charset=utf-16le>", Some(UTF_8)),
            (b"<meta charset=x-user-defined>", Some(WINDOWS_1252)),
            (
                b"<meta charset=nonsense><meta charset=shift_jis>",
                Some(SHIFT_JIS),
            ),
            (b"<p title='<meta charset=koi8-r>'>x</p>", None),
            (b"<meta name=x", None),
        ];
        for (html, expected) in cases {
            assert_eq!(prescan(html), expected, "{}", String::from_utf8_lossy(html));
        }
    }
}
