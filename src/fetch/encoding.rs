//! Undoing a response's Content-Encoding (gzip, deflate, br, zstd) a piece at a
//! time, so that a compressed body is inflated only as far as the prefix needs:
//! a bomb costs one small buffer, not its inflated size.

use std::ops::ControlFlow;

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
use flate2::{Decompress, FlushDecompress, Status};
use zstd::stream::raw::{InBuffer, Operation, OutBuffer};

/// Inflated output is handed on in pieces of at most this many bytes.
pub const PIECE_BYTES: usize = 8 * 1024;
/// A gzip header's optional name and comment fields may not grow past this.
const GZIP_HEADER_MAX: usize = 64 * 1024;

/// The `Accept-Encoding` gather sends: every coding [`BodyDecoder`] undoes.
pub const ACCEPTED: &str = "gzip, deflate, br, zstd";

/// A body's content coding, undone incrementally.
pub struct BodyDecoder {
    codec: Codec,
    piece: Vec<u8>,
}

enum Codec {
    Identity,
    /// gzip or deflate: a preamble to read before the deflate stream starts.
    Inflate {
        gzip: bool,
        preamble: Vec<u8>,
        stream: Option<Decompress>,
    },
    Brotli(Box<BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>>),
    Zstd {
        decoder: Box<zstd::stream::raw::Decoder<'static>>,
        mid_frame: bool,
    },
    /// The compressed stream ended; anything after it (a gzip trailer) is ignored.
    Finished,
}

/// The body's bytes do not decode as its Content-Encoding says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{coding} content encoding is corrupt: {reason}")]
pub struct CorruptBody {
    coding: &'static str,
    reason: String,
}

impl BodyDecoder {
    /// A decoder for a `Content-Encoding` value. Codings gather does not know
    /// (and stacked ones) pass through unchanged, as other clients do.
    pub fn new(content_encoding: Option<&str>) -> BodyDecoder {
        let coding = content_encoding.map(|value| value.trim().to_ascii_lowercase());
        let codec = match coding.as_deref() {
            Some("gzip" | "x-gzip") => Codec::inflate(true),
            Some("deflate") => Codec::inflate(false),
            Some("br") => Codec::Brotli(Box::new(BrotliState::new(
                StandardAlloc::default(),
                StandardAlloc::default(),
                StandardAlloc::default(),
            ))),
            Some("zstd") => match zstd::stream::raw::Decoder::new() {
                Ok(decoder) => Codec::Zstd {
                    decoder: Box::new(decoder),
                    mid_frame: false,
                },
                // Only fails when zstd cannot allocate its context; pass the bytes on.
                Err(_) => Codec::Identity,
            },
            _ => Codec::Identity,
        };
        BodyDecoder {
            codec,
            piece: Vec::new(),
        }
    }

