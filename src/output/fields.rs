//! The fields every machine format carries for a record.

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;

use serde::Serialize;

use crate::record::Record;
use crate::targets::{redact, Target};

/// One record as named fields; `text` and `error` are both set where a response
/// arrived but failed a check (its status, an `--expect`, `--min-cert-days`).
#[derive(Serialize)]
pub struct Fields<'a> {
    /// The URL as given, password masked.
    pub url: Cow<'a, str>,
    /// Fetched and accepted.
    pub ok: bool,
    /// The final status, if a response arrived.
    pub status: Option<u16>,
    /// The first N characters of the response, whether or not it passed.
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
    pub final_url: Option<Cow<'a, str>>,
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
    /// `HTTP/1.1` or `HTTP/2`.
    pub http_version: Option<&'static str>,
    /// The IP address and port connected to (serde writes it as `Display` does).
    pub remote_addr: Option<SocketAddr>,
    /// `TLSv1.2` or `TLSv1.3`.
    pub tls_version: Option<&'static str>,
    /// The server certificate's expiry date.
    pub cert_expires: Option<&'a str>,
    /// Whole days until it expires.
    pub cert_days_left: Option<i64>,
    /// Its issuer's common name.
    pub cert_issuer: Option<&'a str>,
    /// Milliseconds resolving the name, or null when no lookup was made for it.
    pub dns_ms: Option<u64>,
    /// Milliseconds for TCP and TLS, or null on a reused connection.
    pub connect_ms: Option<u64>,
    /// Milliseconds from the request to the response headers.
    pub ttfb_ms: Option<u64>,
}

impl<'a> Fields<'a> {
    /// The fields of `record`, which belongs to `target`.
    pub fn new(target: &Target<'a>, record: &'a Record) -> Fields<'a> {
        let failure = record.outcome.as_ref().err();
        Fields {
            url: target.display_url(),
            ok: record.is_ok(),
            status: record.status,
            text: record
                .outcome
                .as_ref()
                .ok()
                .or(record.failed_text.as_ref())
                .map(String::as_str),
            error: failure.map(ToString::to_string),
            error_kind: failure.map(|f| f.kind()),
            elapsed_ms: millis(record.elapsed),
            file: target.origin.file(),
            line: target.origin.line(),
            index: target.position,
            attempts: record.attempts,
            final_url: match (&record.final_url, record.status) {
                (Some(redirected), _) => Some(redact(redirected)),
                (None, Some(_)) => Some(target.display_url()),
                (None, None) => None,
            },
            bytes: record.bytes,
            location: record.location.as_deref(),
            charset: record.charset,
            charset_source: record.charset_source.map(|source| source.name()),
            title: record.title.as_deref(),
            http_version: record.connection.http_version,
            remote_addr: record.connection.remote_addr,
            tls_version: record.connection.tls_version,
            cert_expires: record.connection.cert_expires.as_deref(),
            cert_days_left: record.connection.cert_days_left,
            cert_issuer: record.connection.cert_issuer.as_deref(),
            dns_ms: record.connection.dns.map(millis),
            connect_ms: record.connection.connect.map(millis),
            ttfb_ms: record.connection.ttfb.map(millis),
        }
    }
}

/// Writes `record` as one JSON object into `line`, emptied first. serde makes a
/// write for every punctuation mark and name: into a `Vec` they are a copy each,
/// where through `dyn Write` each was a call.
pub fn json_into(line: &mut Vec<u8>, target: &Target<'_>, record: &Record) -> io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, &Fields::new(target, record))?;
    Ok(())
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use url::Url;

    use super::*;
    use crate::targets::TargetBuf;

    #[test]
    fn addresses_and_urls_are_written_as_people_read_them() {
        let url = Url::parse("http://user:secret@[::1]:8080/a").unwrap();
        let target = TargetBuf::new(Ok(url), None, 1, 0);
        let mut record = Record::new(0, Ok("hi".to_string()));
        record.status = Some(200);
        record.connection.remote_addr = Some("[::1]:8080".parse::<SocketAddr>().unwrap());
        let mut line = Vec::new();
        json_into(&mut line, &target.view(), &record).unwrap();
        let fields: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(fields["remote_addr"], "[::1]:8080");
        assert_eq!(fields["url"], "http://user:***@[::1]:8080/a");
        assert_eq!(fields["final_url"], "http://user:***@[::1]:8080/a");
        // The line is emptied for each record, not appended to.
        json_into(&mut line, &target.view(), &record).unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&line).is_ok());
    }
}
