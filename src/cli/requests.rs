//! The flags of the Requests and Politeness headings: how each request is sent,
//! and how many go at once.

use std::path::PathBuf;

use clap::Args;

use super::values::{seconds, HeaderArg, ResolveArg};
use super::{
    DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_SECS,
    DEFAULT_USER_AGENT,
};

/// How each request is sent.
#[derive(Debug, Args)]
#[command(next_help_heading = "Requests")]
pub struct RequestFlags {
    /// Time limit per request, body included (30, 500ms, 2s, 1m)
    ///
    /// From connecting to the last byte read: seconds, or a number with a unit.
    #[arg(short = 't', long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS,
          allow_negative_numbers = true, value_parser = seconds)]
    pub timeout: f64,

    /// Time limit for establishing a connection (TCP and TLS): seconds, or with a unit.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_CONNECT_TIMEOUT_SECS,
          allow_negative_numbers = true, value_parser = seconds, hide_short_help = true)]
    pub connect_timeout: f64,

    /// Follow at most this many redirects (only to http and https). With 0, a redirect
    /// is the response itself, checked against --accept (e.g. `--accept 301`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_REDIRECTS, hide_short_help = true)]
    pub max_redirects: usize,

    /// Send this header with every request; 'Name:' removes one
    ///
    /// E.g. `-H 'Authorization: Bearer TOKEN'`; `-H 'Name:'` removes a header gather
    /// would send. Repeatable. Authorization, Cookie and Host are dropped when a
    /// redirect changes scheme, host or port.
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<HeaderArg>,

    /// The User-Agent header.
    #[arg(short = 'A', long, value_name = "UA", default_value = DEFAULT_USER_AGENT, hide_short_help = true)]
    pub user_agent: String,

    /// Do not verify TLS certificates (for self-signed test servers). Prints a warning.
    #[arg(long, hide_short_help = true)]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file, in addition to the system's roots
    /// (SSL_CERT_FILE and SSL_CERT_DIR replace those instead).
    #[arg(long, value_name = "FILE", hide_short_help = true)]
    pub cacert: Option<PathBuf>,

    /// Send this client certificate (PEM) for mutual TLS; its key comes from --key,
    /// or from the same file.
    #[arg(long, value_name = "FILE", hide_short_help = true)]
    pub cert: Option<PathBuf>,

    /// The private key (PEM) of the --cert client certificate.
    #[arg(long, value_name = "FILE", requires = "cert", hide_short_help = true)]
    pub key: Option<PathBuf>,

    /// Connect to ADDR for HOST:PORT, as curl does: the Host header, SNI and the
    /// certificate check still use HOST. Repeatable; ADDR may be a comma-separated
    /// list, and an IPv6 address goes in brackets.
    #[arg(long, value_name = "HOST:PORT:ADDR", hide_short_help = true)]
    pub resolve: Vec<ResolveArg>,

    /// Use IPv4 addresses only.
    #[arg(short = '4', long, conflicts_with = "ipv6", hide_short_help = true)]
    pub ipv4: bool,

    /// Use IPv6 addresses only.
    #[arg(short = '6', long, hide_short_help = true)]
    pub ipv6: bool,
}

/// How many requests go at once, and for how long.
#[derive(Debug, Args)]
#[command(next_help_heading = "Politeness")]
pub struct PolitenessFlags {
    /// At most J requests in flight at once.
    #[arg(short = 'j', long, value_name = "J", default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,

    /// At most N requests in flight to any one host.
    #[arg(long, value_name = "N", hide_short_help = true)]
    pub per_host: Option<usize>,

    /// Open connections to a new https server in parallel, at once
    ///
    /// By default the first request to an https server goes alone, and the others wait
    /// until it is done: if the server speaks HTTP/2, they all share its one connection
    /// (one TLS handshake instead of one per request); if not, they open more. This flag
    /// starts them together instead, as curl's --parallel-immediate does.
    #[arg(long, hide_short_help = true)]
    pub parallel_immediate: bool,

    /// Start at most R requests per second, overall (retries included; fractions allowed).
    #[arg(long, value_name = "R", hide_short_help = true)]
    pub rate: Option<f64>,

    /// Time limit for the whole run (seconds, or with a unit: 90s, 5m): what is left
    /// then is cancelled and reported as failed with reason "deadline".
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = seconds, hide_short_help = true)]
    pub deadline: Option<f64>,
}
