//! The documented usage (docs/usage.md) is `gather --help`, word for word, and the
//! README points at documents that exist.

mod support;

const START: &str =
    "<!-- The block below is `gather --help`; tests/usage.rs keeps the two in step. -->\n```text\n";

fn normalise(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[test]
fn documented_usage_matches_help() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usage.md")).unwrap();
    let start = readme
        .find(START)
        .expect("docs/usage.md has the usage block marker")
        + START.len();
    let end = start
        + readme[start..]
            .find("\n```")
            .expect("usage block is closed");
    let documented = normalise(&readme[start..end]);

    let run = support::gather().arg("--help").run();
    assert_eq!(run.code, Some(0));
    let help = normalise(&run.stdout);
    assert_eq!(
        documented, help,
        "docs/usage.md's usage block differs from `gather --help`; run .ci/sync-usage"
    );
}

#[test]
fn help_documents_every_exit_code() {
    let help = support::gather().arg("--help").run().stdout;
    for code in ["  0 ", "  1 ", "  2 ", "  130 ", "  143 "] {
        assert!(
            help.contains(code),
            "--help does not document exit code {}",
            code.trim()
        );
    }
}

#[test]
fn the_readme_points_at_documents_that_exist_and_keeps_no_reference_of_its_own() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let links: Vec<&str> = readme
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|link| link.starts_with("docs/"))
        .collect();
    assert!(links.len() >= 6, "{links:?}");
    for link in links {
        assert!(
            std::path::Path::new(&format!("{root}/{link}")).is_file(),
            "{link} is missing"
        );
    }
    // Each fact lives in one place: the flags in docs/usage.md, not here too.
    assert!(
        !readme.contains(START),
        "the README has the usage block again"
    );
    assert!(
        !readme.contains("| flag |"),
        "the README has a flag table again"
    );
}

#[test]
fn short_help_fits_one_screen_and_long_help_has_every_flag() {
    let short = support::gather().arg("-h").run();
    assert_eq!(short.code, Some(0));
    let lines = short.stdout.lines().count();
    assert!(lines <= 40, "-h is {lines} lines:\n{}", short.stdout);
    let long = support::gather().arg("--help").run().stdout;
    for flag in [
        "--resolve",
        "--min-cert-days",
        "--junit",
        "--color",
        "--deadline",
    ] {
        assert!(
            !short.stdout.contains(flag),
            "-h shows the less common {flag}"
        );
        assert!(long.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn the_man_page_has_real_sections_and_generated_docs_survive_a_closed_pipe() {
    let man = support::gather().arg("--man").run().stdout;
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH EXAMPLES",
    ] {
        assert!(man.contains(section), "no {section} in the man page");
    }
    assert!(
        !man.contains(".SH EXTRA"),
        "the old catch-all section is back"
    );
    // A reader that leaves early (`| true`, `| head -1`) is a quiet end, every time.
    for args in ["--completions bash | true", "--man | head -1 > /dev/null"] {
        for _ in 0..10 {
            let status = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("set -o pipefail; \"$GATHER\" {args}"))
                .env_clear()
                .env("GATHER", env!("CARGO_BIN_EXE_gather"))
                .status()
                .unwrap();
            assert_eq!(status.code(), Some(0), "{args}");
        }
    }
}
