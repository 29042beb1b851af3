//! One exchange: the request and its redirects, one hop at a time (each hop's
//! headers and each failure's context are gather's), then the status and header
//! checks and the prefix of the final response.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::{AUTHORIZATION, CONNECTION};
use http::{HeaderMap, HeaderValue};
use reqwest::Response;
use tokio::time::Instant;
use url::Url;

use super::body::{drain, Body};
use super::retry::retry_after;
use super::{redirect, timing, tls, Applied, Attempt, Fetcher};
use crate::record::{Connection, Failure};
use crate::rules::Rules;
use crate::targets::{redact, Target};

impl Fetcher {
    /// The request and its redirects, then the prefix of the final response;
    /// gives back the text and the body, which may still have more.
    pub(super) async fn exchange(
        &self,
        target: &Target<'_>,
        applied: &Applied<'_>,
        learned: &mut Attempt,
    ) -> Result<(String, Body), Failure> {
        let rules = &applied.rules;
        // Parsed once, when the list was read; owned only after a redirect.
        let mut url: Cow<'_, Url> = match target.parsed {
            Some(url) => Cow::Borrowed(url),
            None => Cow::Owned(Url::parse(target.url).map_err(|err| invalid_url(&err))?),
        };
        // Credentials written in the URL, as reqwest turned them into a header.
        let mut url_credentials: Option<HeaderValue> = None;
        // Whether a redirect has left the origin the credentials were for.
        let mut left_origin = false;
        let mut hops = 0;
        let response = loop {
            let headers = hop_headers(
                &applied.headers,
                url_credentials.as_ref(),
                target,
                left_origin,
            );
            let client = self.client_for(&url).map_err(|failure| {
                if hops > 0 {
                    redirected_from(failure, &target.display_url())
                } else {
                    failure
                }
            })?;
            let mut request = client
                .get(url.as_ref().clone())
                .build()
                .map_err(|err| invalid_url(&err))?;
            // The builder's only header is the Authorization reqwest makes of
            // credentials in the URL; ours replace it by name, as the builder's
            // `headers` would, without its merge, which cost more than the rest of
            // building the request.
            let from_url = request.headers_mut().remove(AUTHORIZATION);
            let explicit = headers.contains_key(AUTHORIZATION);
            *request.headers_mut() = headers;
            if let (Some(credentials), false) = (from_url, explicit) {
                request.headers_mut().insert(AUTHORIZATION, credentials);
            }
            if hops == 0 && applied.headers.get(AUTHORIZATION).is_none() {
                url_credentials = request.headers().get(AUTHORIZATION).cloned();
            }
            // The phases and the time to the headers are only shown by the formats
            // that ask for them; the task-local and the clock cost every request.
            let sent = self.time_connections.then(Instant::now);
            let (result, phases) = if self.time_connections {
                timing::timed(client.execute(request)).await
            } else {
                (client.execute(request).await, timing::Phases::default())
            };
            let response = match result {
                Ok(response) => {
                    let to_headers = sent.map(|sent| sent.elapsed());
                    learned.connection = connection_of(&response, phases, to_headers);
                    response
                }
                Err(err) => {
                    let failure = self.request_failure(&err, &url);
                    learned.cause = Some(Arc::new(err));
                    return Err(if hops > 0 {
                        redirected_from(failure, &target.display_url())
                    } else {
                        failure
                    });
                }
            };
            learned.status = Some(response.status().as_u16());
            let location = redirect::location(response.headers(), &url);
            learned.location = location.as_ref().map(|location| match location {
                Ok(url) => redact(url).into_owned(),
                Err(invalid) => invalid.to_string(),
            });
            if rules.max_redirects == 0 {
                break response;
            }
            let next = match redirect::next_hop(response.status(), location) {
                None => break response,
                Some(Err(refused)) => return Err(refused),
                Some(Ok(next)) => next,
            };
            hops += 1;
            if hops > rules.max_redirects {
                return Err(Failure::TooManyRedirects(rules.max_redirects));
            }
            left_origin |= redirect::leaves_origin(&url, &next);
            drain(response).await;
            learned.final_url = Some(next.clone()).filter(|next| next.as_str() != target.url);
            url = Cow::Owned(next);
        };
        let status = response.status().as_u16();
        if !rules.accept.contains(status) {
            learned.retry_after = retry_after(response.headers());
            let failure = Failure::Status {
                status,
                accepted: rules.accept.to_string(),
            };
            return Err(self.failing(response, rules, learned, failure).await);
        }
        if let Err(why) = rules.header_checks.verify(response.headers()) {
            return Err(self
                .failing(response, rules, learned, Failure::Header(why))
                .await);
        }
        self.read_prefix(response, rules, learned).await
    }

    /// `failure`, with the prefix of the page that failed kept in the record:
    /// what the page said is the first question when a check goes red, as
    /// curl's --fail-with-body shows it.
    async fn failing(
        &self,
        response: Response,
        rules: &Rules,
        learned: &mut Attempt,
        failure: Failure,
    ) -> Failure {
        if let Ok((text, _)) = self.read_prefix(response, rules, learned).await {
            learned.failed_text = Some(text);
        }
        failure
    }
}

