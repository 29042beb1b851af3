//! Shared helpers for the integration tests: the server and the command builder.
#![allow(dead_code)]

pub mod routes;
pub mod server;

use std::process::Stdio;
use std::time::Duration;

// Not every test binary uses the server.
#[allow(unused_imports)]
pub use server::server;

/// No single gather run in the tests may take longer than this; a hang fails the test.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The gather binary with an empty environment, so proxies and the like from the
/// developer's shell cannot change what a test sees.
pub fn gather() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_gather"));
    cmd.env_clear().timeout(RUN_LIMIT);
    cmd
}

/// The same, as a std command with piped stdout and stderr, for tests that read
/// output while gather runs or send it signals.
pub fn gather_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gather"));
    cmd.env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Parses JSON Lines output.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"))
        })
        .collect()
}

/// The `url` field of each record.
pub fn urls(records: &[serde_json::Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["url"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A small deterministic pseudo-random sequence (xorshift), so a failing seed can be replayed.
pub struct Rng(pub u64);

impl Rng {
    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// A seed from the clock, printed so a failure can be reproduced.
pub fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let seed = nanos | 1;
    eprintln!("random seed: {seed}");
    seed
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
    let output = std::process::Command::new("script")
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{} {args}", env!("CARGO_BIN_EXE_gather")),
            "/dev/null",
        ])
        .env_clear()
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux runs a command on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
