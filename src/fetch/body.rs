//! The body of an accepted response: only as much is read and decoded as the
//! prefix, the `--expect` texts and the title need, then a small remainder is
//! drained so the connection can serve the next request.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use http::HeaderValue;
use reqwest::Response;

use super::coding::{Coding, Inflater};
use super::failure::{body_failure, inflate_failure};
use super::{Attempt, Fetcher};
use crate::decode::{Declared, PrefixDecoder};
use crate::record::{Cause, Failure};
use crate::rules::Rules;

/// After the prefix, read at most this much more so the connection can be reused;
/// a larger remainder is cheaper to abandon with the connection.
const DRAIN_MAX_BYTES: u64 = 64 * 1024;
/// And spend at most this long doing it, so a slow server cannot hold a record back.
const DRAIN_MAX_TIME: Duration = Duration::from_millis(100);
/// A compressed body's first read inflates about this many bytes a character
/// asked for (UTF-8 takes at most four), rounded up to a power of two and at
/// least [`INFLATE_FIRST_MIN`]; each later read inflates as much as all before
/// it, so the total doubles and meets the decoder's power-of-two marks (the
/// charset prescan's 1 KiB, the guess's 64 KiB) exactly, up to reads of
/// [`INFLATE_STEP_MAX`].
const INFLATE_BYTES_PER_CHAR: usize = 4;
const INFLATE_FIRST_MIN: usize = 256;
const INFLATE_STEP_MAX: usize = 64 * 1024;

/// A response's body, undone of its content coding as it is read.
pub(super) enum Body {
    /// No coding: the chunks as they arrive.
    Plain(Response),
    /// Compressed, with the `Content-Length` of the compressed body.
    Coded {
        /// Boxed: the decoders are large, and every fetch's future would carry them.
        inflater: Box<Inflater>,
        wire_length: Option<u64>,
        /// Bytes inflated so far.
        inflated: usize,
        first_read: usize,
    },
}

impl Body {
    /// The body of `response`, to read `chars` characters of; a coding gather
    /// cannot undo is a failure, since its bytes are not text.
    pub(super) fn of(response: Response, chars: usize) -> Result<Body, Failure> {
        let coding = match response.headers().get(CONTENT_ENCODING) {
            // An empty body is empty in any coding (servers label 204s and HEADs too).
            _ if response.content_length() == Some(0) => None,
            None => None,
            Some(value) => Coding::of(value).map_err(|()| {
                Failure::Body(format!(
                    "the body is encoded as {:?}, which gather cannot decode",
                    String::from_utf8_lossy(value.as_bytes())
                ))
            })?,
        };
        Ok(match coding {
            None => Body::Plain(response),
            Some(coding) => Body::Coded {
                wire_length: response.content_length(),
                inflater: Box::new(Inflater::new(coding, response)),
                inflated: 0,
                first_read: chars
                    .saturating_mul(INFLATE_BYTES_PER_CHAR)
                    .clamp(INFLATE_FIRST_MIN, INFLATE_STEP_MAX)
                    .next_power_of_two(),
            },
        })
    }

    /// The next piece of the body, at most `room` bytes of it once decoded when
    /// that can be chosen; `None` at its end.
    pub(super) async fn next(&mut self, room: usize) -> Result<Option<Bytes>, (Failure, Cause)> {
        match self {
            Body::Plain(response) => match response.chunk().await {
                Ok(Some(chunk)) => Ok(Some(chunk.slice(..chunk.len().min(room)))),
                Ok(None) => Ok(None),
                Err(err) => Err((body_failure(&err), Arc::new(err))),
            },
            Body::Coded {
                inflater,
                inflated,
                first_read,
                ..
            } => {
                let step = (*inflated).clamp(*first_read, INFLATE_STEP_MAX);
                let mut piece = BytesMut::zeroed(step.min(room));
                match inflater.read(&mut piece).await {
                    Ok(0) => Ok(None),
                    Ok(read) => {
                        *inflated += read;
                        piece.truncate(read);
                        Ok(Some(piece.freeze()))
                    }
                    Err(err) => Err((inflate_failure(&err, inflater.coding()), Arc::new(err))),
                }
            }
        }
    }

    /// Reads a small remainder of the body so the connection returns to the
    /// pool; a compressed one is read as it came, not inflated.
    pub(super) async fn drain(self) {
        match self {
            // Received whole (the length reqwest gives is what is left of the
            // body, its size hint): the connection is already free, and a stream
            // and a timer to learn that cost more than a small page's decoding.
            Body::Plain(response) if response.content_length() == Some(0) => {}
            Body::Plain(response) => drain(response).await,
            Body::Coded {
                inflater,
                wire_length,
                ..
            } => drain_wire(wire_length, inflater.into_wire()).await,
        }
    }
}

impl Fetcher {
    /// Reads and decodes only as much of the body as the prefix needs.
    pub(super) async fn read_prefix(
        &self,
        response: Response,
        rules: &Rules,
        learned: &mut Attempt,
    ) -> Result<(String, Body), Failure> {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(HeaderValue::as_bytes);
        let declared = Declared::new(content_type, response.url().host_str());
        let mut body = Body::of(response, rules.chars)?;
        let mut decoder = PrefixDecoder::new(declared, rules.chars)
            .checking(&rules.text_checks)
            .with_title(self.title);
        let mut ended = false;
        while !decoder.is_done() && learned.bytes < self.max_bytes {
            let room = usize::try_from(self.max_bytes - learned.bytes).unwrap_or(usize::MAX);
            match body.next(room).await {
                Ok(Some(piece)) => {
                    learned.bytes += piece.len() as u64;
                    decoder.feed(&piece);
                }
                Ok(None) => {
                    ended = true;
                    break;
                }
                // What arrived before the break may hold all that was asked for.
                Err(_) if decoder.settle() => break,
                Err((failure, cause)) => {
                    learned.cause = Some(cause);
                    return Err(failure);
                }
            }
        }
        let decoded = decoder.finish(ended);
        learned.charset = decoded.charset.map(|encoding| encoding.name());
        learned.charset_source = decoded.source;
        learned.title = decoded.title;
        let verdict = decoded.verdict;
        if let Some(rejected) = verdict.rejected {
            learned.failed_text = Some(decoded.text);
            return Err(Failure::Reject {
                check: rejected.check,
                context: rejected.context,
            });
        }
        if !verdict.missing.is_empty() {
            learned.failed_text = Some(decoded.text);
            return Err(Failure::Expect {
                missing: verdict.missing,
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
        Ok((decoded.text, body))
    }
}

/// Reads a small remainder of the body so the connection returns to the pool.
pub(super) async fn drain(response: Response) {
    drain_wire(response.content_length(), response.bytes_stream()).await;
}

/// Reads what is left of a body of `length` bytes, if it is small.
async fn drain_wire<E>(length: Option<u64>, wire: impl Stream<Item = Result<Bytes, E>>) {
    if length.is_some_and(|length| length > DRAIN_MAX_BYTES) {
        return;
    }
    let mut wire = std::pin::pin!(wire);
    let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
        let mut read = 0u64;
        while let Some(Ok(chunk)) = wire.next().await {
            read += chunk.len() as u64;
            if read > DRAIN_MAX_BYTES {
                break;
            }
        }
    })
    .await;
}
