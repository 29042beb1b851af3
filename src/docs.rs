//! Shell completions and the man page, generated from the clap definition.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;
use roff::{bold, roman, Roff};

use crate::cli::{Cli, ENVIRONMENT, EXAMPLES, EXIT_CODES};

/// Writes completions for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "gather", out);
}

/// Writes the man page, in roff, to `out`: clap's sections, then EXIT STATUS,
/// ENVIRONMENT and EXAMPLES.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let mut roff = Roff::new();
    section(&mut roff, "EXIT STATUS", &EXIT_CODES);
    section(&mut roff, "ENVIRONMENT", &ENVIRONMENT);
    section(&mut roff, "EXAMPLES", &EXAMPLES);
    roff.to_writer(out)?;
    man.render_version_section(out)
}

/// A section of tagged paragraphs: each term in bold, then what it means.
fn section(roff: &mut Roff, title: &str, items: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, meaning) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*meaning)]);
    }
}
