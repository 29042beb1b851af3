use std::io::{self, BufWriter};

use anyhow::Context;
use clap::Parser;

use gather::cli::Cli;
use gather::config::{Config, Environment};
use gather::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let code = match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("gather: error: {err:#}");
            ExitCode::for_error(&err)
        }
    };
    code.into()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(shell) = cli.completions {
        gather::docs::completions(shell, &mut io::stdout().lock());
        return Ok(ExitCode::Success);
    }
    if cli.man {
        gather::docs::man_page(&mut io::stdout().lock()).context("could not write the man page")?;
        return Ok(ExitCode::Success);
    }
    let config = Config::from_cli(cli, Environment::detect())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    // The engine runs on this thread, so stdout stays locked and unshared.
    let stdout = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let result = runtime.block_on(gather::run(config, stdout));
    // Don't wait for blocking DNS lookups of cancelled requests.
    runtime.shutdown_background();
    Ok(ExitCode::for_run(&result?))
}
