//! Any bytes as a URL list: no panic; every accepted URL is http(s); every record
//! and every rejection names a distinct line, in order.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("fuzz.txt");
    let mut targets = Vec::new();
    let mut bad = Vec::new();
    gather::input::read_list(data, &name, &mut targets, &mut bad)
        .expect("reading from memory cannot fail");
    let lines = data.split(|&b| b == b'\n').count();
    assert!(targets.len() + bad.len() <= lines);
    let mut previous = 0;
    for target in &targets {
        assert!(matches!(target.url.scheme(), "http" | "https"));
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
