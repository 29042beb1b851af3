//! Turning the HTTP stack's errors into failures a person can act on, without the
//! URL (the record already names it, and it may hold a password).

use std::error::Error as StdError;
use std::time::Duration;

use super::client::{ConnectTimedOut, DnsFailed, UnsupportedProxy};
use super::encoding::CorruptBody;
use crate::record::Failure;

/// Classifies an error from sending a request (connecting, or the response head);
/// `connect_timeout` is named in the message so the user knows what to raise.
pub fn request_failure(
    err: &hyper_util::client::legacy::Error,
    connect_timeout: Duration,
) -> Failure {
    if find_in_chain::<ConnectTimedOut>(err).is_some() {
        return Failure::ConnectTimeout(connect_timeout);
    }
    if let Some(dns) = find_in_chain::<DnsFailed>(err) {
        return Failure::Dns(innermost(dns));
    }
    if find_in_chain::<rustls::Error>(err).is_some() {
        return Failure::Tls(describe(err));
    }
    if let Some(proxy) = find_in_chain::<UnsupportedProxy>(err) {
        return Failure::Connect(proxy.to_string());
    }
    if err.is_connect() {
        return Failure::Connect(innermost(err));
    }
    Failure::Request(describe(err))
}

/// Classifies an error while reading the body.
pub fn body_failure(err: &hyper::Error) -> Failure {
    Failure::Body(describe(err))
}

impl From<CorruptBody> for Failure {
    fn from(corrupt: CorruptBody) -> Failure {
        Failure::Body(corrupt.to_string())
    }
}

fn find_in_chain<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current = Some(err);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        // io::Error's source() skips the error it wraps (rustls errors arrive that way).
        if let Some(wrapped) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = find_in_chain::<E>(wrapped) {
                return Some(found);
            }
        }
        current = err.source();
    }
    None
}

/// The causes in the chain, joined like anyhow's `{:#}`, skipping wrappers that
/// only name a category and messages the next cause repeats.
fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(cause) = current {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) && !is_wrapper(&text) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

/// The root cause alone, for errors whose wrappers only restate the category.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(cause) = current.source() {
        current = cause;
    }
    current.to_string()
}

/// Messages from hyper and hyper-util layers that name a category, not a cause.
fn is_wrapper(text: &str) -> bool {
    text.starts_with("client error (")
        || text == "error reading a body from connection"
        || text == "tcp connect error"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Wrapper(#[source] std::io::Error);

    #[test]
    fn descriptions_skip_category_wrappers_and_find_wrapped_causes() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Wrapper(refused);
        assert_eq!(describe(&err), "refused");
        assert_eq!(innermost(&err), "refused");
        let tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::General("bad certificate".into()),
        );
        assert!(find_in_chain::<rustls::Error>(&Wrapper(tls)).is_some());
    }
}
