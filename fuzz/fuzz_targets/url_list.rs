//! Any bytes as a URL list, with options after a line's URL read as the command
//! line reads them: no panic; every accepted URL is http(s); every record and
//! every rejection names a distinct line, in order, in one line of text; and the
//! first reading's check (which skips the url crate for a plain URL) takes and
//! refuses the same lines, for the same reasons, as the reading that parses;
//! and each URL read is the url crate's parse of its line alone (a line on the
//! last line's origin is parsed from its path on).
#![no_main]

use gather::error::BadLines;
use gather::targets::{parse_url, Lines, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bad = BadLines::default();
    let mut position = 0;
    let syntax = Syntax {
        options: Some(gather::config::line_parser()),
        base: None,
    };
    let mut parsing = Lines::new(data, syntax.clone());
    let mut checking = Lines::new(data, syntax.clone());
    loop {
        let parsed = parsing.next_entry().expect("reading from memory cannot fail");
        let checked = checking.next_checked().expect("reading from memory cannot fail");
        match (parsed, checked) {
            (None, None) => break,
            (Some((a, parsed)), Some((b, checked))) => {
                assert_eq!(a, b, "the two readings are on different lines");
                assert_eq!(
                    parsed.err().map(|bad| bad.reason),
                    checked.err().map(|bad| bad.reason),
                    "line {a}"
                );
            }
            (parsed, checked) => panic!("one reading ended first: {parsed:?} {checked:?}"),
        }
    }
    let texts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut whole_lines = Lines::new(data, Syntax::default());
    while let Some((line, entry)) = whole_lines.next_entry().expect("reading from memory") {
        if let Ok(entry) = entry {
            let text = std::str::from_utf8(texts[line - 1]).expect("a URL's line is UTF-8");
            let text = text.strip_prefix('\u{feff}').filter(|_| line == 1).unwrap_or(text);
            assert_eq!(Ok(entry.url), parse_url(text.trim()), "line {line}");
        }
    }
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
