//! The text format: a `==> URL <==` header per record, as head(1) prints for several files.

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};

use super::terminal::escape_controls;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// Headers and text; records separated by a blank line.
pub struct Text {
    escape: bool,
    first: bool,
    /// The header line being built, kept between records for its capacity.
    line: String,
    quiet: Codes,
    good: Codes,
    bad: Codes,
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
            first: true,
            line: String::new(),
            quiet: Codes::of(QUIET, color),
            good: Codes::of(GOOD, color),
            bad: Codes::of(BAD, color),
        }
    }
}

/// The escape codes that start and end a style, rendered once; empty when
/// colour is off.
#[derive(Default)]
struct Codes {
    start: String,
    end: String,
}

impl Codes {
    fn of(style: Style, color: bool) -> Codes {
        if !color {
            return Codes::default();
        }
        Codes {
            start: style.render().to_string(),
            end: style.render_reset().to_string(),
        }
    }
}

/// Appends each of `pieces` to `line`.
fn push_all(line: &mut String, pieces: &[&str]) {
    for piece in pieces {
        line.push_str(piece);
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
        // The header is built in a string and written at once: a record is written
        // for every URL, and a write through `out` for each piece cost more than
        // the rest of the record.
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let built = self.header(&mut line, target, record);
        let written = built
            .map_err(io::Error::other)
            .and_then(|()| out.write_all(line.as_bytes()));
        self.line = line;
        written?;
        self.first = false;
        match (&record.outcome, &record.failed_text) {
            (Ok(text), _) | (Err(_), Some(text)) => self.write_text(out, text),
            (Err(_), None) => Ok(()),
        }
    }
}

impl Text {
    /// The record's header line, after a blank line that separates it from the
    /// record before.
    fn header(&self, line: &mut String, target: &Target<'_>, record: &Record) -> fmt::Result {
        let (quiet, good, bad) = (&self.quiet, &self.good, &self.bad);
        if !self.first {
            line.push('\n');
        }
        push_all(line, &[&quiet.start, "==>", &quiet.end, " "]);
        line.push_str(&target.display_url());
        push_all(line, &[" ", &quiet.start, "<==", &quiet.end, " "]);
        match &record.outcome {
            Ok(_) => {
                // `200 OK · 43 ms`, then HTTP/2 where it came over it (HTTP/1.x
                // is the default worth no words), then the page's title.
                if let Some(status) = record.status {
                    line.push_str(&good.start);
                    line.push_str(itoa::Buffer::new().format(status));
                    if let Some(reason) = reason(status) {
                        push_all(line, &[" ", reason]);
                    }
                    push_all(line, &[&good.end, " ", &quiet.start, "·", &quiet.end, " "]);
                }
                line.push_str(&quiet.start);
                let ms = record.elapsed.as_millis();
                if ms < 1000 {
                    // itoa: a `write!` for each of the two numbers cost more than
                    // the rest of the header.
                    push_all(line, &[itoa::Buffer::new().format(ms), " ms"]);
                } else {
                    write!(line, "{:.2} s", record.elapsed.as_secs_f64())?;
                }
                line.push_str(&quiet.end);
                if record.connection.http_version == Some("HTTP/2") {
                    push_all(line, &[" ", &quiet.start, "·", &quiet.end, " HTTP/2"]);
                }
                if let Some(title) = &record.title {
                    push_all(line, &[" ", &quiet.start, "·", &quiet.end, " \""]);
                    push_all(line, &[&self.shown(title), "\""]);
                }
            }
            Err(failure) => {
                push_all(line, &[&bad.start, "FAILED:", &bad.end, " "]);
                line.push_str(&self.shown(&failure.to_string()));
                if record.attempts > 1 {
                    write!(line, " (after {} attempts)", record.attempts)?;
                }
            }
        }
        line.push('\n');
        Ok(())
    }
}

/// A status's standard reason (`OK`, `Not Found`), if it has one.
fn reason(status: u16) -> Option<&'static str> {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
}
