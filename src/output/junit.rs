//! The JUnit XML format: one testcase per URL, for the test reporters of GitHub,
//! GitLab and Jenkins. The counts go in the opening tags, so the document is
//! written whole at the end. It keeps to Jenkins' junit-10.xsd, the strictest of
//! the schemas those reporters accept: testcases carry only name, classname and
//! time, so a URL's file and line go in its system-out.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::fields::Fields;
use super::{Format, RunEnd};
use crate::record::Record;
use crate::targets::Target;

/// Test cases collected until the run ends.
#[derive(Default)]
pub struct Junit {
    cases: String,
    tests: usize,
    failures: usize,
    skipped: usize,
    failure_written: bool,
}

impl Junit {
    /// The failure that stopped a fail-fast run, if the output did not reach it.
    fn add_failure(&mut self, run: &RunEnd) {
        self.failure_written = true;
        if let (Some(record), Some(target)) = (run.unreported_failure(), run.failure_target()) {
            self.add_record(&target, record);
        }
    }

    fn add_record(&mut self, target: &Target<'_>, record: &Record) {
        let f = Fields::new(target, record);
        self.tests += 1;
        self.open_case(target, &f.url, record.elapsed.as_secs_f64());
        if let (Some(error), Some(kind)) = (&f.error, f.error_kind) {
            self.failures += 1;
            let _ = writeln!(
                self.cases,
                "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
                xml(error),
                xml(error)
            );
        }
        let mut out = String::new();
        let status = f.status.map_or("none".to_string(), |s| s.to_string());
        let _ = writeln!(out, "source: {}", target.origin);
        let _ = writeln!(out, "status: {status}");
        if let Some(final_url) = &f.final_url {
            let _ = writeln!(out, "final_url: {final_url}");
        }
        if let Some(location) = f.location {
            let _ = writeln!(out, "location: {location}");
        }
        if let (Some(charset), Some(source)) = (f.charset, f.charset_source) {
            let _ = writeln!(out, "charset: {charset} ({source})");
        }
        if let Some(title) = f.title {
            let _ = writeln!(out, "title: {title}");
        }
        if let (Some(version), Some(addr)) = (f.http_version, &f.remote_addr) {
            let _ = writeln!(out, "connection: {version} to {addr}");
        }
        if let (Some(tls), Some(expires)) = (f.tls_version, f.cert_expires) {
            let issuer = f.cert_issuer.unwrap_or("an unnamed issuer");
            let _ = writeln!(
                out,
                "tls: {tls}, certificate from {issuer} expires {expires}"
            );
        }
        let _ = writeln!(out, "attempts: {}\nbytes: {}", f.attempts, f.bytes);
        if let Some(text) = f.text {
            let _ = write!(out, "\n{text}");
        }
        let _ = writeln!(self.cases, "      <system-out>{}</system-out>", xml(&out));
        self.cases.push_str("    </testcase>\n");
    }

    fn add_skipped(&mut self, target: &Target<'_>, why: &str) {
        self.tests += 1;
        self.skipped += 1;
        self.open_case(target, &target.display_url(), 0.0);
        let _ = writeln!(self.cases, "      <skipped message=\"{}\"/>", xml(why));
        let source = format!("source: {}\n", target.origin);
        let _ = writeln!(
            self.cases,
            "      <system-out>{}</system-out>",
            xml(&source)
        );
        self.cases.push_str("    </testcase>\n");
    }

    fn open_case(&mut self, target: &Target<'_>, url: &str, secs: f64) {
        let file = target.origin.file().unwrap_or("arguments");
        let _ = writeln!(
            self.cases,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{secs:.3}\">",
            xml(url),
            xml(file)
        );
    }
}

impl Format for Junit {
    fn record(
        &mut self,
        _out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        self.add_record(target, record);
        Ok(())
    }

    fn wants_unreached(&self) -> bool {
        true
    }

    fn unreached(&mut self, index: usize, target: &Target<'_>, run: &RunEnd) {
        // The failure that stopped the run goes in its place among the skipped.
        if !self.failure_written && run.unreported_failure().is_some_and(|r| r.index < index) {
            self.add_failure(run);
        }
        self.add_skipped(target, skip_reason(run));
    }

    fn finish(&mut self, out: &mut dyn Write, run: &RunEnd) -> io::Result<()> {
        if !self.failure_written {
            self.add_failure(run);
        }
        let secs = run.stats.elapsed.as_secs_f64();
        let counts = format!(
            "tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{secs:.3}\"",
            self.tests, self.failures
        );
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<testsuites name=\"gather\" {counts}>")?;
        writeln!(
            out,
            "  <testsuite name=\"gather\" {counts} skipped=\"{}\">",
            self.skipped
        )?;
        out.write_all(self.cases.as_bytes())?;
        writeln!(out, "  </testsuite>\n</testsuites>")
    }
}

fn skip_reason(run: &RunEnd) -> &'static str {
    use crate::stats::Stop;
    match run.stats.stop {
        Stop::FailFast(_) => {
            "not reported: the run stopped at its first failure (use -k to fetch every URL)"
        }
        Stop::Signal(_) => "not reported: the run was interrupted",
        Stop::ListChanged => "not reported: the list changed while gather read it",
        _ => "not reported",
    }
}

/// Text as XML character data or an attribute value. Characters XML 1.0 cannot
/// carry at all (most C0 controls) are written as `\xNN`, so a binary page still
/// gives a document every parser accepts.
fn xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(escaped, "\\x{:02x}", c as u32);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_characters_xml_cannot_hold() {
        assert_eq!(xml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(
            xml("nul\0 esc\x1b ok\tend\n"),
            "nul\\x00 esc\\x1b ok\tend\n"
        );
    }
}
