//! The one test harness: a builder that runs the gather binary in an isolated
//! environment and returns its exit code, records and stderr; list files that
//! clean up after themselves; and the processes a test reads from while they run.
//! Servers live in `routes` (a test's own routes) and `raw` (hostile answers).
#![allow(dead_code)]

pub mod raw;
pub mod routes;

use std::ffi::OsStr;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

/// No single gather run in the tests may take longer than this; a hang fails the test.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A gather command: the binary with an empty environment, so proxies and the like
/// from the developer's shell cannot change what a test sees.
pub struct Gather {
    cmd: assert_cmd::Command,
}

/// Starts a gather command.
pub fn gather() -> Gather {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_gather"));
    cmd.env_clear().timeout(RUN_LIMIT);
    Gather { cmd }
}

impl Gather {
    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Gather {
        self.cmd.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args(mut self, args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Gather {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Gather {
        self.cmd.env(name, value);
        self
    }

    /// Feeds `input` on stdin.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Gather {
        self.cmd.write_stdin(input);
        self
    }

    /// Runs it; stderr must never show a panic.
    pub fn run(mut self) -> Run {
        let output = self.cmd.output().expect("run gather");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run
    }

    /// Runs it with `--format jsonl` and `-q`, the form most tests read.
    pub fn jsonl(self) -> Run {
        self.args(["--format", "jsonl", "-q"]).run()
    }
}

/// What a run of gather left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit code, or `None` if a signal ended it.
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl Run {
    /// The records on stdout, which must be JSON Lines.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"))
            })
            .collect()
    }

    /// The `url` of each record.
    pub fn urls(&self) -> Vec<String> {
        self.records()
            .iter()
            .map(|r| r["url"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// The `error` of a record, or "".
pub fn error_of(record: &serde_json::Value) -> &str {
    record["error"].as_str().unwrap_or_default()
}

/// Whether `condition` holds within ten seconds, checked every 100 ms: for what
/// a server sees happen in another process, on a machine that may be slow.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        condition()
    })
}

/// A list file holding `text`, deleted when dropped.
pub fn list_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .prefix("gather-list-")
        .suffix(".txt")
        .tempfile()
        .expect("a temporary list file");
    file.write_all(text.as_bytes()).expect("write the list");
    file
}

/// The file's path as gather prints it.
pub fn shown(file: &tempfile::NamedTempFile) -> String {
    file.path().display().to_string()
}

/// The same binary as a std command with piped stdout and stderr, for tests that
/// read output while gather runs or send it signals.
pub fn gather_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gather"));
    cmd.env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A gather process that a test reads from while it runs; a watchdog kills it
/// after [`RUN_LIMIT`] so a hang fails the test instead of blocking it.
pub struct Running {
    pub child: std::process::Child,
    pub stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Running {
    /// Starts `cmd` (from [`gather_process`]).
    pub fn start(mut cmd: std::process::Command) -> Running {
        let mut child = cmd.spawn().expect("start gather");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let pid = child.id();
        std::thread::spawn(move || {
            std::thread::sleep(RUN_LIMIT);
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        });
        Running { child, stdout }
    }

    /// Reads stdout lines until one contains `needle`; returns everything read.
    pub fn read_until(&mut self, needle: &str) -> String {
        use std::io::BufRead;
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).expect("read stdout");
            assert!(read > 0, "stdout ended before {needle:?}; got {seen:?}");
            seen.push_str(&line);
            if line.contains(needle) {
                return seen;
            }
        }
    }

    /// Sends a signal by name (`INT`, `TERM`).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for exit; returns the exit code, the rest of stdout, and stderr.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        use std::io::Read;
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        let status = self.child.wait().expect("wait for gather");
        (status.code(), rest, stderr)
    }
}

/// Runs gather with stdin, stdout and stderr on a pseudo-terminal, as a person at a
/// terminal would, and returns everything the terminal showed.
pub fn on_terminal(args: &str) -> String {
    on_terminal_with(args, &[])
}

/// The same, on a terminal `columns` wide.
pub fn on_terminal_narrow(args: &str, columns: u16) -> String {
    let command = format!(
        "stty cols {columns} rows 40; {} {args}",
        env!("CARGO_BIN_EXE_gather")
    );
    run_on_terminal(&command, &[])
}

/// A shell command line run on a pseudo-terminal, as [`on_terminal`] runs gather.
pub fn on_terminal_command(command: &str) -> String {
    run_on_terminal(command, &[])
}

/// The same, with these environment variables set.
pub fn on_terminal_with(args: &str, env: &[(&str, &str)]) -> String {
    run_on_terminal(&format!("{} {args}", env!("CARGO_BIN_EXE_gather")), env)
}

fn run_on_terminal(command: &str, env: &[(&str, &str)]) -> String {
    let output = std::process::Command::new("script")
        .args(["-q", "-e", "-c", command, "/dev/null"])
        .env_clear()
        .env("TERM", "xterm-256color")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux runs a command on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Text output with each header's time (`· 43 ms`, `· 1.20 s`) written as
/// `· T`, so a test can compare it whole.
pub fn steady(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("· ") {
        let (before, after) = rest.split_at(at + "· ".len());
        out.push_str(before);
        let number = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let unit = [" ms", " s"]
            .iter()
            .find(|unit| after[number..].starts_with(**unit));
        match unit {
            Some(unit) if number > 0 => {
                out.push('T');
                rest = &after[number + unit.len()..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}
