//! Errors that stop a run before any request is sent.

use std::fmt;

/// A mistake in the command line or the URL list: reported, nothing fetched, exit 2.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// A flag value or combination that cannot work.
    #[error("{0}")]
    Invalid(String),
    /// One or more lines of the input are not fetchable URLs.
    #[error("{0}")]
    BadInput(BadLines),
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

/// How many bad entries are listed; past that they are only counted, since a
/// wrong file given as the list (a log, a CSV) would fill the screen.
pub const BAD_LINES_SHOWN: usize = 20;

/// The bad entries of an input: the first [`BAD_LINES_SHOWN`], and a count of all.
#[derive(Debug, Default)]
pub struct BadLines {
    shown: Vec<BadLine>,
    count: usize,
}

impl BadLines {
    /// Notes one more bad entry.
    pub fn push(&mut self, bad: BadLine) {
        if self.shown.len() < BAD_LINES_SHOWN {
            self.shown.push(bad);
        }
        self.count += 1;
    }

    /// True when every entry was good.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The bad entries kept to be listed, in input order.
    pub fn shown(&self) -> &[BadLine] {
        &self.shown
    }
}

impl fmt::Display for BadLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.count;
        let noun = if count == 1 { "entry" } else { "entries" };
        write!(f, "{count} bad {noun} in the input; nothing was fetched")?;
        for bad in &self.shown {
            // Debug formatting quotes the text and escapes control characters,
            // so a hostile list cannot drive the terminal through this message.
            write!(f, "\n  {}: {:?}: {}", bad.place, bad.text, bad.reason)?;
        }
        let rest = count - self.shown.len();
        if rest > 0 {
            write!(
                f,
                "\n  … and {rest} more; is this the list you meant? Fix these and run again \
                 to see the rest"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_bad_entries_are_listed_and_the_rest_counted() {
        let mut bad = BadLines::default();
        for line in 1..=BAD_LINES_SHOWN + 5 {
            bad.push(BadLine {
                place: format!("list.txt:{line}"),
                text: "nope".to_string(),
                reason: "not a URL".to_string(),
            });
        }
        let message = bad.to_string();
        assert!(message.starts_with("25 bad entries"), "{message}");
        assert!(message.contains("list.txt:20:"), "{message}");
        assert!(!message.contains("list.txt:21:"), "{message}");
        assert!(
            message.ends_with(
                "… and 5 more; is this the list you meant? Fix these and run again to see the rest"
            ),
            "{message}"
        );
        assert_eq!(message.lines().count(), 1 + BAD_LINES_SHOWN + 1);
    }
}
