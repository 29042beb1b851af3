//! Turning the HTTP stack's errors into failures a person can act on. Each cause
//! is recognised by its type somewhere in the error's source chain (reqwest's,
//! hyper's, rustls', the resolver's, the operating system's), never by its text.
//! Messages leave out the URL (the record names it, and it may hold a password).

use std::error::Error as StdError;
use std::io;
use std::time::{Duration, SystemTime};

use rustls::pki_types::UnixTime;
use rustls::{AlertDescription, CertificateError};
use url::Url;

use super::client::{DnsFailed, IpFamily, MAX_RESPONSE_HEADERS};
use super::coding::Coding;
use super::trust::NoRoots;
use super::Fetcher;
use crate::record::Failure;

impl Fetcher {
    /// Classifies an error from sending a request to `url` through this fetcher's
    /// clients (resolving, connecting, TLS, or the response head); the message may
    /// name the proxy the request went through and the `--connect-timeout`.
    pub(super) fn request_failure(&self, err: &reqwest::Error, url: &Url) -> Failure {
        let proxy = self.connections.proxies.describe_for(url);
        if let Some(dns) = find_in_chain::<DnsFailed>(err) {
            let through = match &proxy {
                Some(proxy) if Some(dns.host.as_str()) != url.host_str() => {
                    format!(" ({proxy})")
                }
                _ => String::new(),
            };
            let family = match dns.wrong_family {
                Some(IpFamily::V4) => ": it has no IPv4 address (-4)",
                Some(IpFamily::V6) => ": it has no IPv6 address (-6)",
                None => "",
            };
            return Failure::Dns(format!("{}{family}{through}", dns.host));
        }
        if err.is_connect() && err.is_timeout() {
            return Failure::ConnectTimeout(self.connections.connect_timeout);
        }
        if let Some(tls) = find_in_chain::<rustls::Error>(err) {
            // An http URL has no TLS of its own: through a proxy, the TLS that
            // failed is the proxy's.
            let whose = match &proxy {
                Some(proxy) if url.scheme() == "http" => proxy.clone(),
                _ => host_of(url),
            };
            return Failure::Tls(tls_message(tls, &whose));
        }
        if err.is_connect() {
            let cause = io_cause(err).map_or_else(|| describe(err), plain_io);
            return Failure::Connect(match &proxy {
                Some(proxy) => format!("{proxy}: {cause}"),
                None => format!("{}: {cause}", address_of(url)),
            });
        }
        if let Some(hyper) = find_in_chain::<hyper::Error>(err) {
            if hyper.is_parse_too_large() {
                return Failure::Request(format!(
                    "the response's headers are too large (more than {MAX_RESPONSE_HEADERS} \
                     lines, or too long): the server may be flooding headers"
                ));
            }
            if hyper.is_parse() {
                return Failure::Request(format!(
                    "the server's answer is not HTTP ({})",
                    describe(hyper)
                ));
            }
            // A connection that closed under a request waiting for it (an HTTP/2
            // connection the server ended, say) is cancelled, not answered.
            if hyper.is_incomplete_message() || hyper.is_canceled() {
                return Failure::Closed(String::new());
            }
        }
        // An HTTP/2 connection that failed under the request (a TLS alert after the
        // handshake, say): h2 keeps only the kind and text of its io::Error.
        if let Some(io) = find_in_chain::<h2::Error>(err).and_then(h2::Error::get_io) {
            return Failure::Closed(format!(" ({})", plain_io(io)));
        }
        if let Some(io) = io_cause(err) {
            if matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            ) {
                return Failure::Closed(format!(" ({})", plain_io(io)));
            }
        }
        Failure::Request(describe(err))
    }
}

/// Classifies an error while reading the body, decoding included.
pub fn body_failure(err: &reqwest::Error) -> Failure {
    if err.is_decode() || find_in_chain::<hyper::Error>(err).is_none() {
        if let Some(io) = io_cause(err) {
            if io.kind() == io::ErrorKind::UnexpectedEof {
                return Failure::Body(
                    "the body ended before its compressed stream did".to_string(),
                );
            }
        }
    }
    if let Some(hyper) = find_in_chain::<hyper::Error>(err) {
        if hyper.is_incomplete_message() {
            return Failure::Body("the connection closed before the body was complete".into());
        }
    }
    if let Some(io) = io_cause(err) {
        return Failure::Body(plain_io(io));
    }
    Failure::Body(describe(err))
}

