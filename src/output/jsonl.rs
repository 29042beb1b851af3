//! The JSON Lines format: one object per record, for jq and scripts.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use crate::input::{redact, Target};
use crate::record::Record;

/// One JSON object per line.
pub struct Jsonl;

/// The fields of one record as JSON; `text` and `error` are never both set.
#[derive(Serialize)]
struct Line<'a> {
    url: &'a str,
    ok: bool,
    status: Option<u16>,
    text: Option<&'a str>,
    error: Option<String>,
    error_kind: Option<&'static str>,
    elapsed_ms: u64,
    file: Option<&'a str>,
    line: usize,
    final_url: Option<String>,
    bytes: u64,
}

impl Format for Jsonl {
    fn record(&mut self, out: &mut dyn Write, target: &Target, record: &Record) -> io::Result<()> {
        let url = target.display_url();
        let line = Line {
            url: &url,
            ok: record.is_ok(),
            status: record.status,
            text: record.outcome.as_ref().ok().map(String::as_str),
            error: record.outcome.as_ref().err().map(ToString::to_string),
            error_kind: record.outcome.as_ref().err().map(|f| f.kind()),
            elapsed_ms: u64::try_from(record.elapsed.as_millis()).unwrap_or(u64::MAX),
            file: target.origin.file(),
            line: target.origin.line(),
            final_url: record.final_url.as_ref().map(|u| redact(u).into_owned()),
            bytes: record.bytes,
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")
    }
}
