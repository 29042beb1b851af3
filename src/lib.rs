//! gather: fetch many URLs concurrently and print the first N characters of each,
//! in input order, failing fast or isolating failures.
//!
//! `main` parses the command line ([`cli`]), probes the process ([`environment`]),
//! checks both into [`config::Settings`] and calls [`run`], which loads the URLs
//! ([`targets`]), fetches them ([`fetch`]) through the [`engine`], and writes the
//! records ([`output`]). `docs/architecture.md` draws the whole picture.

#![warn(missing_docs)]

pub mod checks;
pub mod cli;
pub mod config;
pub mod connected;
pub mod decode;
pub mod docs;
pub mod engine;
pub mod environment;
pub mod error;
pub mod exit;
pub mod fetch;
pub mod format;
pub mod limits;
pub mod output;
pub mod pace;
pub mod progress;
pub mod record;
pub mod rules;
pub mod shard;
pub mod signals;
pub mod sitemaps;
pub mod stats;
pub mod status;
pub mod stderr;
pub mod targets;
#[cfg(test)]
mod testing;
pub mod waiting;

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Settings;
use crate::engine::{Fetch, RecordSink, Window};
use crate::error::UsageError;
use crate::fetch::Fetcher;
use crate::output::{formatter, summary, FormatOptions, Output, Report, RunEnd};
use crate::progress::Progress;
use crate::record::Record;
use crate::stats::{RunStats, Stop};
use crate::targets::Target;
use crate::waiting::Waiting;

impl Fetch for Fetcher {
    fn fetch(
        &self,
        index: usize,
        target: &Target<'_>,
    ) -> impl std::future::Future<Output = Record> + Send {
        Fetcher::fetch(self, index, target)
    }
}

impl<W: Write> RecordSink for Output<W> {
    fn emit(&mut self, target: &Target<'_>, record: &Record) -> std::io::Result<()> {
        Output::emit(self, target, record)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Output::flush(self)
    }

    fn closed(&self) -> bool {
        self.is_closed()
    }
}

/// Runs gather: loads the URLs, fetches every one, writes records to `stdout`, and
/// reports on stderr. URL failures are in the returned stats, not errors; an `Err`
/// is a usage or input error (a [`error::UsageError`] inside) or gather itself
/// failing (the client could not be built, or the output failed).
pub async fn run<W: Write>(mut settings: Settings, stdout: W) -> anyhow::Result<RunStats> {
    let waiting = Arc::new(Waiting::default());
    let fetcher = Fetcher::new(&settings.fetch, settings.plan.pacer.clone())?;
    let fetcher = Arc::new(fetcher.with_waiting(Arc::clone(&waiting)));
    settings.input.sitemap_pages = sitemaps::read_all(&settings.input.sitemaps, &fetcher).await?;
    let loaded = targets::load(&settings.input)?;
    for warning in settings.warnings.iter().chain(&loaded.warnings) {
        crate::stderr::say(&format!("gather: warning: {warning}"));
    }
    let mut window = Window::new(loaded.feed);
    let mut reports = Vec::new();
    for (kind, path) in &settings.output.reports {
        // Plain options for files: no terminal escaping, no step summary twice.
        let options = FormatOptions::default();
        let report = Report::create(path.clone(), formatter(*kind, &options)).map_err(|err| {
            UsageError::Invalid(format!(
                "could not create the report {}: {}",
                path.display(),
                err.kind()
            ))
        })?;
        reports.push(report);
    }
    let progress = Progress::new(window.total(), settings.progress, waiting);
    let format = formatter(settings.output.format, &settings.output.options);
    let mut output = Output::new(progress.above_the_bar(stdout), format).with_reports(reports);
    output.begin().context("could not write the output")?;
    let mut stats = if output.is_closed() {
        let mut stats = RunStats::new(window.total().unwrap_or(0));
        stats.stop = Stop::OutputClosed;
        stats
    } else {
        let interrupt = signals::wait_for_signal();
        let run = engine::fetch_all(
            &mut window,
            fetcher,
            &settings.plan,
            interrupt,
            &mut output,
            &progress,
        );
        run.await.context("could not write the output")?
    };
    progress.clear();
    if stats.total == 0 && settings.input.stream {
        match settings.input.shard {
            Some(shard) => crate::stderr::say(&format!(
                "gather: warning: shard {shard} holds none of the stream's URLs"
            )),
            None => {
                let held = "the input held no URL (only blank or # comment lines)";
                return Err(UsageError::Empty(held.to_string()).into());
            }
        }
    }
    let end = RunEnd::new(&stats, Box::new(window.rest(stats.emitted)));
    let warnings = output.finish(&end).context("could not write the output")?;
    drop(end);
    for warning in warnings {
        crate::stderr::say(&format!("gather: warning: {warning}"));
    }
    if output.is_closed() {
        stats.stop = Stop::OutputClosed;
    }
    // On a shared screen, a blank line keeps the summary apart from the last record.
    if settings.summary && settings.stdout_is_terminal && stats.emitted > 0 {
        crate::stderr::say("");
    }
    report(&stats, output.digest(), settings.summary);
    if let Some(changed) = stats.list_changed {
        return Err(UsageError::Invalid(changed).into());
    }
    Ok(stats)
}

fn report(stats: &RunStats, digest: &summary::Digest, show_summary: bool) {
    if stats.stop == Stop::OutputClosed {
        return;
    }
    if let Some(line) = digest.soonest_cert() {
        crate::stderr::say(&format!("gather: warning: {line}"));
    }
    // Fail-fast names its one failure below; isolation lists what failed.
    if show_summary && stats.first_failure.is_none() && stats.failed > 0 {
        crate::stderr::say("gather: failed:");
        for line in digest.failure_lines() {
            crate::stderr::say(&line);
        }
    }
    if let Some(failure) = &stats.first_failure {
        crate::stderr::say(&format!(
            "gather: failed: {}",
            summary::failure_line(&failure.target.view(), &failure.record)
        ));
    }
    if stats.input_errors > 0 {
        let lines = match stats.input_errors {
            1 => "1 line of the input cannot be used: its record has".to_string(),
            count => format!("{count} lines of the input cannot be used: their records have"),
        };
        crate::stderr::say(&format!(
            "gather: {lines} kind \"input\" and the exit status is 2; fix the list and run again"
        ));
    }
    if let Some(line) = summary::stop_line(stats) {
        crate::stderr::say(&format!("gather: {line}"));
    }
    if show_summary {
        for line in digest.latency_lines() {
            crate::stderr::say(&format!("gather: {line}"));
        }
        crate::stderr::say(&format!("gather: {}", summary::summary_line(stats)));
    }
}
