//! The first N characters of a body, as a browser would show them: the encoding
//! sniffed the WHATWG way ([`sniff`]), then an incremental decoder that stops after
//! N characters, looking on for the text checks ([`crate::checks`]) and the
//! page's title ([`title`]) where asked.

mod prescan;
pub mod sniff;
pub mod title;

use std::sync::Arc;

use encoding_rs::{CoderResult, Decoder, Encoding};

pub use sniff::{CharsetSource, Declared, Media};
use title::TitleScanner;

use crate::checks::{TextChecks, TextSearch, Verdict};

/// How many bytes of UTF-8 the decoder produces per step; bounds the work done
/// past the Nth character when a chunk is large.
const STEP_BYTES: usize = 4096;

/// What a body decoded to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The first N characters.
    pub text: String,
    /// What the text checks found.
    pub verdict: Verdict,
    /// The encoding used, once one was decided (not for `-n 0`).
    pub charset: Option<&'static Encoding>,
    /// What decided it.
    pub source: Option<CharsetSource>,
    /// The page's `<title>`, when one was looked for and found.
    pub title: Option<String>,
}

/// Decodes a byte stream, fed in chunks of any size, into at most `limit` characters
/// (Unicode scalar values), so the caller can stop reading as soon as it has them.
/// Until the encoding is decided (a BOM, the header, or up to 1,024 bytes for the
/// `<meta>` prescan and the guess), bytes are held back. With expectations or a
/// title to find, decoding goes on past the prefix until they are seen (or the
/// caller runs out of body).
pub struct PrefixDecoder {
    declared: Declared,
    /// Bytes held while the encoding is undecided.
    held: Vec<u8>,
    decoder: Option<(Decoder, CharsetSource)>,
    text: String,
    remaining: usize,
    scratch: String,
    search: Option<TextSearch>,
    title: Option<TitleScanner>,
}

impl PrefixDecoder {
    /// A decoder for a body of which the response `declared` what it did. Malformed
    /// input becomes U+FFFD.
    pub fn new(declared: Declared, limit: usize) -> PrefixDecoder {
        PrefixDecoder {
            declared,
            held: Vec::new(),
            decoder: None,
            text: String::new(),
            remaining: limit,
            // A short prefix needs a short step; it still decodes any input.
            scratch: String::with_capacity(STEP_BYTES.min(limit.saturating_mul(4).max(64))),
            search: None,
            title: None,
        }
    }

    /// Also searches the decoded body for what `checks` ask.
    pub fn checking(mut self, checks: &Arc<TextChecks>) -> PrefixDecoder {
        if !checks.is_empty() {
            // The whole body is searched: decode in full-size steps.
            self.scratch.reserve(STEP_BYTES);
            self.search = Some(TextSearch::new(Arc::clone(checks)));
        }
        self
    }

    /// Also looks for the page's `<title>`, if the body is HTML.
    pub fn with_title(mut self, wanted: bool) -> PrefixDecoder {
        if wanted && self.declared.is_html() {
            self.title = Some(TitleScanner::default());
        }
        self
    }

    /// True once the prefix is complete, every expected text has been seen and
    /// the title search is over; later input is ignored.
    pub fn is_done(&self) -> bool {
        self.remaining == 0
            && self.search.as_ref().is_none_or(TextSearch::is_done)
            && self.title.as_ref().is_none_or(TitleScanner::is_done)
    }