/// The headers for one request of an exchange: the shared ones, the URL's
/// credentials until a redirect leaves their origin (then all credentials and
/// any Host go), and `Connection: close` when no later URL needs the connection.
fn hop_headers(
    shared: &HeaderMap,
    url_credentials: Option<&HeaderValue>,
    target: &Target<'_>,
    left_origin: bool,
) -> HeaderMap {
    let mut headers = shared.clone();
    if left_origin {
        redirect::strip_credentials(&mut headers);
    } else if let Some(credentials) = url_credentials {
        headers.insert(AUTHORIZATION, credentials.clone());
    }
    if !target.origin_recurs {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    headers
}

/// How `response` arrived, with the phases its request's task went through and
/// the time from sending to its headers.
fn connection_of(
    response: &Response,
    phases: timing::Phases,
    to_headers: Option<Duration>,
) -> Connection {
    let http_version = match response.version() {
        http::Version::HTTP_2 => Some("HTTP/2"),
        http::Version::HTTP_11 => Some("HTTP/1.1"),
        http::Version::HTTP_10 => Some("HTTP/1.0"),
        http::Version::HTTP_3 => Some("HTTP/3"),
        _ => None,
    };
    let facts = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .map(|info| tls::facts(info, SystemTime::now()))
        .unwrap_or_default();
    // The connector's time includes the name lookup; each phase is its own here.
    let connect = phases
        .connect
        .map(|connect| connect.saturating_sub(phases.dns.unwrap_or_default()));
    let setup = phases.connect.unwrap_or_default();
    Connection {
        http_version,
        remote_addr: response.remote_addr(),
        tls_version: facts.version,
        cert_expires: facts.cert_expires,
        cert_days_left: facts.cert_days_left,
        cert_issuer: facts.cert_issuer,
        dns: phases.dns.filter(|_| phases.connect.is_some()),
        connect,
        ttfb: to_headers.map(|to_headers| to_headers.saturating_sub(setup)),
    }
}

/// A failure on a hop after a redirect says where the chain began (`first`, with
/// any password masked).
fn redirected_from(failure: Failure, first: &str) -> Failure {
    let note = |text: String| format!("{text} (redirected from {first})");
    match failure {
        Failure::Dns(text) => Failure::Dns(note(text)),
        Failure::Connect(text) => Failure::Connect(note(text)),
        Failure::Tls(text) => Failure::Tls(note(text)),
        Failure::Request(text) => Failure::Request(note(text)),
        other => other,
    }
}

/// A URL the HTTP client cannot use, as a record's failure.
fn invalid_url(err: &dyn std::fmt::Display) -> Failure {
    Failure::Request(format!("invalid URL: {err}"))
}
