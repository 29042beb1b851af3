//! The JSON Lines format: one object per record, for jq and scripts.

use std::io::{self, Write};

use super::fields::Fields;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// One JSON object per line.
pub struct Jsonl;

impl Format for Jsonl {
    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        serde_json::to_writer(&mut *out, &Fields::new(target, record))?;
        out.write_all(b"\n")
    }
}
