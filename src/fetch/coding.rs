//! Content codings, undone by gather rather than by reqwest: reqwest inflates
//! 8 KiB at a time however little is wanted, and a 100-character prefix needs
//! about 400 bytes. Here a read inflates no more than the room it is given, and
//! what is left of a body is drained compressed, never inflated.

use std::io;
use std::pin::Pin;

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use http::HeaderValue;
use reqwest::Response;
use tokio::io::AsyncReadExt;
use tokio_util::io::StreamReader;

/// The `Accept-Encoding` every request carries: the codings [`Coding`] undoes.
pub const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("gzip, br, zstd, deflate");

/// A content coding gather can undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    /// HTTP's "deflate", which is the zlib format (RFC 9110, 8.4.1.2).
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    /// The coding a `Content-Encoding` value names: `Ok(None)` for none at all,
    /// `Err` for a coding gather cannot undo, or a list of several.
    pub fn of(value: &HeaderValue) -> Result<Option<Coding>, ()> {
        let name = value.to_str().map_err(|_| ())?.trim();
        let named = |wanted: &str| name.eq_ignore_ascii_case(wanted);
        Ok(Some(if named("gzip") || named("x-gzip") {
            Coding::Gzip
        } else if named("deflate") {
            Coding::Deflate
        } else if named("br") {
            Coding::Brotli
        } else if named("zstd") {
            Coding::Zstd
        } else if named("identity") || name.is_empty() {
            return Ok(None);
        } else {
            return Err(());
        }))
    }

    /// The name a failure uses.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// The body as it comes off the wire; a transport error arrives as an
/// `io::Error` that wraps the `reqwest::Error`.
type Wire = StreamReader<Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>, Bytes>;

/// A compressed body, inflated only as far as it is read.
pub struct Inflater {
    coding: Coding,
    decoder: Decoder,
}

enum Decoder {
    Gzip(GzipDecoder<Wire>),
    Deflate(ZlibDecoder<Wire>),
    Brotli(BrotliDecoder<Wire>),
    Zstd(ZstdDecoder<Wire>),
}

impl Inflater {
    /// Undoes `coding` on the body of `response`.
    pub fn new(coding: Coding, response: Response) -> Inflater {
        let stream: Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>> =
            Box::pin(response.bytes_stream().map_err(io::Error::other));
        let wire = StreamReader::new(stream);
        let decoder = match coding {
            Coding::Gzip => {
                let mut gzip = GzipDecoder::new(wire);
                // Concatenated members are one body, as gzip(1) reads them.
                gzip.multiple_members(true);
                Decoder::Gzip(gzip)
            }
            Coding::Deflate => Decoder::Deflate(ZlibDecoder::new(wire)),
            Coding::Brotli => Decoder::Brotli(BrotliDecoder::new(wire)),
            Coding::Zstd => Decoder::Zstd(ZstdDecoder::new(wire)),
        };
        Inflater { coding, decoder }
    }

    /// The coding being undone.
    pub fn coding(&self) -> Coding {
        self.coding
    }

    /// Inflates at most `room.len()` bytes into `room`; 0 means the body ended.
    pub async fn read(&mut self, room: &mut [u8]) -> io::Result<usize> {
        match &mut self.decoder {
            Decoder::Gzip(decoder) => decoder.read(room).await,
            Decoder::Deflate(decoder) => decoder.read(room).await,
            Decoder::Brotli(decoder) => decoder.read(room).await,
            Decoder::Zstd(decoder) => decoder.read(room).await,
        }
    }

    /// The compressed bytes not yet read, to drain without inflating them.
    pub fn into_wire(self) -> impl Stream<Item = io::Result<Bytes>> + Send {
        match self.decoder {
            Decoder::Gzip(decoder) => decoder.into_inner(),
            Decoder::Deflate(decoder) => decoder.into_inner(),
            Decoder::Brotli(decoder) => decoder.into_inner(),
            Decoder::Zstd(decoder) => decoder.into_inner(),
        }
        .into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_encoding_names_one_coding_or_none() {
        let of = |value: &'static str| Coding::of(&HeaderValue::from_static(value));
        assert_eq!(of("gzip"), Ok(Some(Coding::Gzip)));
        assert_eq!(of("X-GZIP"), Ok(Some(Coding::Gzip)));
        assert_eq!(of(" br "), Ok(Some(Coding::Brotli)));
        assert_eq!(of("deflate"), Ok(Some(Coding::Deflate)));
        assert_eq!(of("zstd"), Ok(Some(Coding::Zstd)));
        assert_eq!(of("identity"), Ok(None));
        assert_eq!(of(""), Ok(None));
        assert_eq!(of("gzip, gzip"), Err(()));
        assert_eq!(of("compress"), Err(()));
    }
}