/// Classifies an error while inflating a body: the transport's own error, or
/// one in the compressed data.
pub fn inflate_failure(err: &io::Error, coding: Coding) -> Failure {
    if let Some(transport) = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
    {
        return body_failure(transport);
    }
    if err.kind() == io::ErrorKind::UnexpectedEof {
        return Failure::Body("the body ended before its compressed stream did".to_string());
    }
    Failure::Body(format!("the body is not valid {}: {err}", coding.name()))
}

/// A rustls error as curl would put it: the cause, and the way out.
fn tls_message(err: &rustls::Error, host: &str) -> String {
    let escape = "(use --cacert FILE to trust its CA, or --insecure)";
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => format!(
                "the certificate of {host} is not trusted: it is self-signed or its issuer \
                 is unknown {escape}"
            ),
            CertificateError::Expired => format!("the certificate of {host} has expired"),
            CertificateError::ExpiredContext { time, not_after } => format!(
                "the certificate of {host} expired on {} ({} ago)",
                date(*not_after),
                days_between(*not_after, *time)
            ),
            CertificateError::NotValidYet => {
                format!("the certificate of {host} is not valid yet (check the clock)")
            }
            CertificateError::NotValidYetContext { time, not_before } => format!(
                "the certificate of {host} is not valid until {} (in {}; check the clock)",
                date(*not_before),
                days_between(*time, *not_before)
            ),
            CertificateError::NotValidForName => {
                format!("the certificate is not valid for {host}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<&str> = presented.iter().filter_map(|n| name_in(n)).collect();
                if names.is_empty() {
                    format!("the certificate is not valid for {host}")
                } else {
                    format!("the certificate is for {}, not {host}", names.join(", "))
                }
            }
            CertificateError::Revoked => format!("the certificate of {host} has been revoked"),
            CertificateError::BadSignature => {
                format!("the certificate of {host} has a bad signature")
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                format!("the certificate of {host} is not meant for a TLS server")
            }
            CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::CaUsedAsEndEntity) => format!(
                    "the certificate of {host} is a CA certificate, not a server certificate \
                     (a self-signed test certificate? use --insecure, or serve a certificate \
                     that CA signed and pass the CA with --cacert FILE)"
                ),
                _ => format!(
                    "the certificate of {host} was rejected as malformed or unsupported {escape}"
                ),
            },
            _ => format!("the certificate of {host} was rejected {escape}"),
        },
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::PeerSentOversizedRecord => {
            "the server did not answer with TLS on this port (is it plain http://?)".to_string()
        }
        rustls::Error::AlertReceived(alert) => alert_message(*alert),
        rustls::Error::PeerIncompatible(_) => {
            "the server and gather have no TLS version or cipher suite in common".to_string()
        }
        rustls::Error::NoCertificatesPresented => {
            format!("{host} presented no certificate")
        }
        rustls::Error::Other(other) if other.0.is::<NoRoots>() => other.0.to_string(),
        other => other.to_string(),
    }
}

/// The name in one of webpki's "presented" entries, which it writes as
/// `DnsName("a.example")` or `IpAddress(192.0.2.1)`; other kinds of name (URIs,
/// directory names) are left out.
fn name_in(presented: &str) -> Option<&str> {
    if let Some(dns) = presented.strip_prefix("DnsName(\"") {
        return dns.strip_suffix("\")");
    }
    presented.strip_prefix("IpAddress(")?.strip_suffix(')')
}

