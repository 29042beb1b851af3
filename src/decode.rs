//! Charset detection and the incremental decoder that stops after N characters.

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8};

/// How many bytes of UTF-8 the decoder produces per step; bounds the work done
/// past the Nth character when a chunk is large.
const STEP_BYTES: usize = 4096;

/// The encoding named by a Content-Type header's `charset` parameter, if any and known.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let label = value.trim().trim_matches('"').trim();
        Encoding::for_label(label.as_bytes())
    })
}

/// Decodes a byte stream, fed in chunks of any size, into at most `limit` characters
/// (Unicode scalar values), so the caller can stop reading as soon as it has them.
/// With expectations, decoding goes on past the prefix until every expected text
/// has been seen (or the caller runs out of body).
pub struct PrefixDecoder {
    decoder: Decoder,
    text: String,
    remaining: usize,
    scratch: String,
    expect: Option<ExpectScanner>,
}

impl PrefixDecoder {
    /// A decoder for `declared` (from Content-Type) if given; otherwise the body's
    /// BOM decides, and UTF-8 is the fallback. Malformed input becomes U+FFFD.
    pub fn new(declared: Option<&'static Encoding>, limit: usize) -> PrefixDecoder {
        let decoder = match declared {
            Some(encoding) => encoding.new_decoder_with_bom_removal(),
            None => UTF_8.new_decoder(),
        };
        PrefixDecoder {
            decoder,
            text: String::new(),
            remaining: limit,
            // A short prefix needs a short step; it still decodes any input.
            scratch: String::with_capacity(STEP_BYTES.min(limit.saturating_mul(4).max(64))),
            expect: None,
        }
    }

    /// Also looks for each of `texts` anywhere in the decoded body.
    pub fn expecting(mut self, texts: &[String]) -> PrefixDecoder {
        if !texts.is_empty() {
            // The whole body is searched: decode in full-size steps.
            self.scratch.reserve(STEP_BYTES);
            self.expect = Some(ExpectScanner::new(texts));
        }
        self
    }

    /// True once the prefix is complete and every expected text has been seen;
    /// later input is ignored.
    pub fn is_done(&self) -> bool {
        self.remaining == 0 && self.expect.as_ref().is_none_or(ExpectScanner::all_found)
    }

    /// Decodes one chunk. Returns true once done.
    pub fn feed(&mut self, mut bytes: &[u8]) -> bool {
        while !self.is_done() && !bytes.is_empty() {
            let read = self.step(bytes, false);
            bytes = &bytes[read..];
        }
        self.is_done()
    }

    /// Ends the stream (a truncated multi-byte sequence at the end becomes U+FFFD)
    /// and returns the prefix and the expected texts never seen, in the order given.
    pub fn finish(mut self) -> (String, Vec<String>) {
        if !self.is_done() {
            self.step(&[], true);
        }
        let missing = self.expect.map(ExpectScanner::missing).unwrap_or_default();
        (self.text, missing)
    }

    /// Decodes as much of `bytes` as fits in one step; returns how many bytes were used.
    fn step(&mut self, bytes: &[u8], last: bool) -> usize {
        self.scratch.clear();
        let (result, read, _had_errors) =
            self.decoder
                .decode_to_string(bytes, &mut self.scratch, last);
        debug_assert!(matches!(
            result,
            CoderResult::InputEmpty | CoderResult::OutputFull
        ));
        if self.remaining > 0 {
            let take = match self.scratch.char_indices().nth(self.remaining) {
                Some((end, _)) => end,
                None => self.scratch.len(),
            };
            let taken = &self.scratch[..take];
            self.remaining -= taken.chars().count();
            self.text.push_str(taken);
        }
        if let Some(expect) = &mut self.expect {
            expect.scan(&self.scratch);
        }
        read
    }
}

/// Finds expected texts in a stream of decoded pieces, across piece boundaries.
struct ExpectScanner {
    /// Each expected text, and whether it has been seen.
    texts: Vec<(String, bool)>,
    /// The end of the text seen so far, long enough to hold all but the last
    /// character of the longest pending text.
    tail: String,
    longest: usize,
}

impl ExpectScanner {
    fn new(texts: &[String]) -> ExpectScanner {
        ExpectScanner {
            texts: texts.iter().map(|t| (t.clone(), t.is_empty())).collect(),
            tail: String::new(),
            longest: texts.iter().map(String::len).max().unwrap_or(0),
        }
    }

    fn all_found(&self) -> bool {
        self.texts.iter().all(|(_, found)| *found)
    }

    fn scan(&mut self, piece: &str) {
        if self.all_found() || piece.is_empty() {
            return;
        }
        self.tail.push_str(piece);
        for (text, found) in &mut self.texts {
            if !*found && self.tail.contains(text.as_str()) {
                *found = true;
            }
        }
        let keep = self.longest.saturating_sub(1);
        if self.tail.len() > keep {
            let mut cut = self.tail.len() - keep;
            while !self.tail.is_char_boundary(cut) {
                cut += 1;
            }
            self.tail.drain(..cut);
        }
    }

