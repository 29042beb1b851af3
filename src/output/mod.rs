//! Output formats, one file each behind the [`Format`] trait, and the writer that
//! streams records to stdout.

mod fields;
mod github;
mod json;
mod jsonl;
mod junit;
pub mod summary;
mod terminal;
mod text;
mod tsv;

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::record::Record;
use crate::stats::RunStats;
use crate::targets::{Target, TargetBuf};

pub use crate::format::FormatKind;

/// How records are written: the format, and what it needs to know.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    /// The format of the records on stdout.
    pub format: FormatKind,
    /// What the format needs beyond the records themselves.
    pub options: FormatOptions,
    /// Report files written beside stdout (`--junit FILE`, `--jsonl FILE`).
    pub reports: Vec<(FormatKind, PathBuf)>,
}

/// A report file written beside stdout, in a format of its own.
pub struct Report {
    path: PathBuf,
    format: Box<dyn Format>,
    file: io::BufWriter<std::fs::File>,
}

impl Report {
    /// Creates `path` for records in `format`.
    pub fn create(path: PathBuf, format: Box<dyn Format>) -> io::Result<Report> {
        let file = io::BufWriter::new(std::fs::File::create(&path)?);
        Ok(Report { path, format, file })
    }

    /// An error writing this report, naming its file.
    fn named(&self, err: io::Error) -> io::Error {
        io::Error::new(err.kind(), format!("{}: {err}", self.path.display()))
    }
}

/// What formats need beyond the records themselves.
#[derive(Debug, Clone, Default)]
pub struct FormatOptions {
    /// Show control characters escaped (text format on a terminal).
    pub escape_controls: bool,
    /// Colour the text format's headers (never the machine formats).
    pub color: bool,
    /// Where the github format appends its Markdown table ($GITHUB_STEP_SUMMARY).
    pub step_summary: Option<PathBuf>,
}

/// The URLs a run did not reach, with their run index, in input order.
pub type Unreached<'a> = Box<dyn Iterator<Item = (usize, Arc<TargetBuf>)> + 'a>;

/// The whole run, for formats that write something at the end.
pub struct RunEnd<'a> {
    /// What happened.
    pub stats: &'a RunStats,
    /// The URLs that got no record in the output, read when asked for.
    unreached: RefCell<Unreached<'a>>,
}

impl<'a> RunEnd<'a> {
    /// The end of a run that did what `stats` says and did not reach `unreached`.
    pub fn new(stats: &'a RunStats, unreached: Unreached<'a>) -> RunEnd<'a> {
        RunEnd {
            stats,
            unreached: RefCell::new(unreached),
        }
    }

    /// The URLs that got no record in the output (cancelled, not started, or done
    /// after a gap), except the failure that stopped the run, if it is among them.
    /// They can be read once: [`Output::finish`] hands them to every format.
    fn unreported(&self) -> impl Iterator<Item = (usize, Arc<TargetBuf>)> + use<'_, 'a> {
        let failure = self.unreported_failure().map(|r| r.index);
        std::iter::from_fn(move || self.unreached.borrow_mut().next())
            .filter(move |(index, _)| Some(*index) != failure)
    }

    /// The URL of the failure that stopped a fail-fast run.
    pub fn failure_target(&self) -> Option<Target<'_>> {
        self.stats
            .first_failure
            .as_ref()
            .map(|failure| failure.target.view())
    }

    /// The failure that stopped a fail-fast run, if the output did not reach it.
    pub fn unreported_failure(&self) -> Option<&Record> {
        self.stats
            .first_failure
            .as_ref()
            .map(|failure| &failure.record)
            .filter(|record| record.index >= self.stats.emitted)
    }
}

