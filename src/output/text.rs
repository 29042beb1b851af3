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

    /// The escape codes that start and end `style`, or nothing when colour is off.
    fn style(&self, style: Style) -> (StyleCode, StyleCode) {
        if self.color {
            (StyleCode::Start(style), StyleCode::End(style))
        } else {
            (StyleCode::None, StyleCode::None)
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
        // Written piece by piece, with no string built for the header: a record
        // is written for every URL, and the header is most of its cost.
        let quiet = self.style(QUIET);
        write!(
            out,
            "{}==>{} {url} {}<=={} ",
            quiet.0, quiet.1, quiet.0, quiet.1
        )?;
        match &record.outcome {
            Ok(text) => {
                // `200 OK · 43 ms`, then HTTP/2 where it came over it (HTTP/1.x
                // is the default worth no words), then the page's title.
                let good = self.style(GOOD);
                if let Some(status) = record.status {
                    write!(out, "{}{status}", good.0)?;
                    if let Some(reason) = reason(status) {
                        write!(out, " {reason}")?;
                    }
                    write!(out, "{} {}·{} ", good.1, quiet.0, quiet.1)?;
                }
                let ms = record.elapsed.as_millis();
                if ms < 1000 {
                    write!(out, "{}{ms} ms{}", quiet.0, quiet.1)?;
                } else {
                    let secs = record.elapsed.as_secs_f64();
                    write!(out, "{}{secs:.2} s{}", quiet.0, quiet.1)?;
                }
                if record.connection.http_version == Some("HTTP/2") {
                    write!(out, " {}·{} HTTP/2", quiet.0, quiet.1)?;
                }
                if let Some(title) = &record.title {
                    write!(out, " {}·{} \"{}\"", quiet.0, quiet.1, self.shown(title))?;
                }
                out.write_all(b"\n")?;
                self.write_text(out, text)?;
            }
            Err(failure) => {
                let reason = failure.to_string();
                let tries = match record.attempts {
                    0 | 1 => String::new(),
                    n => format!(" (after {n} attempts)"),
                };
                let bad = self.style(BAD);
                writeln!(
                    out,
                    "{}FAILED:{} {}{tries}",
                    bad.0,
                    bad.1,
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

/// A status's standard reason (`OK`, `Not Found`), if it has one.
fn reason(status: u16) -> Option<&'static str> {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
}

/// The start or end of a style in a header, or nothing.
#[derive(Clone, Copy)]
enum StyleCode {
    Start(Style),
    End(Style),
    None,
}

impl std::fmt::Display for StyleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StyleCode::Start(style) => style.render().fmt(f),
            StyleCode::End(style) => style.render_reset().fmt(f),
            StyleCode::None => Ok(()),
        }
    }
}
