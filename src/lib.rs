//! gather: fetch many URLs concurrently and print the first N characters of each,
//! in input order, failing fast or isolating failures.

pub mod cli;
pub mod config;
pub mod decode;
pub mod error;
pub mod exit;
pub mod fetch;
pub mod gather;
pub mod input;
pub mod limits;
pub mod output;
pub mod progress;
pub mod record;
pub mod signals;
pub mod status;

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::gather::{RunStats, Stop};
use crate::input::Target;
use crate::output::{formatter, summary, Output};
use crate::progress::Progress;

/// Runs gather: fetches every URL in `config`, writes records to `stdout`, and
/// reports on stderr. URL failures are in the returned stats, not errors; an `Err`
/// means gather itself could not work (the client or the output failed).
pub async fn run<W: Write>(config: Config, stdout: W) -> anyhow::Result<RunStats> {
    for warning in &config.warnings {
        eprintln!("gather: warning: {warning}");
    }
    let fetcher = Arc::new(Fetcher::new(&config)?);
    let targets: Arc<[Target]> = config.targets.into();
    let progress = Progress::new(targets.len(), config.progress);
    let mut output = Output::new(stdout, formatter(config.format, config.escape_controls));
    let stats = gather::gather(
        Arc::clone(&targets),
        fetcher,
        config.concurrency,
        config.mode,
        signals::wait_for_signal(),
        &mut output,
        &progress,
    )
    .await
    .context("could not write the output")?;
    progress.clear();
    report(&stats, &targets, config.summary);
    Ok(stats)
}

fn report(stats: &RunStats, targets: &[Target], show_summary: bool) {
    if stats.stop == Stop::OutputClosed {
        return;
    }
    if let Some(record) = &stats.first_failure {
        eprintln!(
            "gather: failed: {}",
            summary::failure_line(&targets[record.index], record)
        );
    }
    if let Some(line) = summary::stop_line(stats) {
        eprintln!("gather: {line}");
    }
    if show_summary {
        eprintln!("gather: {}", summary::summary_line(stats));
    }
}
