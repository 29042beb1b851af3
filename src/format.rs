//! The output formats by name: what `--format` accepts and what the output layer
//! builds a formatter for. A leaf value type, so the command line and the output
//! share one list.

use clap::ValueEnum;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatKind {
    /// A `==> URL <==` header line, then the text (like head(1) on several files).
    Text,
    /// One JSON object per line.
    Jsonl,
    /// One JSON array of record objects.
    Json,
    /// Tab-separated values with a header line; tabs, newlines and backslashes escaped.
    Tsv,
    /// JUnit XML: one testcase per URL, for CI test reporters.
    Junit,
    /// GitHub Actions annotations for failures, and a table in $GITHUB_STEP_SUMMARY.
    Github,
}
