//! Any bytes as a compressed body, in any chunking: no panic, no piece larger than
//! the decoder's buffer, and nothing inflated once the sink has had enough.
#![no_main]

use std::ops::ControlFlow;

use gather::fetch::encoding::{BodyDecoder, PIECE_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let coding = ["gzip", "deflate", "br", "zstd"][usize::from(control & 3)];
    let chunk = usize::from(control >> 2) + 1;
    let enough = usize::from(control) * 97;
    let mut decoder = BodyDecoder::new(Some(coding));
    let mut out = 0usize;
    for part in body.chunks(chunk) {
        let mut pieces_after_enough = 0;
        let flow = decoder.decode(part, |piece| {
            assert!(!piece.is_empty() && piece.len() <= PIECE_BYTES);
            if out >= enough {
                pieces_after_enough += 1;
            }
            out += piece.len();
            if out >= enough {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(pieces_after_enough, 0, "inflated past a break");
        match flow {
            Ok(ControlFlow::Break(())) | Err(_) => return,
            Ok(ControlFlow::Continue(())) => {}
        }
    }
    let _ = decoder.finish();
});
