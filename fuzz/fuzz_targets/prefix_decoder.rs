//! The streaming prefix decoder sniffs the same encoding, stops at exactly N
//! characters, and gives what decoding the whole body at once gives, for any
//! chunking, body, Content-Type and charset: the BOM, header, `<meta>` prescan
//! and guessing paths all run here.
#![no_main]

use gather::decode::{Declared, PrefixDecoder};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 10] = [
    "",
    "text/html",
    "text/plain",
    "text/html; charset=utf-8",
    "text/html; charset=windows-1252",
    "text/plain; charset=utf-16le",
    "text/html; charset=\"shift_jis\"",
    "text/html; charset=foo",
    "application/octet-stream",
    "text/html; charset=iso-2022-jp",
];

fn decode(declared: &Declared, body: &[u8], limit: usize, seed: usize) -> gather::decode::Decoded {
    let mut decoder = PrefixDecoder::new(declared.clone(), limit).with_title(true);
    let mut rest = body;
    let mut size = seed;
    while !rest.is_empty() && !decoder.is_done() {
        size = (size * 31 + 7) % 23 + 1;
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        decoder.feed(piece);
        rest = tail;
    }
    decoder.finish(true)
}

fuzz_target!(|data: &[u8]| {
    // Header: Content-Type, limit, and a seed for the chunk sizes; the rest is the body.
    let [kind, limit, seed, body @ ..] = data else {
        return;
    };
    let content_type = CONTENT_TYPES[*kind as usize % CONTENT_TYPES.len()];
    let declared = Declared::new(
        (!content_type.is_empty()).then_some(content_type.as_bytes()),
        Some("example.jp"),
    );
    let limit = *limit as usize;
    // The whole body in one piece, and with no limit, is the reference.
    let whole = decode(&declared, body, usize::MAX, 0);
    let expected: String = whole.text.chars().take(limit).collect();
    let got = decode(&declared, body, limit, *seed as usize);
    assert_eq!(got.text.chars().count(), expected.chars().count());
    assert_eq!(got.text, expected);
    if limit > 0 {
        assert_eq!((got.charset, got.source), (whole.charset, whole.source));
    }
});