    /// Decodes the next chunk of the body, handing each piece of output to `sink`
    /// until it breaks: it has all it needs, and nothing more is inflated.
    pub fn decode(
        &mut self,
        input: &[u8],
        mut sink: impl FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, CorruptBody> {
        if matches!(self.codec, Codec::Identity) {
            return Ok(sink(input));
        }
        if self.piece.is_empty() {
            self.piece = vec![0; PIECE_BYTES];
        }
        let piece = &mut self.piece[..];
        let (flow, finished) = match &mut self.codec {
            Codec::Identity | Codec::Finished => (ControlFlow::Continue(()), false),
            Codec::Inflate {
                gzip,
                preamble,
                stream,
            } => inflate(*gzip, preamble, stream, input, piece, &mut sink)?,
            Codec::Brotli(state) => brotli(state, input, piece, &mut sink)?,
            Codec::Zstd { decoder, mid_frame } => {
                (zstd(decoder, mid_frame, input, piece, &mut sink)?, false)
            }
        };
        if finished {
            self.codec = Codec::Finished;
        }
        Ok(flow)
    }

    /// Checks, once the body has ended, that the compressed stream ended too:
    /// a body cut short would otherwise pass for a short page.
    pub fn finish(&self) -> Result<(), CorruptBody> {
        let (coding, cut_short) = match &self.codec {
            Codec::Identity | Codec::Finished => return Ok(()),
            Codec::Inflate {
                gzip,
                preamble,
                stream,
            } => {
                // An empty body is an empty page, however it claims to be encoded.
                let started = stream.is_some() || !preamble.is_empty();
                (if *gzip { "gzip" } else { "deflate" }, started)
            }
            Codec::Brotli(_) => ("br", true),
            Codec::Zstd { mid_frame, .. } => ("zstd", *mid_frame),
        };
        if cut_short {
            return Err(CorruptBody {
                coding,
                reason: "the body ended before the compressed stream did".into(),
            });
        }
        Ok(())
    }
}

impl Codec {
    fn inflate(gzip: bool) -> Codec {
        Codec::Inflate {
            gzip,
            preamble: Vec::new(),
            stream: None,
        }
    }
}

type Step = (ControlFlow<()>, bool);

fn inflate(
    gzip: bool,
    preamble: &mut Vec<u8>,
    stream: &mut Option<Decompress>,
    input: &[u8],
    piece: &mut [u8],
    sink: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<Step, CorruptBody> {
    let coding = if gzip { "gzip" } else { "deflate" };
    let corrupt = |reason: String| CorruptBody { coding, reason };
    let joined;
    let mut input = input;
    if stream.is_none() {
        // The preamble may arrive split across chunks: gather it until it parses.
        preamble.extend_from_slice(input);
        let start = if gzip {
            gzip_header_len(preamble).map_err(|reason| corrupt(reason.into()))?
        } else {
            deflate_start(preamble)
        };
        let Some((skip, zlib)) = start else {
            return Ok((ControlFlow::Continue(()), false));
        };
        *stream = Some(Decompress::new(zlib));
        joined = std::mem::take(preamble);
        input = &joined[skip..];
    }
    let Some(stream) = stream else {
        return Ok((ControlFlow::Continue(()), false));
    };
    loop {
        let (read_before, made_before) = (stream.total_in(), stream.total_out());
        let status = stream
            .decompress(input, piece, FlushDecompress::None)
            .map_err(|err| corrupt(err.to_string()))?;
        let read = (stream.total_in() - read_before) as usize;
        let made = (stream.total_out() - made_before) as usize;
        input = &input[read..];
        if made > 0 && sink(&piece[..made]).is_break() {
            return Ok((ControlFlow::Break(()), false));
        }
        if status == Status::StreamEnd {
            return Ok((ControlFlow::Continue(()), true));
        }
        // Stop when the input is used up and the inflater has nothing left to give.
        if (input.is_empty() && made < piece.len()) || (read == 0 && made == 0) {
            return Ok((ControlFlow::Continue(()), false));
        }
    }
}

/// The length of a complete gzip header at the start of `bytes` (RFC 1952), and
/// that a raw deflate stream follows; `None` while more bytes are needed.
fn gzip_header_len(bytes: &[u8]) -> Result<Option<(usize, bool)>, &'static str> {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    if bytes.len() < 10 {
        return Ok(None);
    }
    if bytes[0..3] != [0x1f, 0x8b, 8] {
        return Err("not a gzip stream");
    }
    let flags = bytes[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(len) = bytes.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for field in [FNAME, FCOMMENT] {
        if flags & field != 0 {
            let Some(end) = bytes
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
            else {
                return too_long_or_wait(bytes);
            };
            at += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    if bytes.len() < at {
        return too_long_or_wait(bytes);
    }
    Ok(Some((at, false)))
}

fn too_long_or_wait(bytes: &[u8]) -> Result<Option<(usize, bool)>, &'static str> {
    if bytes.len() > GZIP_HEADER_MAX {
        return Err("the gzip header is longer than 64 KiB");
    }
    Ok(None)
}

/// Where the deflate stream starts and whether it has a zlib wrapper. HTTP's
/// "deflate" means zlib (RFC 9110), but some servers send raw deflate; a zlib
/// header is recognisable by its checksum, so both are accepted.
fn deflate_start(bytes: &[u8]) -> Option<(usize, bool)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    let zlib = first & 0x0f == 8 && (u16::from(first) << 8 | u16::from(second)) % 31 == 0;
    Some((0, zlib))
}

fn brotli(
    state: &mut BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>,
    input: &[u8],
    piece: &mut [u8],
    sink: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<Step, CorruptBody> {
    let mut available_in = input.len();
    let mut input_offset = 0;
    loop {
        let mut available_out = piece.len();
        let mut output_offset = 0;
        let mut total_out = 0;
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut input_offset,
            input,
            &mut available_out,
            &mut output_offset,
            piece,
            &mut total_out,
            state,
        );
        if output_offset > 0 && sink(&piece[..output_offset]).is_break() {
            return Ok((ControlFlow::Break(()), false));
        }
        match result {
            BrotliResult::NeedsMoreOutput => continue,
            BrotliResult::NeedsMoreInput => return Ok((ControlFlow::Continue(()), false)),
            BrotliResult::ResultSuccess => return Ok((ControlFlow::Continue(()), true)),
            BrotliResult::ResultFailure => {
                return Err(CorruptBody {
                    coding: "br",
                    reason: "invalid brotli data".into(),
                })
            }
        }
    }
}

fn zstd(
    decoder: &mut zstd::stream::raw::Decoder<'static>,
    mid_frame: &mut bool,
    input: &[u8],
    piece: &mut [u8],
    sink: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, CorruptBody> {
    let mut input = InBuffer::around(input);
    loop {
        let mut output = OutBuffer::around(&mut *piece);
        // A body may hold several frames, so a frame's end is not the body's end.
        let hint = decoder
            .run(&mut input, &mut output)
            .map_err(|err| CorruptBody {
                coding: "zstd",
                reason: err.to_string(),
            })?;
        *mid_frame = hint != 0;
        let made = output.pos();
        if made > 0 && sink(&piece[..made]).is_break() {
            return Ok(ControlFlow::Break(()));
        }
        if input.pos() == input.src.len() && made < piece.len() {
            return Ok(ControlFlow::Continue(()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Decodes `encoded` fed in chunks of `chunk` bytes, until `want` bytes are out.
    fn decode(coding: &str, encoded: &[u8], chunk: usize, want: usize) -> Vec<u8> {
        let mut decoder = BodyDecoder::new(Some(coding));
        let mut out = Vec::new();
        for part in encoded.chunks(chunk) {
            let flow = decoder
                .decode(part, |piece| {
                    out.extend_from_slice(piece);
                    if out.len() >= want {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .unwrap();
            if flow.is_break() {
                break;
            }
        }
        out
    }

    fn text() -> Vec<u8> {
        (0..20_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect()
    }

    fn gzip(bytes: &[u8], named: bool) -> Vec<u8> {
        let mut builder = flate2::GzBuilder::new();
        if named {
            builder = builder.filename("page.html").comment("made by a test");
        }
        let mut encoder = builder.write(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn every_coding_decodes_whole_bodies_fed_in_any_chunk_size() {
        let text = text();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(&text).unwrap();
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(&text).unwrap();
        let zstd = zstd::stream::encode_all(&text[..], 3).unwrap();
        let cases = [
            ("gzip", gzip(&text, false)),
            ("gzip", gzip(&text, true)),
            ("deflate", zlib.finish().unwrap()),
            ("deflate", raw.finish().unwrap()),
            ("zstd", zstd),
            ("identity", text.clone()),
        ];
        for (coding, encoded) in cases {
            for chunk in [1, 7, 4096, encoded.len()] {
                let out = decode(coding, &encoded, chunk, usize::MAX);
                assert!(
                    out == text,
                    "{coding} in chunks of {chunk}: {} bytes",
                    out.len()
                );
            }
        }
    }

    #[test]
    fn brotli_decodes_a_known_stream() {
        // 40 repeats of a sentence, from Python's `brotli.compress(text, quality=11)`.
        let encoded = [
            0x1b, 0x07, 0x07, 0x88, 0x8c, 0x94, 0x6e, 0xe6, 0x22, 0xd0, 0x83, 0xa5, 0xba, 0xd2,
            0xdf, 0x2a, 0x14, 0x8d, 0x80, 0x7c, 0x43, 0x0b, 0x83, 0x0d, 0x38, 0x70, 0x48, 0x20,
            0x6f, 0x24, 0xbf, 0x41, 0xa7, 0x15, 0xce, 0x66, 0xc7, 0xe3, 0x44, 0x85, 0xa5, 0x60,
            0x23, 0x9c, 0x4a, 0xab, 0x3f, 0x4c, 0x0a, 0x0c,
        ];
        let text = "the quick brown fox jumps over the lazy dog; ".repeat(40);
        for chunk in [1, 3, encoded.len()] {
            assert_eq!(decode("br", &encoded, chunk, usize::MAX), text.as_bytes());
        }
    }

    #[test]
    fn inflating_stops_soon_after_the_sink_has_enough() {
        let zeros = vec![0u8; 50 << 20];
        let bomb = gzip(&zeros, false);
        let out = decode("gzip", &bomb, bomb.len(), 10);
        assert!(
            out.len() <= PIECE_BYTES,
            "inflated {} bytes for 10",
            out.len()
        );
    }

    #[test]
    fn a_body_cut_short_is_told_from_a_complete_one() {
        let text = text();
        let zstd = zstd::stream::encode_all(&text[..], 3).unwrap();
        for (coding, encoded) in [("gzip", gzip(&text, false)), ("zstd", zstd)] {
            for (end, complete) in [(encoded.len(), true), (encoded.len() / 2, false)] {
                let mut decoder = BodyDecoder::new(Some(coding));
                let flow = decoder.decode(&encoded[..end], |_| ControlFlow::Continue(()));
                assert!(flow.unwrap().is_continue());
                assert_eq!(decoder.finish().is_ok(), complete, "{coding} cut at {end}");
            }
        }
        assert!(BodyDecoder::new(Some("br")).finish().is_err());
        assert!(
            BodyDecoder::new(Some("gzip")).finish().is_ok(),
            "an empty body"
        );
    }

    #[test]
    fn corrupt_bodies_are_errors_and_unknown_codings_pass_through() {
        let mut decoder = BodyDecoder::new(Some("gzip"));
        let err = decoder
            .decode(b"this is not gzip at all", |_| ControlFlow::Continue(()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "gzip content encoding is corrupt: not a gzip stream"
        );
        assert_eq!(decode("compress", b"as is", 2, usize::MAX), b"as is");
    }
}
