//! Any words after a list line's URL, read by the command line's own clap
//! definitions: no panic, and a refusal is one line a person can read, never
//! clap's usage block or Rust debug text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let words: Vec<String> = text.split('\0').map(str::to_string).collect();
    if let Err(reason) = gather::config::line_parser().parse(&words) {
        assert!(!reason.contains('\n'), "{reason:?}");
        assert!(!reason.contains("Usage:"), "{reason:?}");
        assert!(!reason.is_empty());
    }
});
