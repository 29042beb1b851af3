//! The page's `<title>`, found in the decoded text as it streams: outside
//! comments, case-insensitive, entities decoded and whitespace collapsed.

/// A title longer than this many characters is cut.
pub const TITLE_MAX_CHARS: usize = 200;
/// Past this much decoded text without a whole title, there is none to find.
pub const TITLE_SEARCH_BYTES: usize = 64 * 1024;

/// Finds the first `<title>…</title>` in text fed a piece at a time.
#[derive(Debug, Default)]
pub struct TitleScanner {
    /// The text so far, up to [`TITLE_SEARCH_BYTES`].
    text: String,
    /// Where the search goes on from.
    at: usize,
    /// Where the title's text starts, once `<title…>` has been seen.
    open: Option<usize>,
    /// The title, once found, or `Some(None)` once there is none to find.
    result: Option<Option<String>>,
}

impl TitleScanner {
    /// True once the title is found or the search has given up.
    pub fn is_done(&self) -> bool {
        self.result.is_some()
    }

    /// Looks through one more piece of decoded text.
    pub fn scan(&mut self, piece: &str) {
        if self.is_done() || piece.is_empty() {
            return;
        }
        if self.text.is_empty() {
            // Most titles are whole in the first piece: search it where it lies,
            // and copy it only if the search must go on into the next.
            self.search(piece);
            if !self.is_done() {
                self.text.push_str(piece);
            }
        } else {
            self.text.push_str(piece);
            let text = std::mem::take(&mut self.text);
            self.search(&text);
            self.text = text;
        }
        if !self.is_done() && self.text.len() > TITLE_SEARCH_BYTES {
            self.result = Some(None);
        }
    }

    /// The title: `None` if the text ended (or the search gave up) without one.
    pub fn finish(self) -> Option<String> {
        self.result.flatten()
    }

    /// Searches `text`, all the text so far, from where the last search stopped.
    fn search(&mut self, text: &str) {
        let bytes = text.as_bytes();
        if let Some(start) = self.open {
            if let Some(end) = find_tag_ci(bytes, b"</title", self.at) {
                self.result = Some(Some(clean(&text[start..end])));
            } else {
                // The closing tag may be split across pieces: look again from
                // just before the end.
                self.at = bytes.len().saturating_sub(b"</title".len());
            }
            return;
        }
        while let Some(offset) = memchr::memchr(b'<', &bytes[self.at..]) {
            let tag = self.at + offset;
            let rest = &bytes[tag..];
            if rest.len() < 7 {
                // Too little to tell a comment or a title from anything else yet.
                self.at = tag;
                return;
            }
            if rest.starts_with(b"<!--") {
                match memchr::memmem::find(&bytes[tag + 2..], b"-->") {
                    Some(end) => self.at = tag + 2 + end + 3,
                    None => {
                        self.at = tag;
                        return;
                    }
                }
                continue;
            }
            let is_title = rest[1..6].eq_ignore_ascii_case(b"title")
                && matches!(
                    rest[6],
                    b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'/'
                );
            if !is_title {
                self.at = tag + 1;
                continue;
            }
            match memchr::memchr(b'>', &bytes[tag..]) {
                Some(close) => {
                    let start = tag + close + 1;
                    self.open = Some(start);
                    self.at = start;
                    self.search(text);
                }
                None => self.at = tag,
            }
            return;
        }
        self.at = bytes.len();
    }
}

/// Entities decoded, runs of whitespace as one space, at most
/// [`TITLE_MAX_CHARS`] characters.
fn clean(raw: &str) -> String {
    // Most titles are already clean: short printable ASCII words, one space
    // apart, no entity. They are kept as they are, with no walk of characters.
    let bytes = raw.as_bytes();
    let plain = bytes.len() <= TITLE_MAX_CHARS
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && bytes
            .iter()
            .all(|&b| (b.is_ascii_graphic() && b != b'&') || b == b' ')
        // Bytes, not a str search, which costs more to set up than this whole check.
        && !bytes.windows(2).any(|pair| pair == b"  ");
    if plain {
        return raw.to_string();
    }
    collapse(raw)
}

