//! gather: fetch many URLs concurrently and print the first N characters of each,
//! in input order, failing fast or isolating failures.

#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod decode;
pub mod docs;
pub mod error;
pub mod exit;
pub mod fetch;
pub mod gather;
pub mod input;
pub mod limits;
pub mod output;
pub mod pace;
pub mod progress;
pub mod record;
pub mod reorder;
pub mod schedule;
pub mod signals;
pub mod status;
pub mod targets;

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::gather::{Plan, RunStats, Stop};
use crate::output::{formatter, summary, Output, RunEnd};
use crate::pace::Pacer;
use crate::progress::Progress;
use crate::targets::TargetList;

/// Runs gather: fetches every URL in `config`, writes records to `stdout`, and
/// reports on stderr. URL failures are in the returned stats, not errors; an `Err`
/// means gather itself could not work (the client or the output failed).
pub async fn run<W: Write>(config: Config, stdout: W) -> anyhow::Result<RunStats> {
    for warning in &config.warnings {
        eprintln!("gather: warning: {warning}");
    }
    let pacer = config
        .rate
        .map(|per_second| Arc::new(Pacer::new(per_second)));
    let fetcher = Arc::new(Fetcher::new(&config, pacer.clone())?);
    let targets = Arc::new(config.targets);
    let plan = Plan {
        concurrency: config.concurrency,
        mode: config.mode,
        per_host: config.per_host,
        deadline: config.deadline,
        pacer,
    };
    let progress = Progress::new(targets.len(), config.display);
    let mut output = Output::new(stdout, formatter(config.format, &config.format_options));
    let mut stats = match output.begin() {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
            let mut stats = RunStats::new(targets.len());
            stats.stop = Stop::OutputClosed;
            return Ok(stats);
        }
        begun => {
            begun.context("could not write the output")?;
            let interrupt = signals::wait_for_signal();
            gather::gather(
                Arc::clone(&targets),
                fetcher,
                &plan,
                interrupt,
                &mut output,
                &progress,
            )
            .await
            .context("could not write the output")?
        }
    };
    progress.clear();
    if stats.stop != Stop::OutputClosed {
        let end = RunEnd {
            stats: &stats,
            targets: &targets,
        };
        match output.finish(&end) {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => stats.stop = Stop::OutputClosed,
            finished => finished.context("could not write the output")?,
        }
    }
    report(&stats, &targets, config.summary);
    Ok(stats)
}

fn report(stats: &RunStats, targets: &TargetList, show_summary: bool) {
    if stats.stop == Stop::OutputClosed {
        return;
    }
    if let Some(record) = &stats.first_failure {
        eprintln!(
            "gather: failed: {}",
            summary::failure_line(&targets.get(record.index), record)
        );
    }
    if let Some(line) = summary::stop_line(stats) {
        eprintln!("gather: {line}");
    }
    if show_summary {
        eprintln!("gather: {}", summary::summary_line(stats));
    }
}
