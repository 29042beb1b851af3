//! What a person at a terminal sees: gather runs on a pseudo-terminal (script(1)),
//! and its raw bytes are fed to a terminal emulator (vt100) to read the final
//! screen, as the person would.

mod support;

use std::time::Duration;

use support::on_terminal;
use support::routes::{self, Reply};

/// The screen after `bytes`, 40 rows of 120 columns, as lines without trailing blanks.
fn screen(bytes: &str) -> Vec<String> {
    let mut parser = vt100::Parser::new(40, 120, 0);
    // script(1) turns \n into \r\n already; a terminal does the rest.
    parser.process(bytes.as_bytes());
    parser
        .screen()
        .contents()
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect()
}

#[test]
fn records_go_above_the_bar_and_no_bar_is_left_behind() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/slow" => Reply::text("second page\n").after(Duration::from_millis(1500)),
        _ => Reply::text("first page\n"),
    });
    let shown = on_terminal(&format!("-k {} {}", s.url("/quick"), s.url("/slow")));
    let lines = screen(&shown);
    let text: Vec<&str> = lines.iter().map(String::as_str).collect();
    let first = text
        .iter()
        .position(|l| *l == format!("==> {} <==", s.url("/quick")))
        .unwrap_or_else(|| panic!("no first header on the screen:\n{}", lines.join("\n")));
    assert_eq!(text[first + 1], "first page", "{}", lines.join("\n"));
    assert_eq!(
        text[first + 2],
        "",
        "the blank separator is intact:\n{}",
        lines.join("\n")
    );
    assert_eq!(text[first + 3], format!("==> {} <==", s.url("/slow")));
    assert_eq!(text[first + 4], "second page");
    for line in &lines {
        assert!(
            !line.contains("ETA") && !line.contains('░') && !line.contains("/2 "),
            "a bar line was left on the screen: {line:?}\n{}",
            lines.join("\n")
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("gather: 2 ok, 0 failed in ")),
        "{}",
        lines.join("\n")
    );
}
