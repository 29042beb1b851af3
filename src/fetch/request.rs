//! What a request carries: gather's default headers with the user's, and the URI
//! with any credentials written in the URL moved into a header.

use anyhow::Context;
use base64::Engine;
use http::header::{ACCEPT, ACCEPT_ENCODING, USER_AGENT};
use http::{HeaderMap, HeaderValue, Uri};
use url::Url;

use super::encoding;
use crate::config::Config;
use crate::record::Failure;
use crate::targets::has_userinfo;

/// The headers every request carries: gather's defaults, then the user's `-H`,
/// which replace a default of the same name.
pub fn request_headers(config: &Config) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    let agent = HeaderValue::from_str(&config.user_agent).with_context(|| {
        format!(
            "--user-agent {:?} is not a valid header value",
            config.user_agent
        )
    })?;
    headers.insert(USER_AGENT, agent);
    headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    headers.insert(
        ACCEPT_ENCODING,
        HeaderValue::from_static(encoding::ACCEPTED),
    );
    for (name, _) in &config.headers {
        headers.remove(name);
    }
    for (name, value) in &config.headers {
        headers.append(name.clone(), value.clone());
    }
    Ok(headers)
}

/// The URI to request, and `Authorization` from credentials written in the URL,
/// which are sent as a header and never as part of the URI.
pub fn request_uri(url: &str) -> Result<(Uri, Option<HeaderValue>), Failure> {
    if !has_userinfo(url) {
        return Ok((Uri::try_from(url).map_err(|err| invalid_url(&err))?, None));
    }
    let mut parsed = Url::parse(url).map_err(|err| invalid_url(&err))?;
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(parsed.username());
    let password = parsed.password().map(decode).unwrap_or_default();
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut credentials =
        HeaderValue::try_from(format!("Basic {token}")).map_err(|err| invalid_url(&err))?;
    credentials.set_sensitive(true);
    // Neither fails on an http(s) URL, which always has a host.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let uri = Uri::try_from(parsed.as_str()).map_err(|err| invalid_url(&err))?;
    Ok((uri, Some(credentials)))
}

/// A URL the HTTP client cannot use, as a record's failure.
pub fn invalid_url(err: &dyn std::fmt::Display) -> Failure {
    Failure::Request(format!("invalid URL: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_uri_for_a_header() {
        let (uri, auth) = request_uri("http://us%20er:p%40ss@a.example:8080/x?q").unwrap();
        assert_eq!(uri.to_string(), "http://a.example:8080/x?q");
        // base64("us er:p@ss")
        assert_eq!(auth.unwrap(), "Basic dXMgZXI6cEBzcw==");
        let (uri, auth) = request_uri("https://a.example/path@not-a-user").unwrap();
        assert_eq!(uri.to_string(), "https://a.example/path@not-a-user");
        assert!(auth.is_none());
    }
}
