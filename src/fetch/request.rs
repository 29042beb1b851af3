//! What a request carries: gather's own headers with the user's `-H` applied.

use http::header::{HeaderName, ACCEPT_ENCODING, USER_AGENT};
use http::{HeaderMap, HeaderValue};

use super::coding;

/// The headers every request carries: the User-Agent and the codings gather
/// undoes, then the user's `-H`, which replace a header of the same name, or
/// remove it when given without a value. reqwest adds `Accept: */*` when a
/// request has none; a `-H` of that name replaces it.
pub fn request_headers(
    user_agent: &HeaderValue,
    user: &[(HeaderName, Option<HeaderValue>)],
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, user_agent.clone());
    headers.insert(ACCEPT_ENCODING, coding::ACCEPT_ENCODING);
    for (name, _) in user {
        headers.remove(name);
    }
    for (name, value) in user {
        if let Some(value) = value {
            headers.append(name.clone(), value.clone());
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use http::header::AUTHORIZATION;

    use super::*;

    #[test]
    fn user_headers_replace_add_and_remove() {
        let agent = HeaderValue::from_static("gather/test");
        let headers = request_headers(&agent, &[]);
        assert_eq!(headers[USER_AGENT], "gather/test");
        let user = [
            (USER_AGENT, Some(HeaderValue::from_static("mine"))),
            (AUTHORIZATION, Some(HeaderValue::from_static("Bearer x"))),
            (
                HeaderName::from_static("x-a"),
                Some(HeaderValue::from_static("1")),
            ),
            (
                HeaderName::from_static("x-a"),
                Some(HeaderValue::from_static("2")),
            ),
        ];
        let headers = request_headers(&agent, &user);
        assert_eq!(headers[USER_AGENT], "mine");
        assert_eq!(headers.get_all("x-a").iter().count(), 2);
        assert_eq!(headers[ACCEPT_ENCODING], coding::ACCEPT_ENCODING);
        let headers = request_headers(&agent, &[(USER_AGENT, None), (ACCEPT_ENCODING, None)]);
        assert!(headers.get(USER_AGENT).is_none());
        assert!(headers.get(ACCEPT_ENCODING).is_none());
    }
}
