//! What a person at a terminal sees: gather runs on a pseudo-terminal (script(1)),
//! and its raw bytes are fed to a terminal emulator (vt100) to read the final
//! screen, as the person would.

mod support;

use std::time::Duration;

use support::routes::{self, Reply};
use support::{gather, on_terminal, on_terminal_with};

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
        .position(|l| support::steady(l) == format!("==> {} <== 200 OK · T", s.url("/quick")))
        .unwrap_or_else(|| panic!("no first header on the screen:\n{}", lines.join("\n")));
    assert_eq!(text[first + 1], "first page", "{}", lines.join("\n"));
    assert_eq!(
        text[first + 2],
        "",
        "the blank separator is intact:\n{}",
        lines.join("\n")
    );
    assert_eq!(
        support::steady(text[first + 3]),
        format!("==> {} <== 200 OK · T", s.url("/slow"))
    );
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

/// The colour of the cell where `needle` starts on the screen, if it is there.
fn colour_of(bytes: &str, needle: &str) -> Option<vt100::Color> {
    let mut parser = vt100::Parser::new(40, 120, 0);
    parser.process(bytes.as_bytes());
    let screen = parser.screen();
    for (row, line) in screen.contents().lines().enumerate() {
        if let Some(col) = line.find(needle) {
            let col = line[..col].chars().count();
            return screen
                .cell(row as u16, col as u16)
                .map(|cell| cell.fgcolor());
        }
    }
    None
}

#[test]
fn statuses_are_coloured_on_a_terminal_unless_no_color_says_not() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/ok" => Reply::text("fine\n"),
        _ => Reply::status(500),
    });
    let args = format!("-k -q {} {}", s.url("/ok"), s.url("/bad"));
    let shown = on_terminal(&args);
    assert_eq!(
        colour_of(&shown, "200 OK"),
        Some(vt100::Color::Idx(2)),
        "{shown:?}"
    );
    assert_eq!(
        colour_of(&shown, "FAILED"),
        Some(vt100::Color::Idx(1)),
        "{shown:?}"
    );
    let plain = on_terminal_with(&args, &[("NO_COLOR", "1")]);
    assert_eq!(
        colour_of(&plain, "200 OK"),
        Some(vt100::Color::Default),
        "{plain:?}"
    );
    assert!(!plain.contains("\x1b[3"), "{plain:?}");
    // Into a pipe: no colour unless asked for; never in a machine format.
    let piped = gather().args(["-q", &s.url("/ok")]).run();
    assert!(!piped.stdout.contains('\x1b'), "{:?}", piped.stdout);
    let forced = gather()
        .args(["-q", "--color", "always", &s.url("/ok")])
        .run();
    assert!(
        forced.stdout.contains("\x1b[32m200 OK"),
        "{:?}",
        forced.stdout
    );
    let forced_env = gather()
        .args(["-q", &s.url("/ok")])
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(
        forced_env.stdout.contains("\x1b[32m"),
        "{:?}",
        forced_env.stdout
    );
    let json = gather().args(["--color", "always", &s.url("/ok")]).jsonl();
    assert!(!json.stdout.contains('\x1b'), "{:?}", json.stdout);
}
