//! The flags of the Output heading: what is printed, and where.

use std::path::PathBuf;

use clap::Args;

use super::values::{count, ColorWhen};
use super::DEFAULT_CHARS;
use crate::format::FormatKind;

/// What is printed, and where.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputFlags {
    /// Print the first N characters of each page; 0 checks status only
    ///
    /// N counts Unicode scalar values, decoded as a browser decodes the page.
    #[arg(short = 'n', long = "chars", value_name = "N", default_value_t = DEFAULT_CHARS,
          allow_negative_numbers = true, value_parser = count)]
    pub chars: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatKind::Text)]
    pub format: FormatKind,

    /// Also write a JUnit XML report to FILE, from the same fetch as stdout's records.
    #[arg(long, value_name = "FILE", hide_short_help = true)]
    pub junit: Option<PathBuf>,

    /// Also write the records as JSON Lines to FILE.
    #[arg(long = "jsonl", value_name = "FILE", hide_short_help = true)]
    pub jsonl_file: Option<PathBuf>,

    /// Do not look for each HTML page's <title> (which may read past the -n prefix,
    /// up to the end of the title or 64 KiB).
    // This text is --help's too, where <title> is meant as written, not as HTML.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, hide_short_help = true)]
    pub no_title: bool,

    /// Colour the text format's headers: auto colours only a terminal (and
    /// honours NO_COLOR and CLICOLOR_FORCE). Machine formats are never coloured.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto, hide_short_help = true)]
    pub color: ColorWhen,

    /// Print control characters raw even when stdout is a terminal (by default they
    /// are shown escaped there, so a page cannot drive your terminal).
    #[arg(long, hide_short_help = true)]
    pub raw: bool,

    /// No progress bar, heartbeat or summary on stderr
    ///
    /// Failures that stop the run are still reported.
    #[arg(short, long)]
    pub quiet: bool,
}
