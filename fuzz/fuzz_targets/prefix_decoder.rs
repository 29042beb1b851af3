//! The streaming prefix decoder stops at exactly N characters, and gives what
//! decoding the whole body at once gives, for any chunking, body and charset.
#![no_main]

use encoding_rs::{Encoding, UTF_8};
use gather::decode::PrefixDecoder;
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 9] = [
    "",
    "utf-8",
    "windows-1252",
    "utf-16le",
    "utf-16be",
    "shift_jis",
    "euc-kr",
    "gb18030",
    "iso-2022-jp",
];

fuzz_target!(|data: &[u8]| {
    // Header: charset, limit, and a seed for the chunk sizes; the rest is the body.
    let [label, limit, seed, body @ ..] = data else {
        return;
    };
    let declared = Encoding::for_label(LABELS[*label as usize % LABELS.len()].as_bytes());
    let limit = *limit as usize;
    let whole = match declared {
        Some(encoding) => encoding.decode_with_bom_removal(body).0,
        None => UTF_8.decode(body).0,
    };
    let expected: String = whole.chars().take(limit).collect();

    let mut decoder = PrefixDecoder::new(declared, limit);
    let mut rest = body;
    let mut size = *seed as usize;
    while !rest.is_empty() && !decoder.is_done() {
        size = (size * 31 + 7) % 23 + 1;
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        decoder.feed(piece);
        rest = tail;
    }
    let got = decoder.finish().0;
    assert_eq!(got.chars().count(), expected.chars().count());
    assert_eq!(got, expected);
});