    fn missing(self) -> Vec<String> {
        self.texts
            .into_iter()
            .filter(|(_, found)| !found)
            .map(|(text, _)| text)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{UTF_16LE, WINDOWS_1252};

    fn decode_in_chunks(
        declared: Option<&'static Encoding>,
        body: &[u8],
        limit: usize,
        chunk: usize,
    ) -> String {
        let mut decoder = PrefixDecoder::new(declared, limit);
        for piece in body.chunks(chunk.max(1)) {
            if decoder.feed(piece) {
                break;
            }
        }
        decoder.finish().0
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
        let mut decoder = PrefixDecoder::new(None, 0);
        assert!(decoder.is_done());
        assert!(decoder.feed(b"abc"));
        assert_eq!(decoder.finish().0, "");
    }

    #[test]
    fn the_declared_charset_is_used() {
        let latin1 = b"caf\xe9 cr\xe8me br\xfbl\xe9e";
        let encoding = charset_from_content_type("text/html; charset=ISO-8859-1");
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
    fn a_declared_charset_drops_its_own_bom() {
        let body = b"\xEF\xBB\xBFabc";
        assert_eq!(decode_in_chunks(Some(UTF_8), body, 2, 1), "ab");
        let utf16 = [0xFF, 0xFE, b'h', 0, b'i', 0];
        assert_eq!(decode_in_chunks(Some(UTF_16LE), &utf16, 5, 2), "hi");
    }

    #[test]
    fn malformed_utf8_becomes_replacement_characters() {
        assert_eq!(decode_in_chunks(None, b"a\xffb", 3, 1), "a\u{FFFD}b");
        // A sequence cut off by the end of the body is replaced, not dropped.
        assert_eq!(decode_in_chunks(None, b"ab\xe6\x97", 10, 1), "ab\u{FFFD}");
    }

    #[test]
    fn parses_charset_parameters_loosely() {
        assert_eq!(
            charset_from_content_type("text/plain;charset=\"utf-8\""),
            Some(UTF_8)
        );
        assert_eq!(
            charset_from_content_type("text/plain; CHARSET = latin1 "),
            Some(WINDOWS_1252)
        );
        assert_eq!(charset_from_content_type("text/plain"), None);
        assert_eq!(
            charset_from_content_type("text/plain; charset=nonsense"),
            None
        );
        assert_eq!(charset_from_content_type("charset=utf-8"), None);
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

        fn body() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
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
            /// For any chunking, the decoder gives exactly what decoding the whole body
            /// at once gives, cut at N characters.
            #[test]
            fn chunking_never_changes_the_prefix(
                body in body(),
                label in proptest::sample::select(ENCODINGS.to_vec()),
                limit in 0usize..120,
                cuts in proptest::collection::vec(1usize..40, 0..20),
            ) {
                let declared = label.and_then(|l| Encoding::for_label(l.as_bytes()));
                let whole = match declared {
                    Some(encoding) => encoding.decode_with_bom_removal(&body).0,
                    None => UTF_8.decode(&body).0,
                };
                let expected: String = whole.chars().take(limit).collect();

                let mut decoder = PrefixDecoder::new(declared, limit);
                let mut rest = body.as_slice();
                for cut in cuts.iter().copied().chain(std::iter::repeat(7)) {
                    if rest.is_empty() || decoder.is_done() {
                        break;
                    }
                    let (piece, tail) = rest.split_at(cut.min(rest.len()));
                    decoder.feed(piece);
                    rest = tail;
                }
                let got = decoder.finish().0;
                prop_assert_eq!(got.chars().count(), expected.chars().count());
                prop_assert_eq!(got, expected);
            }
        }
    }

    #[test]
    fn expectations_are_found_across_chunks_and_past_the_prefix() {
        let body = "<html><title>Welcome home</title> ✓ status: all systems go".as_bytes();
        for chunk in 1..body.len() {
            let texts = [
                "Welcome".to_string(),
                "all systems go".to_string(),
                "✓ status".to_string(),
            ];
            let mut decoder = PrefixDecoder::new(None, 6).expecting(&texts);
            for piece in body.chunks(chunk) {
                if decoder.feed(piece) {
                    break;
                }
            }
            let (text, missing) = decoder.finish();
            assert_eq!(text, "<html>");
            assert!(missing.is_empty(), "chunk {chunk}: missing {missing:?}");
        }
    }

    #[test]
    fn missing_expectations_are_named_in_order() {
        let texts = ["absent".to_string(), "here".to_string(), "gone".to_string()];
        let mut decoder = PrefixDecoder::new(None, 0).expecting(&texts);
        assert!(!decoder.feed(b"it is here"));
        assert_eq!(decoder.finish().1, ["absent", "gone"]);
    }

    #[test]
    fn large_chunks_stop_at_the_limit() {
        let body = "ж".repeat(100_000);
        assert_eq!(
            decode_in_chunks(None, body.as_bytes(), 7, 1 << 20),
            "ж".repeat(7)
        );
    }
}
