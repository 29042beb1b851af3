//! The TSV format: a header line, then one line per record, for cut, awk and sort.

use std::borrow::Cow;
use std::io::{self, Write};

use super::fields::Fields;
use super::Format;
use crate::record::Record;
use crate::targets::Target;

/// The columns, in order.
const HEADER: &str =
    "url\tstatus\tok\ttext\terror\terror_kind\tfile\tline\tindex\tattempts\tfinal_url\tbytes\telapsed_ms\tlocation\tcharset\tcharset_source\ttitle\thttp_version\tremote_addr\ttls_version\tcert_expires\tcert_days_left\tcert_issuer\tdns_ms\tconnect_ms\tttfb_ms\n";

/// Tab-separated values; empty fields for nulls.
pub struct Tsv;

impl Format for Tsv {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(HEADER.as_bytes())
    }

    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        let f = Fields::new(target, record);
        let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        let columns: [Cow<str>; 26] = [
            escape(&f.url),
            number(f.status.map(u64::from)).into(),
            f.ok.to_string().into(),
            escape(f.text.unwrap_or("")),
            escape(f.error.as_deref().unwrap_or("")),
            f.error_kind.unwrap_or("").into(),
            escape(f.file.unwrap_or("")),
            f.line.to_string().into(),
            f.index.to_string().into(),
            f.attempts.to_string().into(),
            escape(f.final_url.as_deref().unwrap_or("")),
            f.bytes.to_string().into(),
            f.elapsed_ms.to_string().into(),
            escape(f.location.unwrap_or("")),
            f.charset.unwrap_or("").into(),
            f.charset_source.unwrap_or("").into(),
            escape(f.title.unwrap_or("")),
            f.http_version.unwrap_or("").into(),
            f.remote_addr
                .map(|addr| addr.to_string())
                .unwrap_or_default()
                .into(),
            f.tls_version.unwrap_or("").into(),
            f.cert_expires.unwrap_or("").into(),
            f.cert_days_left
                .map(|d| d.to_string())
                .unwrap_or_default()
                .into(),
            escape(f.cert_issuer.unwrap_or("")),
            number(f.dns_ms).into(),
            number(f.connect_ms).into(),
            number(f.ttfb_ms).into(),
        ];
        writeln!(out, "{}", columns.join("\t"))
    }
}

/// Backslash, tab, newline and carriage return as `\\`, `\t`, `\n`, `\r`, so every
/// record is one line with exactly the header's columns.
fn escape(field: &str) -> Cow<'_, str> {
    if !field.contains(['\\', '\t', '\n', '\r']) {
        return Cow::Borrowed(field);
    }
    let mut escaped = String::with_capacity(field.len() + 8);
    for c in field.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_would_break_a_line_or_a_column() {
        assert_eq!(escape("a\tb\nc\r\\d"), "a\\tb\\nc\\r\\\\d");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }
}
