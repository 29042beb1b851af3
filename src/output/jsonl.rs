//! The JSON Lines format: one object per record, for jq and scripts.

use std::io::{self, Write};

use super::fields::json_into;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// One JSON object per line.
#[derive(Default)]
pub struct Jsonl {
    /// The line being written, kept for the next record's.
    line: Vec<u8>,
}

impl Format for Jsonl {
    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        json_into(&mut self.line, target, record)?;
        self.line.push(b'\n');
        out.write_all(&self.line)
    }
}
