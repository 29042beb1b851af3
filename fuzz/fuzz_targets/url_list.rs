//! Any bytes as a URL list: no panic; every accepted URL is http(s); every record
//! and every rejection names a distinct line, in order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bad = Vec::new();
    let mut position = 0;
    let held = gather::targets::read_list(data, "fuzz.txt".into(), &mut position, &mut bad)
        .expect("reading from memory cannot fail");
    let lines = data.split(|&b| b == b'\n').count();
    assert_eq!(held.len(), position);
    assert!(held.len() + bad.len() <= lines);
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
    for rejected in &bad {
        assert!(rejected.text.chars().count() <= 121);
    }
});
