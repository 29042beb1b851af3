//! Any bytes as a URL list, with options after a line's URL read as the command
//! line reads them: no panic; every accepted URL is http(s); every record and
//! every rejection names a distinct line, in order, in one line of text.
#![no_main]

use gather::error::BadLines;
use gather::targets::{Lines, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bad = BadLines::default();
    let mut position = 0;
    let syntax = Syntax {
        options: Some(gather::config::line_parser()),
        base: None,
    };
    let lines = Lines::new(data, syntax);
    let held = gather::targets::read_list(lines, "fuzz.txt".into(), &mut position, &mut bad)
        .expect("reading from memory cannot fail");
    let lines = data.split(|&b| b == b'\n').count();
    assert_eq!(held.len(), position);
    assert!(held.len() + bad.shown().len() <= lines);
    let mut previous = 0;
    for target in held.iter() {
        let target = target.view();
        assert!(target.url.starts_with("http://") || target.url.starts_with("https://"));
        assert!(target.parsed.is_some(), "a held URL parses again");
        let line = target.origin.line();
        assert!(
            line > previous && line <= lines,
            "line {line} after {previous} of {lines}"
        );
        previous = line;
    }
    for rejected in bad.shown() {
        assert!(rejected.text.chars().count() <= 121);
        assert!(!rejected.reason.contains('\n'), "{}", rejected.reason);
    }
});
