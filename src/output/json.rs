//! The JSON format: one array of record objects, written as records arrive.

use std::io::{self, Write};

use super::fields::json_into;
use super::{Format, RunEnd};
use crate::record::Record;
use crate::targets::Target;

/// One JSON array; valid JSON once the run ends, however it ends.
#[derive(Default)]
pub struct Json {
    written: usize,
    /// The record being written, kept for the next one's.
    line: Vec<u8>,
}

impl Format for Json {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        json_into(&mut self.line, target, record)?;
        out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        out.write_all(&self.line)?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _run: &RunEnd) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}
