//! The README's usage block is `gather --help`, word for word.

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
fn readme_usage_matches_help() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find(START)
        .expect("README has the usage block marker")
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
        "README.md's usage block differs from `gather --help`; paste the new help into README.md"
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
fn readme_flag_table_lists_every_flag() {
    use clap::CommandFactory;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("## Flags and defaults")
        .expect("README has a flag table");
    let table = &readme[start
        ..readme[start..]
            .find("\n## ")
            .map_or(readme.len(), |end| start + end)];
    for arg in gather::cli::Cli::command().get_arguments() {
        if let Some(long) = arg.get_long() {
            if long == "help" || long == "version" {
                continue;
            }
            assert!(
                table.contains(&format!("`--{long}")) || table.contains(&format!(", `--{long}")),
                "README's flag table does not list --{long}"
            );
        }
    }
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