    /// Decodes one chunk. Returns true once done.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.is_done() {
            return true;
        }
        if self.decoder.is_none() && self.held.is_empty() {
            // Most bodies decide in their first chunk: decode it where it lies.
            if !self.decide_on(bytes, false) {
                self.held.extend_from_slice(bytes);
                return false;
            }
            self.feed_decoded(bytes);
        } else if self.decoder.is_none() {
            self.held.extend_from_slice(bytes);
            if !self.decide(false) {
                return false;
            }
            let held = std::mem::take(&mut self.held);
            self.feed_decoded(&held);
        } else {
            self.feed_decoded(bytes);
        }
        self.is_done()
    }

    /// Decodes what is held as if the body ended here, and says whether the prefix
    /// and every expected text are then complete: a body that breaks off after
    /// them still gave what was asked for.
    pub fn settle(&mut self) -> bool {
        if self.decoder.is_none() && self.decide(true) {
            let held = std::mem::take(&mut self.held);
            self.feed_decoded(&held);
        }
        self.remaining == 0 && self.search.as_ref().is_none_or(TextSearch::is_done)
    }

    /// Ends the stream. `ended` says the body ended here (a multi-byte sequence cut
    /// off by its end becomes U+FFFD); otherwise reading stopped (`--max-bytes`),
    /// and a partial character is dropped rather than shown as U+FFFD.
    pub fn finish(mut self, ended: bool) -> Decoded {
        if !self.is_done() {
            if self.decoder.is_none() && self.decide(true) {
                let held = std::mem::take(&mut self.held);
                self.feed_decoded(&held);
            }
            if ended && self.decoder.is_some() && !self.is_done() {
                self.step(&[], true);
            }
        }
        Decoded {
            text: self.text,
            verdict: self.search.map(TextSearch::finish).unwrap_or_default(),
            charset: self.decoder.as_ref().map(|(decoder, _)| decoder.encoding()),
            source: self.decoder.as_ref().map(|(_, source)| *source),
            title: self.title.and_then(TitleScanner::finish),
        }
    }

    /// Decides the encoding from the held bytes if it can; true once decided.
    fn decide(&mut self, ended: bool) -> bool {
        let held = std::mem::take(&mut self.held);
        let decided = self.decide_on(&held, ended);
        self.held = held;
        decided
    }

    /// Decides the encoding from `bytes`, the body's first, if it can; true once decided.
    fn decide_on(&mut self, bytes: &[u8], ended: bool) -> bool {
        let Some((encoding, source)) = sniff::decide(&self.declared, bytes, ended) else {
            return false;
        };
        // A BOM decided the encoding, or there is none: either way it is not text.
        self.decoder = Some((encoding.new_decoder_with_bom_removal(), source));
        true
    }

    fn feed_decoded(&mut self, mut bytes: &[u8]) {
        while !self.is_done() && !bytes.is_empty() {
            let read = self.step(bytes, false);
            bytes = &bytes[read..];
        }
    }

    /// Decodes as much of `bytes` as fits in one step; returns how many bytes were used.
    fn step(&mut self, bytes: &[u8], last: bool) -> usize {
        let Some((decoder, _)) = &mut self.decoder else {
            return bytes.len();
        };
        self.scratch.clear();
        let (result, read, _had_errors) = decoder.decode_to_string(bytes, &mut self.scratch, last);
        debug_assert!(matches!(
            result,
            CoderResult::InputEmpty | CoderResult::OutputFull
        ));
        if self.remaining > 0 {
            let (end, chars) = first_chars(&self.scratch, self.remaining);
            self.remaining -= chars;
            self.text.push_str(&self.scratch[..end]);
        }
        if let Some(search) = &mut self.search {
            search.scan(&self.scratch);
        }
        if let Some(title) = &mut self.title {
            title.scan(&self.scratch);
        }
        read
    }
}

