//! Following redirects: which responses gather follows, where they lead, and which
//! headers must not follow a request to another host.

use http::header::{AUTHORIZATION, COOKIE, LOCATION, PROXY_AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::record::Failure;
use crate::targets::redact;

/// Where a response sends the request next: `None` if it is not a redirect gather
/// follows (or its Location is unusable, so the response stands as it is), and a
/// failure if it leads somewhere other than http or https.
pub fn next_hop(
    status: StatusCode,
    headers: &HeaderMap,
    from: &Url,
) -> Option<Result<Url, Failure>> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = headers.get(LOCATION)?.to_str().ok()?;
    let next = from.join(location).ok()?;
    if !matches!(next.scheme(), "http" | "https") {
        return Some(Err(Failure::RedirectRefused(redact(&next).into_owned())));
    }
    Some(Ok(next))
}

/// True if a redirect leaves the host or port that credentials were sent to;
/// from then on they are not sent, as browsers, curl and reqwest do.
pub fn leaves_origin(from: &Url, to: &Url) -> bool {
    from.host_str() != to.host_str() || from.port_or_known_default() != to.port_or_known_default()
}

/// Removes the headers that carry credentials.
pub fn strip_credentials(headers: &mut HeaderMap) {
    for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, WWW_AUTHENTICATE] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn redirect(status: u16, location: &str) -> Option<Result<Url, Failure>> {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        let from = Url::parse("http://a.example/dir/page").unwrap();
        next_hop(StatusCode::from_u16(status).unwrap(), &headers, &from)
    }

    #[test]
    fn locations_resolve_against_the_current_url() {
        let next = |location| redirect(302, location).unwrap().unwrap().to_string();
        assert_eq!(next("other"), "http://a.example/dir/other");
        assert_eq!(next("/top"), "http://a.example/top");
        assert_eq!(next("//b.example/x"), "http://b.example/x");
        assert_eq!(next("https://c.example/"), "https://c.example/");
    }

    #[test]
    fn only_redirect_statuses_to_http_are_followed() {
        assert!(redirect(200, "/x").is_none());
        assert!(redirect(304, "/x").is_none());
        assert!(redirect(300, "/x").is_none());
        for status in [301, 302, 303, 307, 308] {
            assert!(redirect(status, "/x").unwrap().is_ok(), "{status}");
        }
        let refused = redirect(301, "ftp://user:pw@files.example/")
            .unwrap()
            .unwrap_err();
        assert_eq!(
            refused,
            Failure::RedirectRefused("ftp://user:***@files.example/".into())
        );
    }

    #[test]
    fn credentials_stay_with_their_host_and_port() {
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
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        headers.insert(COOKIE, HeaderValue::from_static("a=b"));
        headers.insert("x-trace", HeaderValue::from_static("kept"));
        strip_credentials(&mut headers);
        assert_eq!(headers.keys().collect::<Vec<_>>(), ["x-trace"]);
    }
}
