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
    let summary = lines
        .iter()
        .position(|l| l.starts_with("gather: 2 ok, 0 failed in "))
        .unwrap_or_else(|| panic!("no summary:\n{}", lines.join("\n")));
    assert_eq!(
        lines[summary - 1],
        "",
        "the summary is set apart from the last record"
    );
    assert_eq!(lines[summary - 2], "second page");
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

#[test]
fn the_bar_fits_a_narrow_terminal_and_its_numbers_make_sense() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/slow" => Reply::status(500).after(Duration::from_millis(1500)),
        _ => Reply::text("page\n"),
    });
    let args = format!(
        "-k --color never {} {} {}",
        s.url("/a"),
        s.url("/b"),
        s.url("/slow")
    );
    let shown = support::on_terminal_narrow(&args, 60);
    // Every drawing of the bar, between the carriage return and the line clear
    // that indicatif writes around it.
    let draws: Vec<&str> = shown
        .split(['\r', '\n'])
        .map(|piece| piece.trim_start_matches("\x1b[2K"))
        .filter(|piece| piece.contains("/3 "))
        .collect();
    assert!(!draws.is_empty(), "no bar was drawn: {shown:?}");
    for draw in &draws {
        assert!(
            draw.chars().count() <= 60,
            "wider than 60 columns: {draw:?}"
        );
        let done: u32 = draw
            .split('/')
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        if done == 0 {
            assert!(
                !draw.contains("ETA"),
                "an ETA before anything is done: {draw:?}"
            );
        }
        if let Some(rate) = draw.split("/s").next().filter(|_| draw.contains("/s")) {
            let rate = rate.rsplit(' ').next().unwrap();
            assert!(
                rate.chars().all(|c| c.is_ascii_digit() || c == ','),
                "{draw:?}"
            );
        }
        let failed: u32 = draw
            .split(" failed")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(failed <= done, "more failed than done: {draw:?}");
    }
}

#[test]
fn no_bar_is_left_after_a_fail_fast_stop_or_ctrl_c() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/fails" => Reply::status(500).after(Duration::from_millis(300)),
        _ => Reply::text("slow\n").after(Duration::from_secs(20)),
    });
    // Fail-fast: the failure stops the run while the slow URL is in flight.
    let failed = on_terminal(&format!(
        "--color never {} {}",
        s.url("/fails"),
        s.url("/slow")
    ));
    // Ctrl-C: timeout(1) sends SIGINT after a second.
    let gather = env!("CARGO_BIN_EXE_gather");
    let interrupted = support::on_terminal_command(&format!(
        "timeout -s INT 1 {gather} --color never -k {} {}",
        s.url("/slow"),
        s.url("/slow")
    ));
    for (case, shown) in [("fail-fast", &failed), ("Ctrl-C", &interrupted)] {
        let lines = screen(shown);
        assert!(
            lines.iter().all(|l| !l.contains('░') && !l.contains("/2 ")),
            "{case}: a bar line was left:\n{}",
            lines.join("\n")
        );
    }
    assert!(screen(&failed)
        .iter()
        .any(|l| l.starts_with("gather: failed: ")));
    assert!(screen(&interrupted)
        .iter()
        .any(|l| l.starts_with("gather: interrupted; ")));
}

#[test]
fn the_bar_counts_the_urls_waiting_to_retry() {
    let s = routes::http(|_| Reply::status(503));
    let shown = support::on_terminal(&format!("-k --retries 3 --color never {}", s.url("/")));
    let draws: Vec<&str> = shown
        .split(['\r', '\n'])
        .filter(|piece| piece.contains("/1 "))
        .collect();
    assert!(
        draws
            .iter()
            .any(|draw| draw.contains(", 1 waiting to retry")),
        "{draws:?}"
    );
}
