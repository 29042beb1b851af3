//! The fields every machine format carries for a record.

use serde::Serialize;

use crate::record::Record;
use crate::targets::{redact, Target};

/// One record as named fields; `text` and `error` are never both set.
#[derive(Serialize)]
pub struct Fields<'a> {
    /// The URL as given, password masked.
    pub url: String,
    /// Fetched and accepted.
    pub ok: bool,
    /// The final status, if a response arrived.
    pub status: Option<u16>,
    /// The first N characters, on success.
    pub text: Option<&'a str>,
    /// Why it failed.
    pub error: Option<String>,
    /// A one-word failure class.
    pub error_kind: Option<&'static str>,
    /// Time for this URL, retries included.
    pub elapsed_ms: u64,
    /// The list file (`-` for stdin), or null for an argument.
    pub file: Option<&'a str>,
    /// 1-based line, or the argument's position.
    pub line: usize,
    /// 0-based position in the whole input (before sharding), for merging shards.
    pub index: usize,
    /// Requests made: 1 plus retries.
    pub attempts: u32,
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// Body bytes read, after decompression.
    pub bytes: u64,
    /// The final response's Location header, resolved, if it had one.
    pub location: Option<&'a str>,
    /// The encoding the body was decoded with (its WHATWG name).
    pub charset: Option<&'static str>,
    /// What decided it: `bom`, `header`, `meta`, `detected` or `default`.
    pub charset_source: Option<&'static str>,
    /// The HTML page's title.
    pub title: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// The fields of `record`, which belongs to `target`.
    pub fn new(target: &Target<'a>, record: &'a Record) -> Fields<'a> {
        let failure = record.outcome.as_ref().err();
        Fields {
            url: target.display_url().into_owned(),
            ok: record.is_ok(),
            status: record.status,
            text: record.outcome.as_ref().ok().map(String::as_str),
            error: failure.map(ToString::to_string),
            error_kind: failure.map(|f| f.kind()),
            elapsed_ms: u64::try_from(record.elapsed.as_millis()).unwrap_or(u64::MAX),
            file: target.origin.file(),
            line: target.origin.line(),
            index: target.position,
            attempts: record.attempts,
            final_url: match (&record.final_url, record.status) {
                (Some(redirected), _) => Some(redact(redirected).into_owned()),
                (None, Some(_)) => Some(target.display_url().into_owned()),
                (None, None) => None,
            },
            bytes: record.bytes,
            location: record.location.as_deref(),
            charset: record.charset,
            charset_source: record.charset_source.map(|source| source.name()),
            title: record.title.as_deref(),
        }
    }
}
