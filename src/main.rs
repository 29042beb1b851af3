use std::io::{self, BufWriter, Write};

use anyhow::Context;
use clap::Parser;

use gather::cli::Cli;
use gather::config::Settings;
use gather::environment::Environment;
use gather::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let code = match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            gather::stderr::say(&format!("gather: error: {err:#}"));
            ExitCode::for_error(&err)
        }
    };
    code.into()
}

/// A runtime whose threads fit the machine. gather's work is waiting on sockets;
/// on two cores or fewer one thread does it with the least overhead and leaves the
/// other core to the kernel's network stack (or a local server), and only larger
/// machines gain from spreading TLS handshakes and decoding over workers.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut builder = if cores <= 2 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(cores.min(8));
        builder
    };
    builder.enable_all().build()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(shell) = cli.shell.completions {
        let mut script = Vec::new();
        gather::docs::completions(shell, &mut script);
        write_stdout(&script).context("could not write the completions")?;
        return Ok(ExitCode::Success);
    }
    if cli.shell.man {
        let mut page = Vec::new();
        gather::docs::man_page(&mut page).context("could not write the man page")?;
        write_stdout(&page).context("could not write the man page")?;
        return Ok(ExitCode::Success);
    }
    let settings = Settings::from_cli(cli, Environment::detect())?;
    let runtime = runtime().context("could not start the async runtime")?;
    // The engine runs on this thread, so stdout stays locked and unshared.
    let stdout = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let result = runtime.block_on(gather::run(settings, stdout));
    // Don't wait for blocking DNS lookups of cancelled requests.
    runtime.shutdown_background();
    Ok(ExitCode::for_run(&result?))
}

/// Writes a generated document to stdout; a reader that went away is a quiet end.
fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if gather::output::reader_gone(&err) => Ok(()),
        other => other,
    }
}