/// [`clean`]'s work for any title.
fn collapse(raw: &str) -> String {
    let decoded = html_escape::decode_html_entities(raw);
    let mut title = String::with_capacity(decoded.len().min(TITLE_MAX_CHARS * 4));
    let mut room = TITLE_MAX_CHARS;
    for word in decoded.split_whitespace() {
        if !title.is_empty() {
            if room == 0 {
                break;
            }
            title.push(' ');
            room -= 1;
        }
        let (fits, chars) = super::first_chars(word, room);
        title.push_str(&word[..fits]);
        room -= chars;
        if fits < word.len() {
            break;
        }
    }
    title
}

/// Where `tag` (which starts with `<`) is next, in any case, from `from` on.
fn find_tag_ci(bytes: &[u8], tag: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    // Only at a `<`: comparing the whole tag at every byte cost several times more.
    while let Some(offset) = memchr::memchr(b'<', bytes.get(at..)?) {
        let start = at + offset;
        if bytes
            .get(start..start + tag.len())
            .is_some_and(|there| there.eq_ignore_ascii_case(tag))
        {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title_in_pieces(html: &str, piece: usize) -> Option<String> {
        let mut scanner = TitleScanner::default();
        let chars: Vec<char> = html.chars().collect();
        for chunk in chars.chunks(piece) {
            scanner.scan(&chunk.iter().collect::<String>());
            if scanner.is_done() {
                break;
            }
        }
        scanner.finish()
    }

    #[test]
    fn the_title_is_found_in_any_chunking_with_entities_and_spaces_cleaned() {
        let html = "<!doctype html><!-- <title>not this</title> --><html><head>\n\
                    <TITLE lang=en>  Caf&eacute; &amp;\n  Cr&#232;me &lt;3 </Title></head>";
        for piece in 1..html.len() {
            assert_eq!(
                title_in_pieces(html, piece).as_deref(),
                Some("Café & Crème <3"),
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn pages_without_a_title_have_none() {
        assert_eq!(title_in_pieces("<html><titles>x</titles></html>", 5), None);
        assert_eq!(title_in_pieces("plain text, no markup", 3), None);
        assert_eq!(title_in_pieces("<title>never closed", 4), None);
        assert_eq!(title_in_pieces("<title></title>", 4).as_deref(), Some(""));
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        #[test]
        fn a_title_is_its_words_joined_by_one_space_and_cut(
            raw in "([a-zé&;<> \t\n\u{a0}\u{3000}]{0,12}){0,60}",
        ) {
            let decoded = html_escape::decode_html_entities(&raw);
            let words: Vec<&str> = decoded.split_whitespace().collect();
            let expected: String = words.join(" ").chars().take(TITLE_MAX_CHARS).collect();
            proptest::prop_assert_eq!(clean(&raw), expected);
        }
    }

    #[test]
    fn the_search_gives_up_after_64_kib_and_long_titles_are_cut() {
        let late = format!("{}<title>late</title>", "x".repeat(TITLE_SEARCH_BYTES + 10));
        let mut scanner = TitleScanner::default();
        scanner.scan(&late[..TITLE_SEARCH_BYTES + 5]);
        assert!(scanner.is_done());
        assert_eq!(scanner.finish(), None);
        let long = format!("<title>{}</title>", "word ".repeat(100));
        let title = title_in_pieces(&long, 50).unwrap();
        assert_eq!(title.chars().count(), TITLE_MAX_CHARS);
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        #[test]
        fn a_title_kept_as_it_is_is_what_cleaning_gives(
            // Mostly words and spaces only, up to past TITLE_MAX_CHARS, which the
            // quick path must tell from a title that needs cleaning.
            raw in proptest::prop_oneof![
                2 => proptest::collection::vec("[a-zA-Z0-9.,!?;]{1,12}", 0..40)
                    .prop_map(|words: Vec<String>| words.join(" ")),
                2 => "([a-zA-Z0-9.,!?;]{1,12}|[ ]{1,2}){0,40}".prop_map(String::from),
                1 => "([a-z]{1,6}|[ ]{1,2}|\t|\n|&amp;|&|é|<){0,8}".prop_map(String::from),
            ],
        ) {
            proptest::prop_assert_eq!(clean(&raw), collapse(&raw));
        }
    }
}
