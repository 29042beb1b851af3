//! Output formats, one file each behind the [`Format`] trait, and the writer that
//! streams records to stdout.

mod jsonl;
pub mod summary;
mod terminal;
mod text;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::gather::RecordSink;
use crate::input::Target;
use crate::record::Record;

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatKind {
    /// A `==> URL <==` header line, then the text (like head(1) on several files).
    Text,
    /// One JSON object per line.
    Jsonl,
}

/// Writes records of one format.
pub trait Format {
    /// Writes one record.
    fn record(&mut self, out: &mut dyn Write, target: &Target, record: &Record) -> io::Result<()>;
}

/// The formatter for `kind`; `escape_controls` shows control characters escaped.
pub fn formatter(kind: FormatKind, escape_controls: bool) -> Box<dyn Format> {
    match kind {
        FormatKind::Text => Box::new(text::Text::new(escape_controls)),
        FormatKind::Jsonl => Box::new(jsonl::Jsonl),
    }
}

/// A record sink that formats onto a writer.
pub struct Output<W: Write> {
    out: W,
    format: Box<dyn Format>,
}

impl<W: Write> Output<W> {
    /// Records in `format` onto `out`.
    pub fn new(out: W, format: Box<dyn Format>) -> Output<W> {
        Output { out, format }
    }
}

impl<W: Write> RecordSink for Output<W> {
    fn emit(&mut self, target: &Target, record: &Record) -> io::Result<()> {
        self.format.record(&mut self.out, target, record)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
