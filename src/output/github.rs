//! The GitHub Actions format: an `::error` workflow command per failure, pointing
//! at the list file and line, and a Markdown table appended to $GITHUB_STEP_SUMMARY.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use super::fields::Fields;
use super::{Format, RunEnd};
use crate::record::Record;
use crate::targets::Target;

/// Rows in the step summary table at most; GitHub caps a summary at 1 MiB.
const SUMMARY_ROWS: usize = 1000;

/// Annotations on stdout, a table for the job summary.
pub struct Github {
    step_summary: Option<PathBuf>,
    /// The table's rows for failed URLs, which come first, then the rest.
    failed_rows: String,
    rows: String,
    row_count: usize,
    rows_left_out: usize,
    warnings: Vec<String>,
}

impl Github {
    /// Appends the summary table to `step_summary` at the end, if given.
    pub fn new(step_summary: Option<PathBuf>) -> Github {
        Github {
            step_summary,
            failed_rows: String::new(),
            rows: String::new(),
            row_count: 0,
            rows_left_out: 0,
            warnings: Vec::new(),
        }
    }

    fn annotate(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        let f = Fields::new(target, record);
        if let Some(error) = &f.error {
            let mut properties = String::new();
            if let Some(file) = f.file.filter(|file| *file != "-") {
                let _ = write!(properties, "file={},line={},", property(file), f.line);
            }
            let title = format!("{} failed", f.url);
            writeln!(
                out,
                "::error {properties}title={}::{}",
                property(&title),
                message(error)
            )?;
        }
        self.add_row(target, &f);
        Ok(())
    }

    fn add_row(&mut self, target: &Target<'_>, f: &Fields) {
        if self.row_count >= SUMMARY_ROWS {
            self.rows_left_out += 1;
            return;
        }
        self.row_count += 1;
        let result = match &f.error {
            Some(error) => format!("❌ {error}"),
            None => "✅ ok".to_string(),
        };
        let status = f.status.map_or("–".to_string(), |s| s.to_string());
        let mut connection: Vec<String> = [f.http_version, f.tls_version]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect();
        if let (Some(expires), Some(days)) = (f.cert_expires, f.cert_days_left) {
            let issuer = f
                .cert_issuer
                .map_or(String::new(), |issuer| format!(" from {issuer}"));
            connection.push(format!("certificate{issuer} until {expires} ({days} days)"));
        }
        let connection = if connection.is_empty() {
            "–".to_string()
        } else {
            connection.join(" · ")
        };
        let rows = if f.error.is_some() {
            &mut self.failed_rows
        } else {
            &mut self.rows
        };
        let _ = writeln!(
            rows,
            "| {} | {} | {status} | {} | {} ms | {} |",
            cell(&target.origin.to_string()),
            cell(&f.url),
            cell(&result),
            f.elapsed_ms,
            cell(&connection)
        );
    }

    fn write_summary(&self, run: &RunEnd) -> io::Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let (ok, failed, not_reported) = run.stats.reported();
        let mut table = format!(
            "### gather: {ok} ok, {failed} failed, {not_reported} not reported\n\n| source | URL | status | result | time | connection |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        table.push_str(&self.failed_rows);
        table.push_str(&self.rows);
        if self.rows_left_out > 0 {
            let _ = writeln!(table, "\n{} more rows not shown.", self.rows_left_out);
        }
        table.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(table.as_bytes())
    }
}

impl Format for Github {
    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()> {
        self.annotate(out, target, record)
    }

    fn finish(&mut self, out: &mut dyn Write, run: &RunEnd) -> io::Result<()> {
        if let (Some(record), Some(target)) = (run.unreported_failure(), run.failure_target()) {
            self.annotate(out, &target, record)?;
        }
        // A summary that cannot be written must not hide the records: it is a warning.
        if let Err(err) = self.write_summary(run) {
            self.warnings.push(format!(
                "could not append to $GITHUB_STEP_SUMMARY: {}",
                err.kind()
            ));
        }
        Ok(())
    }

    fn warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

/// Escapes a workflow command property value.
fn property(value: &str) -> String {
    message(value).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes workflow command data.
fn message(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert_eq!(message("50% done\r\nnext: x"), "50%25 done%0D%0Anext: x");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
