//! The body of an accepted response: only as much is read and decoded as the
//! prefix, the `--expect` texts and the title need, then a small remainder is
//! drained so the connection can serve the next request.

use std::sync::Arc;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::HeaderValue;
use reqwest::Response;

use super::failure::body_failure;
use super::{Attempt, Fetcher};
use crate::decode::{Declared, PrefixDecoder};
use crate::record::Failure;

/// After the prefix, read at most this much more so the connection can be reused;
/// a larger remainder is cheaper to abandon with the connection.
const DRAIN_MAX_BYTES: u64 = 64 * 1024;
/// And spend at most this long doing it, so a slow server cannot hold a record back.
const DRAIN_MAX_TIME: Duration = Duration::from_millis(100);
impl Fetcher {
    /// Reads and decodes only as much of the body as the prefix needs.
    pub(super) async fn read_prefix(
        &self,
        mut response: Response,
        learned: &mut Attempt,
    ) -> Result<(String, Response), Failure> {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(HeaderValue::as_bytes);
        let declared = Declared::new(content_type, response.url().host_str());
        let mut decoder = PrefixDecoder::new(declared, self.chars)
            .expecting(&self.expect)
            .with_title(self.title);
        let mut ended = false;
        while !decoder.is_done() && learned.bytes < self.max_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room =
                        usize::try_from(self.max_bytes - learned.bytes).unwrap_or(usize::MAX);
                    let usable = &chunk[..chunk.len().min(room)];
                    learned.bytes += usable.len() as u64;
                    decoder.feed(usable);
                }
                Ok(None) => {
                    ended = true;
                    break;
                }
                // What arrived before the break may hold all that was asked for.
                Err(_) if decoder.settle() => break,
                Err(err) => {
                    let failure = body_failure(&err);
                    learned.cause = Some(Arc::new(err));
                    return Err(failure);
                }
            }
        }
        let decoded = decoder.finish(ended);
        learned.charset = decoded.charset.map(|encoding| encoding.name());
        learned.charset_source = decoded.source;
        learned.title = decoded.title;
        if !decoded.missing.is_empty() {
            learned.failed_text = Some(decoded.text);
            return Err(Failure::Expect {
                missing: decoded.missing,
                searched: learned.bytes,
                whole_body: ended,
            });
        }
        if let (Some(min_days), Some(days_left)) =
            (self.min_cert_days, learned.connection.cert_days_left)
        {
            if days_left < i64::from(min_days) {
                learned.failed_text = Some(decoded.text);
                return Err(Failure::CertExpiry {
                    expires: learned.connection.cert_expires.clone().unwrap_or_default(),
                    days_left,
                    min_days,
                });
            }
        }
        Ok((decoded.text, response))
    }
}

/// Reads a small remainder of the body so the connection returns to the pool.
pub(super) async fn drain(mut response: Response) {
    if response
        .content_length()
        .is_some_and(|length| length > DRAIN_MAX_BYTES)
    {
        return;
    }
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
        let mut read = 0u64;
        while let Ok(Some(chunk)) = response.chunk().await {
            read += chunk.len() as u64;
            if read > DRAIN_MAX_BYTES {
                break;
            }
        }
    })
    .await;
}
