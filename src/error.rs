//! Errors that stop a run before any request is sent.

use std::fmt;

/// A mistake in the command line or the URL list: reported, nothing fetched, exit 2.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// A flag value or combination that cannot work.
    #[error("{0}")]
    Invalid(String),
    /// One or more lines of the input are not fetchable URLs.
    #[error("{}", BadLines(.0))]
    BadInput(Vec<BadLine>),
    /// The input held no URL at all.
    #[error("no URLs to fetch: {0}")]
    Empty(String),
}

/// One input record that is not a fetchable URL, with where it came from.
#[derive(Debug, Clone)]
pub struct BadLine {
    /// `file:line` or `argument N`.
    pub place: String,
    /// The offending text, shortened for display.
    pub text: String,
    /// What is wrong with it, and what to do.
    pub reason: String,
}

struct BadLines<'a>(&'a [BadLine]);

impl fmt::Display for BadLines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let noun = if count == 1 { "entry" } else { "entries" };
        write!(f, "{count} bad {noun} in the input; nothing was fetched")?;
        for bad in self.0 {
            // Debug formatting quotes the text and escapes control characters,
            // so a hostile list cannot drive the terminal through this message.
            write!(f, "\n  {}: {:?}: {}", bad.place, bad.text, bad.reason)?;
        }
        Ok(())
    }
}