fn alert_message(alert: AlertDescription) -> String {
    let what = match alert {
        AlertDescription::CertificateRequired | AlertDescription::BadCertificate => {
            "the server requires a client certificate, or refused the one sent"
        }
        AlertDescription::HandshakeFailure => {
            "the server refused the handshake (no common cipher suite or protocol)"
        }
        AlertDescription::ProtocolVersion => {
            "the server does not speak a TLS version gather offers"
        }
        AlertDescription::UnrecognisedName => "the server does not serve this host name",
        AlertDescription::UnknownCA => "the server does not trust the client certificate's CA",
        _ => "the server ended the handshake with an alert",
    };
    what.to_string()
}

fn date(time: UnixTime) -> String {
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(time.as_secs());
    httpdate::fmt_http_date(when)
}

/// The whole days from `earlier` to `later`, as "N days".
fn days_between(earlier: UnixTime, later: UnixTime) -> String {
    let days = later.as_secs().saturating_sub(earlier.as_secs()) / 86_400;
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_string()
}

/// `host:port` of a URL, with the scheme's port when it names none.
fn address_of(url: &Url) -> String {
    let port = url.port_or_known_default().unwrap_or_default();
    match url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]:{port}"),
        _ => format!("{}:{port}", host_of(url)),
    }
}

/// An operating-system error in plain words: "connection refused", not
/// "Connection refused (os error 111)".
fn plain_io(err: &io::Error) -> String {
    if err.raw_os_error().is_some() && err.kind() != io::ErrorKind::Other {
        let words = err.kind().to_string();
        if words != "uncategorized error" {
            return words;
        }
    }
    err.to_string()
}

fn io_cause<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a io::Error> {
    find_in_chain::<io::Error>(err)
}

fn find_in_chain<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        // io::Error's source() skips the error it wraps (rustls errors arrive that
        // way), and h2's error keeps its connection's io::Error out of the chain.
        let io = err
            .downcast_ref::<io::Error>()
            .or_else(|| err.downcast_ref::<h2::Error>().and_then(h2::Error::get_io));
        if let Some(io) = io {
            if !std::ptr::eq(io as &(dyn StdError + 'static), err) {
                if let Some(found) = find_in_chain::<E>(io) {
                    return Some(found);
                }
            }
            if let Some(wrapped) = io.get_ref() {
                if let Some(found) = find_in_chain::<E>(wrapped) {
                    return Some(found);
                }
            }
        }
        current = err.source();
    }
    None
}

/// The causes below reqwest's own generic message, joined like anyhow's `{:#}`,
/// skipping messages the next cause repeats.
fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = err.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    #[test]
    fn tls_messages_name_the_cause_and_the_way_out() {
        let cert = |err| tls_message(&rustls::Error::InvalidCertificate(err), "a.example");
        let unknown = cert(CertificateError::UnknownIssuer);
        assert!(
            unknown.contains("--cacert FILE") && unknown.contains("--insecure"),
            "{unknown}"
        );
        let expired = cert(CertificateError::ExpiredContext {
            time: at(1_700_000_000 + 3 * 86_400),
            not_after: at(1_700_000_000),
        });
        assert_eq!(
            expired,
            "the certificate of a.example expired on Tue, 14 Nov 2023 22:13:20 GMT (3 days ago)"
        );
        let name = cert(CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("a.example").unwrap(),
            presented: vec![
                "DnsName(\"b.example\")".into(),
                "IpAddress(192.0.2.1)".into(),
                "UniformResourceIdentifier(\"spiffe://x\")".into(),
            ],
        });
        assert_eq!(
            name,
            "the certificate is for b.example, 192.0.2.1, not a.example"
        );
        let plain = tls_message(
            &rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            "a.example",
        );
        assert!(
            plain.contains("did not answer with TLS on this port"),
            "{plain}"
        );
    }

    #[test]
    fn os_errors_read_as_words() {
        let refused = io::Error::from_raw_os_error(111);
        assert_eq!(plain_io(&refused), "connection refused");
        let custom = io::Error::other("proxy said no");
        assert_eq!(plain_io(&custom), "proxy said no");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("wrapper")]
    struct Wrapper(#[source] io::Error);

    #[test]
    fn causes_are_found_through_io_errors() {
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::General("bad certificate".into()),
        );
        assert!(find_in_chain::<rustls::Error>(&Wrapper(tls)).is_some());
    }
}
