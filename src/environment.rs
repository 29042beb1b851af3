//! What gather learns from the machine before it starts: which standard streams
//! are terminals, the open-file limit (raised on the way), and the variables it
//! reads. `main` probes once; everything below takes the result as plain data.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::limits;

/// Which of the standard streams are terminals; decides bars, stdin and escaping.
#[derive(Debug, Clone, Copy)]
pub struct Terminals {
    /// stdin is a terminal (so it is not read implicitly).
    pub stdin: bool,
    /// stdout is a terminal (so control characters are escaped).
    pub stdout: bool,
    /// stderr is a terminal that can draw a progress bar (TERM set, not "dumb").
    pub stderr: bool,
}

impl Terminals {
    /// Asks the operating system about the three standard streams.
    pub fn detect() -> Terminals {
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            // indicatif draws nothing on a terminal without a usable TERM; such a
            // terminal gets the plain heartbeat instead of a bar that never shows.
            stderr: std::io::stderr().is_terminal()
                && std::env::var_os("TERM").is_some_and(|term| !term.is_empty() && term != "dumb"),
        }
    }
}

/// Everything gather takes from the process and its environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Which standard streams are terminals.
    pub terminals: Terminals,
    /// The open-file limit in force, after raising it.
    pub open_files: Option<u64>,
    /// `$GITHUB_STEP_SUMMARY`, where the github format appends its table.
    pub step_summary: Option<PathBuf>,
    /// The proxy variables that are set, as `(name, value)`, unchecked.
    pub proxy_vars: Vec<(&'static str, String)>,
    /// `NO_COLOR` is set and not empty: no colour unless asked for by flag.
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set and not `0`: colour even where stdout is no terminal.
    pub force_color: bool,
}

impl Environment {
    /// Looks at the process: raises the open-file limit and reads the variables.
    pub fn detect() -> Environment {
        Environment {
            terminals: Terminals::detect(),
            open_files: limits::raise_open_file_limit(),
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            proxy_vars: proxy_vars(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()),
            force_color: std::env::var_os("CLICOLOR_FORCE")
                .is_some_and(|value| !value.is_empty() && value != "0"),
        }
    }
}

/// The variables read, lower case first as curl prefers: the proxy for http URLs,
/// the one for https URLs, the fallback for both, and the hosts to reach directly.
pub const PROXY_VARIABLES: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The proxy variables that are set and not empty, as `(name, value)`.
fn proxy_vars() -> Vec<(&'static str, String)> {
    PROXY_VARIABLES
        .iter()
        .filter_map(|&name| {
            let value = std::env::var(name).ok()?;
            (!value.trim().is_empty()).then(|| (name, value.trim().to_string()))
        })
        .collect()
}
