//! Lines for a person on stderr. A stderr that is closed or full is not worth a
//! panic (which `eprintln!` would give): the line is dropped and the run goes on.

use std::io::Write;

/// Writes `line` and a newline to stderr, ignoring a stderr that cannot be written.
pub fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}
