//! Following redirects: which responses gather follows, where they lead, and which
//! headers must not follow a request to another origin.

use http::header::{AUTHORIZATION, COOKIE, HOST, LOCATION, PROXY_AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::record::Failure;
use crate::targets::redact;

/// A Location quoted in a failure is cut to this many characters.
const LOCATION_SHOWN_MAX: usize = 100;

/// Where a response with `status` and `location` (from [`location`]) sends the
/// request next: `None` if it is not a redirect gather follows (not a redirect
/// status, or no Location), and a failure if it leads somewhere other than http
/// or https or its Location is not a URL.
pub fn next_hop(
    status: StatusCode,
    location: Option<Result<Url, Failure>>,
) -> Option<Result<Url, Failure>> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let next = match location? {
        Ok(next) => next,
        Err(invalid) => return Some(Err(invalid)),
    };
    if !matches!(next.scheme(), "http" | "https") {
        return Some(Err(Failure::RedirectRefused(redact(&next).into_owned())));
    }
    Some(Ok(next))
}

/// The response's Location, resolved against the URL it came from. Bytes outside
/// ASCII (raw UTF-8, say) are percent-encoded, as browsers and curl do.
pub fn location(headers: &HeaderMap, from: &Url) -> Option<Result<Url, Failure>> {
    let raw = headers.get(LOCATION)?.as_bytes();
    let text = percent_encode_non_ascii(raw);
    Some(
        from.join(text.trim())
            .map_err(|_| Failure::RedirectInvalid(shown(raw))),
    )
}

/// True if a redirect leaves the scheme, host or port that credentials were sent
/// to; from then on they are not sent, as browsers, curl and reqwest do.
pub fn leaves_origin(from: &Url, to: &Url) -> bool {
    from.scheme() != to.scheme()
        || from.host_str() != to.host_str()
        || from.port_or_known_default() != to.port_or_known_default()
}

/// Removes the headers that carry credentials or name the first origin.
pub fn strip_credentials(headers: &mut HeaderMap) {
    for name in [
        AUTHORIZATION,
        COOKIE,
        PROXY_AUTHORIZATION,
        WWW_AUTHENTICATE,
        HOST,
    ] {
        headers.remove(name);
    }
}

fn percent_encode_non_ascii(raw: &[u8]) -> String {
    let mut text = String::with_capacity(raw.len());
    for &byte in raw {
        if byte.is_ascii() {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

/// A Location as a failure quotes it: escaped, and shortened if long.
fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut short: String = text.chars().take(LOCATION_SHOWN_MAX).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn redirect(status: u16, raw: &[u8]) -> Option<Result<Url, Failure>> {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_bytes(raw).unwrap());
        let from = Url::parse("http://a.example/dir/page").unwrap();
        next_hop(
            StatusCode::from_u16(status).unwrap(),
            location(&headers, &from),
        )
    }

    #[test]
    fn locations_resolve_against_the_current_url() {
        let next = |location: &str| {
            redirect(302, location.as_bytes())
                .unwrap()
                .unwrap()
                .to_string()
        };
        assert_eq!(next("other"), "http://a.example/dir/other");
        assert_eq!(next("/top"), "http://a.example/top");
        assert_eq!(next("//b.example/x"), "http://b.example/x");
        assert_eq!(next("https://c.example/"), "https://c.example/");
        assert_eq!(next("/café"), "http://a.example/caf%C3%A9");
    }

    #[test]
    fn raw_bytes_are_percent_encoded_and_bad_locations_are_their_own_failure() {
        let latin1 = redirect(301, b"/caf\xe9").unwrap().unwrap();
        assert_eq!(latin1.as_str(), "http://a.example/caf%E9");
        let invalid = redirect(302, b"http://[::1/x").unwrap().unwrap_err();
        assert_eq!(
            invalid,
            Failure::RedirectInvalid("\"http://[::1/x\"".into())
        );
        assert_eq!(invalid.kind(), "redirect_invalid");
        let long = format!("http://exa mple.example/{}", "x".repeat(300));
        match redirect(302, long.as_bytes()).unwrap().unwrap_err() {
            Failure::RedirectInvalid(shown) => assert!(shown.chars().count() < 110, "{shown}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_redirect_statuses_to_http_are_followed() {
        assert!(redirect(200, b"/x").is_none());
        assert!(redirect(304, b"/x").is_none());
        assert!(redirect(300, b"/x").is_none());
        for status in [301, 302, 303, 307, 308] {
            assert!(redirect(status, b"/x").unwrap().is_ok(), "{status}");
        }
        let refused = redirect(301, b"ftp://user:pw@files.example/")
            .unwrap()
            .unwrap_err();
        assert_eq!(
            refused,
            Failure::RedirectRefused("ftp://user:***@files.example/".into())
        );
    }

    #[test]
    fn credentials_stay_with_their_scheme_host_and_port() {
        let url = |text| Url::parse(text).unwrap();
        let from = url("http://a.example/");
        assert!(!leaves_origin(&from, &url("http://a.example:80/x")));
        for elsewhere in [
            "http://b.example/",
            "http://a.example:8080/",
            "https://a.example/",
        ] {
            assert!(leaves_origin(&from, &url(elsewhere)), "{elsewhere}");
        }
        // Same host and port, other scheme: https to http would send them in clear.
        let tls = url("https://a.example:8443/");
        assert!(leaves_origin(&tls, &url("http://a.example:8443/")));
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        headers.insert(COOKIE, HeaderValue::from_static("a=b"));
        headers.insert(HOST, HeaderValue::from_static("a.example"));
        headers.insert("x-trace", HeaderValue::from_static("kept"));
        strip_credentials(&mut headers);
        assert_eq!(headers.keys().collect::<Vec<_>>(), ["x-trace"]);
    }
}
