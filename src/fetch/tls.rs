//! What a TLS connection says about itself: its version and the server
//! certificate's expiry and issuer, read with x509-parser.

use std::time::SystemTime;

use reqwest::tls::{TlsInfo, Version};

/// The TLS facts a record carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFacts {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: Option<&'static str>,
    /// The server certificate's notAfter, as `YYYY-MM-DD` (UTC).
    pub cert_expires: Option<String>,
    /// Whole days from now until then; negative once it has expired.
    pub cert_days_left: Option<i64>,
    /// The common name of the certificate's issuer.
    pub cert_issuer: Option<String>,
}

/// The facts of one connection, as of `now`.
pub fn facts(info: &TlsInfo, now: SystemTime) -> TlsFacts {
    let version = info.version().and_then(|version| match version {
        v if v == Version::TLS_1_3 => Some("TLSv1.3"),
        v if v == Version::TLS_1_2 => Some("TLSv1.2"),
        v if v == Version::TLS_1_1 => Some("TLSv1.1"),
        v if v == Version::TLS_1_0 => Some("TLSv1.0"),
        _ => None,
    });
    let mut facts = TlsFacts {
        version,
        ..TlsFacts::default()
    };
    let Some(der) = info.peer_certificate() else {
        return facts;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return facts;
    };
    let not_after = cert.validity().not_after;
    facts.cert_expires = Some(not_after.to_datetime().date().to_string());
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    facts.cert_days_left = Some((not_after.timestamp() - now).div_euclid(86_400));
    facts.cert_issuer = cert
        .issuer()
        .iter_common_name()
        .next()
        .and_then(|name| name.as_str().ok())
        .map(str::to_string);
    facts
}