/// Writes records of one format.
pub trait Format {
    /// Writes whatever comes before the first record.
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    /// Writes one record.
    fn record(
        &mut self,
        out: &mut dyn Write,
        target: &Target<'_>,
        record: &Record,
    ) -> io::Result<()>;
    /// True if the format lists the URLs the output did not reach.
    fn wants_unreached(&self) -> bool {
        false
    }
    /// Takes one URL the output did not reach, in input order, before `finish`.
    fn unreached(&mut self, _index: usize, _target: &Target<'_>, _run: &RunEnd) {}
    /// Writes whatever comes after the last record.
    fn finish(&mut self, _out: &mut dyn Write, _run: &RunEnd) -> io::Result<()> {
        Ok(())
    }
    /// What the format wants to tell the user on stderr; formats never print there.
    fn warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// The formatter for `kind`.
pub fn formatter(kind: FormatKind, options: &FormatOptions) -> Box<dyn Format> {
    match kind {
        FormatKind::Text => Box::new(text::Text::new(options.escape_controls, options.color)),
        FormatKind::Jsonl => Box::new(jsonl::Jsonl::default()),
        FormatKind::Json => Box::new(json::Json::default()),
        FormatKind::Tsv => Box::new(tsv::Tsv),
        FormatKind::Junit => Box::new(junit::Junit::default()),
        FormatKind::Github => Box::new(github::Github::new(options.step_summary.clone())),
    }
}

/// True for the error a write gets once the reader of stdout has gone away
/// (`gather … | head -1`): the one place that decides the run ends quietly.
pub fn reader_gone(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}

/// Formats records onto a writer. Once the reader has gone away it writes nothing
/// more and says so through [`Output::is_closed`].
pub struct Output<W: Write> {
    out: W,
    format: Box<dyn Format>,
    closed: bool,
    digest: summary::Digest,
    reports: Vec<Report>,
}

impl<W: Write> Output<W> {
    /// Records in `format` onto `out`.
    pub fn new(out: W, format: Box<dyn Format>) -> Output<W> {
        Output {
            out,
            format,
            closed: false,
            digest: summary::Digest::default(),
            reports: Vec::new(),
        }
    }

    /// Also writes every record to each of `reports`.
    pub fn with_reports(mut self, reports: Vec<Report>) -> Output<W> {
        self.reports = reports;
        self
    }

    /// Writes the format's opening.
    pub fn begin(&mut self) -> io::Result<()> {
        for report in &mut self.reports {
            let result = report.format.begin(&mut report.file);
            result.map_err(|err| report.named(err))?;
        }
        let result = self.format.begin(&mut self.out);
        self.guard(result)
    }

    /// Writes the format's closing and flushes; returns the formats' warnings.
    pub fn finish(&mut self, run: &RunEnd) -> io::Result<Vec<String>> {
        // Read once, for every format that wants them: a list file's rest is
        // read from the file again.
        let wanted = self.format.wants_unreached()
            || self.reports.iter().any(|r| r.format.wants_unreached());
        if wanted {
            for (index, target) in run.unreported() {
                let target = target.view();
                self.format.unreached(index, &target, run);
                for report in &mut self.reports {
                    report.format.unreached(index, &target, run);
                }
            }
        }
        let mut warnings = Vec::new();
        for report in &mut self.reports {
            let result = report
                .format
                .finish(&mut report.file, run)
                .and_then(|()| report.file.flush());
            result.map_err(|err| report.named(err))?;
            warnings.extend(report.format.warnings());
        }
        if !self.closed {
            let result = self.format.finish(&mut self.out, run);
            self.guard(result)?;
            let result = self.out.flush();
            self.guard(result)?;
        }
        warnings.extend(self.format.warnings());
        Ok(warnings)
    }

    /// What the summary tells about the records written so far.
    pub fn digest(&self) -> &summary::Digest {
        &self.digest
    }

    /// True once the reader of stdout has gone away.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Turns the reader going away into the closed state; other errors pass.
    fn guard(&mut self, result: io::Result<()>) -> io::Result<()> {
        match result {
            Err(err) if reader_gone(&err) => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

impl<W: Write> Output<W> {
    /// Writes one record.
    pub fn emit(&mut self, target: &Target<'_>, record: &Record) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        self.digest.add(target, record);
        for report in &mut self.reports {
            let result = report.format.record(&mut report.file, target, record);
            result.map_err(|err| report.named(err))?;
        }
        let result = self.format.record(&mut self.out, target, record);
        self.guard(result)
    }

    /// Pushes out what has been written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.out.flush();
        self.guard(result)
    }
}