/// Where the first `chars` characters of `text` end, and how many there are (fewer
/// if `text` is shorter).
fn first_chars(text: &str, chars: usize) -> (usize, usize) {
    // ASCII is one byte a character, and most prefixes are ASCII: no walk.
    if let Some(head) = text.as_bytes().get(..chars) {
        if head.is_ascii() {
            return (chars, chars);
        }
    }
    match text.char_indices().nth(chars) {
        Some((end, _)) => (end, chars),
        None => (text.len(), text.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{UTF_8, WINDOWS_1252};

    fn expecting(texts: &[&str]) -> Arc<TextChecks> {
        Arc::new(TextChecks {
            expect: texts.iter().map(|text| text.to_string()).collect(),
            ..TextChecks::default()
        })
    }

    /// A plain-text response with `charset` in its Content-Type, if given.
    fn declared(charset: Option<&'static Encoding>) -> Declared {
        Declared {
            media: Media::Text,
            charset,
            tld: None,
        }
    }

    fn decode_in_chunks(
        charset: Option<&'static Encoding>,
        body: &[u8],
        limit: usize,
        chunk: usize,
    ) -> String {
        let mut decoder = PrefixDecoder::new(declared(charset), limit);
        for piece in body.chunks(chunk.max(1)) {
            if decoder.feed(piece) {
                break;
            }
        }
        decoder.finish(true).text
    }

    #[test]
    fn counts_characters_not_bytes_for_any_chunking() {
        let body = "héllo wörld ✓ 日本語 🎉 done".as_bytes();
        for chunk in 1..=body.len() {
            assert_eq!(decode_in_chunks(None, body, 15, chunk), "héllo wörld ✓ 日");
        }
    }

    #[test]
    fn a_short_body_gives_all_of_it() {
        assert_eq!(decode_in_chunks(None, b"abc", 100, 1), "abc");
    }

    #[test]
    fn zero_characters_reads_nothing() {
        let mut decoder = PrefixDecoder::new(declared(None), 0);
        assert!(decoder.is_done());
        assert!(decoder.feed(b"abc"));
        assert_eq!(decoder.finish(true), Decoded::default());
    }

    #[test]
    fn the_declared_charset_is_used() {
        let latin1 = b"caf\xe9 cr\xe8me br\xfbl\xe9e";
        let encoding = Declared::new(Some(b"text/html; charset=ISO-8859-1"), None).charset;
        assert_eq!(encoding, Some(WINDOWS_1252));
        assert_eq!(decode_in_chunks(encoding, latin1, 4, 1), "café");
        assert_eq!(
            decode_in_chunks(encoding, latin1, 100, 3),
            "café crème brûlée"
        );
    }

    #[test]
    fn without_a_charset_the_bom_decides() {
        let mut body = vec![0xFF, 0xFE];
        for unit in "ünï".encode_utf16() {
            body.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_in_chunks(None, &body, 2, 1), "ün");
    }

    #[test]
    fn a_bom_wins_over_the_declared_charset_and_is_not_text() {
        let body = b"\xEF\xBB\xBFcaf\xc3\xa9";
        assert_eq!(decode_in_chunks(Some(WINDOWS_1252), body, 4, 1), "café");
        let utf16 = [0xFF, 0xFE, b'h', 0, b'i', 0];
        assert_eq!(decode_in_chunks(Some(UTF_8), &utf16, 5, 2), "hi");
    }

    #[test]
    fn malformed_utf8_becomes_replacement_characters() {
        assert_eq!(decode_in_chunks(Some(UTF_8), b"a\xffb", 3, 1), "a\u{FFFD}b");
        // A sequence cut off by the end of the body is replaced, not dropped.
        assert_eq!(
            decode_in_chunks(Some(UTF_8), b"ab\xe6\x97", 10, 1),
            "ab\u{FFFD}"
        );
    }

    #[test]
    fn a_character_cut_by_max_bytes_is_dropped_not_replaced() {
        let mut decoder = PrefixDecoder::new(declared(Some(UTF_8)), 10);
        decoder.feed(b"ab\xe6\x97");
        assert_eq!(decoder.finish(false).text, "ab");
    }

    #[test]
    fn every_record_says_how_it_was_decoded() {
        let mut decoder = PrefixDecoder::new(declared(None), 100);
        decoder.feed("plain ascii, then: café crème brûlée".as_bytes());
        let decoded = decoder.finish(true);
        assert_eq!(decoded.text, "plain ascii, then: café crème brûlée");
        assert_eq!(
            (decoded.charset, decoded.source),
            (Some(UTF_8), Some(CharsetSource::Detected))
        );
    }

    #[test]
    fn a_title_is_read_past_the_prefix_only_for_html() {
        let html = Declared::new(Some(b"text/html"), None);
        let body = b"<!doctype html><head><meta charset=utf-8><title>Welcome &amp; hello</title>";
        // Undeclared HTML is decided once its <meta> is whole (the first 40 bytes
        // end inside it), and done once its title has been read.
        let mut decoder = PrefixDecoder::new(html.clone(), 3).with_title(true);
        assert!(!decoder.feed(&body[..40]));
        assert!(decoder.feed(&body[40..]));
        let decoded = decoder.finish(true);
        assert_eq!(
            (decoded.text.as_str(), decoded.title.as_deref()),
            ("<!d", Some("Welcome & hello"))
        );
        assert_eq!(decoded.source, Some(CharsetSource::Meta));
        // Without a <meta>, one shorter than 1,024 bytes is decided when it ends.
        let bare = b"<!doctype html><title>Welcome</title><p>hello";
        let mut decoder = PrefixDecoder::new(html, 3).with_title(true);
        assert!(!decoder.feed(bare));
        let decoded = decoder.finish(true);
        assert_eq!(
            (decoded.text.as_str(), decoded.title.as_deref()),
            ("<!d", Some("Welcome"))
        );
        assert_eq!(decoded.source, Some(CharsetSource::Detected));
        // Declared HTML is done as soon as its title has been read.
        let utf8_html = Declared::new(Some(b"text/html; charset=utf-8"), None);
        let mut decoder = PrefixDecoder::new(utf8_html, 3).with_title(true);
        assert!(!decoder.feed(&body[..40]));
        assert!(decoder.feed(&body[40..]));
        let mut plain = PrefixDecoder::new(declared(Some(UTF_8)), 3).with_title(true);
        assert!(plain.feed(body));
        assert_eq!(plain.finish(true).title, None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const ENCODINGS: [Option<&str>; 7] = [
            None,
            Some("utf-8"),
            Some("windows-1252"),
            Some("utf-16le"),
            Some("utf-16be"),
            Some("shift_jis"),
            Some("gb18030"),
        ];

        const MEDIA: [Media; 3] = [Media::Unknown, Media::Html, Media::Text];

        fn body() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                // Past the prescan's 1,024 bytes, with or without a meta to find.
                proptest::collection::vec(any::<u8>(), 900..2500),
                (
                    proptest::sample::select(vec!["", "<meta charset=shift_jis>", "<!--x-->"]),
                    proptest::collection::vec(any::<u8>(), 0..1500),
                )
                    .prop_map(|(head, tail)| [head.as_bytes(), &tail].concat()),
                ".{0,80}".prop_map(String::into_bytes),
                ".{0,40}".prop_map(|s| {
                    let mut bytes = vec![0xFF, 0xFE];
                    s.encode_utf16()
                        .for_each(|u| bytes.extend_from_slice(&u.to_le_bytes()));
                    bytes
                }),
            ]
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config())]

            /// For any chunking, the decoder gives exactly what decoding the whole body
            /// at once gives, cut at N characters.
            #[test]
            fn chunking_never_changes_the_prefix(
                body in body(),
                label in proptest::sample::select(ENCODINGS.to_vec()),
                media in proptest::sample::select(MEDIA.to_vec()),
                limit in 0usize..120,
                cuts in proptest::collection::vec(1usize..40, 0..20),
            ) {
                let charset = label.and_then(|l| Encoding::for_label(l.as_bytes()));
                let declared = |charset| Declared {
                    media,
                    charset,
                    tld: None,
                };
                // Decided from the whole body at once, then decoded at once.
                let mut whole_decoder = PrefixDecoder::new(declared(charset), usize::MAX);
                whole_decoder.feed(&body);
                let whole = whole_decoder.finish(true);
                let expected: String = whole.text.chars().take(limit).collect();

                let mut decoder = PrefixDecoder::new(declared(charset), limit);
                let mut rest = body.as_slice();
                for cut in cuts.iter().copied().chain(std::iter::repeat(7)) {
                    if rest.is_empty() || decoder.is_done() {
                        break;
                    }
                    let (piece, tail) = rest.split_at(cut.min(rest.len()));
                    decoder.feed(piece);
                    rest = tail;
                }
                let got = decoder.finish(true);
                prop_assert_eq!(got.text.chars().count(), expected.chars().count());
                prop_assert_eq!(got.text, expected);
                if limit > 0 {
                    prop_assert_eq!(got.charset, whole.charset);
                    prop_assert_eq!(got.source, whole.source);
                }
            }
        }
    }

    #[test]
    fn expectations_are_found_across_chunks_and_past_the_prefix() {
        let body = "<html><title>Welcome home</title> ✓ status: all systems go".as_bytes();
        for chunk in 1..body.len() {
            let checks = expecting(&["Welcome", "all systems go", "✓ status"]);
            let mut decoder = PrefixDecoder::new(declared(Some(UTF_8)), 6).checking(&checks);
            for piece in body.chunks(chunk) {
                if decoder.feed(piece) {
                    break;
                }
            }
            let decoded = decoder.finish(true);
            assert_eq!(decoded.text, "<html>");
            assert!(
                decoded.verdict.missing.is_empty(),
                "chunk {chunk}: missing {:?}",
                decoded.verdict.missing
            );
        }
    }

    #[test]
    fn missing_expectations_are_named_in_order() {
        let checks = expecting(&["absent", "here", "gone"]);
        let mut decoder = PrefixDecoder::new(declared(Some(UTF_8)), 0).checking(&checks);
        assert!(!decoder.feed(b"it is here"));
        assert_eq!(
            decoder.finish(true).verdict.missing,
            [r#""absent""#, r#""gone""#]
        );
    }

    #[test]
    fn large_chunks_stop_at_the_limit() {
        let body = "ж".repeat(100_000);
        assert_eq!(
            decode_in_chunks(Some(UTF_8), body.as_bytes(), 7, 1 << 20),
            "ж".repeat(7)
        );
    }
}
