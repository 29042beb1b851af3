//! The text format: a `==> URL <==` header per record, as head(1) prints for several files.

use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};

use super::terminal::escape_controls;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// Headers and text; records separated by a blank line.
pub struct Text {
    escape: bool,
    color: bool,
    first: bool,
}

/// A good status: green.
const GOOD: Style = Style::new().fg_color(Some(Color::Ansi(AnsiColor::Green)));
/// A failure: red, bold.
const BAD: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)))
    .bold();
/// Separators and times: dimmed.
const QUIET: Style = Style::new().dimmed();

impl Text {
    /// A text formatter; `escape` shows control characters escaped, `color`
    /// colours the headers.
    pub fn new(escape: bool, color: bool) -> Text {
        Text {
            escape,
            color,
            first: true,
        }
    }

    /// `text` in `style`, when colour is on.
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
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
        let (open, close, dot) = (
            self.paint(QUIET, "==>"),
            self.paint(QUIET, "<=="),
            self.paint(QUIET, "·"),
        );
        match &record.outcome {
            Ok(text) => {
                // `200 OK · 43 ms`, then HTTP/2 where it came over it (HTTP/1.x
                // is the default worth no words), then the page's title.
                let mut parts = Vec::new();
                if let Some(status) = record.status {
                    parts.push(self.paint(GOOD, &status_words(status)));
                }
                parts.push(self.paint(QUIET, &took(record.elapsed)));
                if let Some(version) = record.connection.http_version.filter(|v| *v == "HTTP/2") {
                    parts.push(version.to_string());
                }
                if let Some(title) = &record.title {
                    parts.push(format!("\"{}\"", self.shown(title)));
                }
                let facts = parts.join(&format!(" {dot} "));
                writeln!(out, "{open} {url} {close} {facts}")?;
                self.write_text(out, text)?;
            }
            Err(failure) => {
                let reason = failure.to_string();
                let tries = match record.attempts {
                    0 | 1 => String::new(),
                    n => format!(" (after {n} attempts)"),
                };
                let failed = self.paint(BAD, "FAILED:");
                writeln!(
                    out,
                    "{open} {url} {close} {failed} {}{tries}",
                    self.shown(&reason)
                )?;
                if let Some(text) = &record.failed_text {
                    self.write_text(out, text)?;
                }
            }
        }
        Ok(())
    }
}

/// `200 OK`, `404 Not Found`, or the bare code when it has no standard reason.
fn status_words(status: u16) -> String {
    match http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// A URL's time: milliseconds below a second, else seconds.
fn took(elapsed: std::time::Duration) -> String {
    if elapsed.as_millis() < 1000 {
        format!("{} ms", elapsed.as_millis())
    } else {
        format!("{:.2} s", elapsed.as_secs_f64())
    }
}
