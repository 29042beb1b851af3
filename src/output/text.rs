//! The text format: a `==> URL <==` header per record, as head(1) prints for several files.

use std::io::{self, Write};

use super::terminal::escape_controls;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// Headers and text; records separated by a blank line.
pub struct Text {
    escape: bool,
    first: bool,
}

impl Text {
    /// A text formatter; `escape` shows control characters escaped.
    pub fn new(escape: bool) -> Text {
        Text {
            escape,
            first: true,
        }
    }
}

impl Text {
    /// Text as the terminal may show it: control characters escaped there.
    fn shown<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.escape {
            escape_controls(text)
        } else {
            text.into()
        }
    }

    /// A record's text, ending with a newline unless it is empty.
    fn write_text(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        let shown = self.shown(text);
        out.write_all(shown.as_bytes())?;
        if !shown.is_empty() && !shown.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl Format for Text {
    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        if !self.first {
            out.write_all(b"\n")?;
        }
        self.first = false;
        let url = target.display_url();
        match &record.outcome {
            Ok(text) => {
                let mut header = format!("==> {url} <==");
                // HTTP/1.x is the default worth no words; HTTP/2 is worth knowing.
                if let Some(version) = record.connection.http_version.filter(|v| *v == "HTTP/2") {
                    header.push(' ');
                    header.push_str(version);
                }
                if let Some(title) = &record.title {
                    header.push_str(&format!(" \"{}\"", self.shown(title)));
                }
                writeln!(out, "{header}")?;
                self.write_text(out, text)?;
            }
            Err(failure) => {
                let reason = failure.to_string();
                let tries = match record.attempts {
                    0 | 1 => String::new(),
                    n => format!(" (after {n} attempts)"),
                };
                writeln!(out, "==> {url} <== FAILED: {}{tries}", self.shown(&reason))?;
                if let Some(text) = &record.failed_text {
                    self.write_text(out, text)?;
                }
            }
        }
        Ok(())
    }
}
