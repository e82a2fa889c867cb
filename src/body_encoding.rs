//! Undoing a request's `Content-Encoding`: the one way a body is turned into the bytes that are
//! parsed, normalised, shown and searched.
//!
//! The envelope keeps the body exactly as received (compressed): signatures are computed over
//! those bytes, the capture stores them and a replay sends them unchanged. Everything that
//! *reads* the body goes through [`decoded_body`]: the receiver (which answers a body that
//! decompresses past `--max-body` with 413), [`crate::provider::normalize`] (so `--load`,
//! headless NDJSON, export and the screen's events agree), the detail pane's raw-JSON view and
//! body search.
//!
//! Supported: `gzip` (and its alias `x-gzip`; concatenated members, as `gzip` writes them),
//! `deflate` (zlib-wrapped as RFC 9110 says, or raw deflate as some senders send it: told apart
//! by the zlib header) and `identity`, stacked up to [`MAX_CODINGS`] deep (`gzip, deflate` means
//! gzip first, so deflate is undone first). Anything else (`br`, `zstd`, `compress`) is an error
//! naming the coding, as is a corrupt or truncated stream, or data after its end.
//!
//! Decompression is incremental with a hard cap: output never grows past the limit, and the
//! decoder stops reading the moment it would, so a zip bomb costs at most `limit` bytes of
//! memory and the time to inflate that much, however far it would expand.
//!
//! Core module: pure functions, no I/O (the limit the readers use is set once at start-up).

use crate::envelope::Envelope;
use flate2::{Decompress, FlushDecompress, Status};
use std::borrow::Cow;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most content codings undone for one body; a longer list is refused (nobody sends one, and
/// each layer may hold up to the limit while the next is decoded).
pub const MAX_CODINGS: usize = 4;

/// The decompressed-size limit when none is set: `--max-body`'s default.
pub const DEFAULT_LIMIT: usize = 8 * 1024 * 1024;

/// The limit readers of stored requests use ([`decoded`]): `--max-body`, set at start-up, so a
/// body the receiver accepted is one the screen, `--load` and the printers can decode.
static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT);

/// Sets the decompressed-size limit of [`decoded`] (from `--max-body`).
pub fn set_limit(bytes: usize) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// The decompressed-size limit of [`decoded`].
pub fn limit() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// Bytes inflated per step: the decoder's output buffer, whatever the body's size.
const STEP: usize = 32 * 1024;

/// Longest coding name quoted in an error (the header is the sender's, any length).
const MAX_NAME: usize = 40;

/// Why a body could not be decoded. The messages name the coding and never quote body bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A coding wamon does not undo.
    #[error("Content-Encoding {0:?} is not supported (wamon decodes gzip and deflate)")]
    Unsupported(String),
    /// More codings than [`MAX_CODINGS`].
    #[error("Content-Encoding lists {0} codings; at most {MAX_CODINGS} are decoded")]
    TooManyCodings(usize),
    /// The stream is corrupt, truncated or followed by other data.
    #[error("body is not valid {coding} data (Content-Encoding): {detail}")]
    Corrupt {
        coding: &'static str,
        detail: String,
    },
    /// The body decompresses to more than the limit.
    #[error("{coding} body decompresses to more than {limit} bytes (--max-body)")]
    TooLarge { coding: &'static str, limit: usize },
}

/// A content coding wamon undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }
}

/// `env`'s body with its `Content-Encoding` undone, at most `limit` bytes; borrowed when the
/// body has no coding (the common case costs nothing).
pub fn decoded_body(env: &Envelope, limit: usize) -> Result<Cow<'_, [u8]>, DecodeError> {
    // An empty body has nothing to undo (a rejected request keeps its headers, not its body).
    if env.body.is_empty() {
        return Ok(Cow::Borrowed(&env.body[..]));
    }
    let codings = codings(env)?;
    let mut body: Cow<'_, [u8]> = Cow::Borrowed(&env.body[..]);
    // Listed in the order applied: undone last first.
    for coding in codings.into_iter().rev() {
        body = Cow::Owned(decode(coding, &body, limit)?);
    }
    Ok(body)
}

/// [`decoded_body`] within the limit set at start-up ([`set_limit`]): for everything that
/// reads stored requests.
pub fn decoded(env: &Envelope) -> Result<Cow<'_, [u8]>, DecodeError> {
    decoded_body(env, limit())
}

/// The codings of every `Content-Encoding` header, in the order they were applied (several
/// header lines are one comma-separated list, RFC 9110 §5.3). `identity` is no coding.
fn codings(env: &Envelope) -> Result<Vec<Coding>, DecodeError> {
    let mut out = Vec::new();
    let values = env
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-encoding"));
    for (_, value) in values {
        for token in value.split(|&b| b == b',') {
            let token = token.trim_ascii();
            let coding = if token.is_empty() || token.eq_ignore_ascii_case(b"identity") {
                continue;
            } else if token.eq_ignore_ascii_case(b"gzip") || token.eq_ignore_ascii_case(b"x-gzip") {
                Coding::Gzip
            } else if token.eq_ignore_ascii_case(b"deflate") {
                Coding::Deflate
            } else {
                let name = String::from_utf8_lossy(token);
                return Err(DecodeError::Unsupported(
                    name.chars().take(MAX_NAME).collect(),
                ));
            };
            out.push(coding);
        }
    }
    if out.len() > MAX_CODINGS {
        return Err(DecodeError::TooManyCodings(out.len()));
    }
    Ok(out)
}

/// Undoes one coding of `input`.
fn decode(coding: Coding, input: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    match coding {
        Coding::Gzip => gunzip(input, limit),
        // RFC 9110's deflate is zlib (RFC 1950); raw deflate (RFC 1951) is a common mistake.
        Coding::Deflate => inflate(input, is_zlib_header(input), limit),
    }
}

/// Whether `input` starts with a zlib header: method 8 (deflate), a window of at most 32 KiB,
/// and the header's check bits. Raw deflate passes this by chance with odds of about 1 in 500
/// (and then fails as zlib, a corrupt-stream error).
fn is_zlib_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// Output that refuses to grow past `limit`, and whose allocation never exceeds it either
/// (`Vec`'s own growth would double past it).
struct Capped {
    out: Vec<u8>,
    limit: usize,
    coding: Coding,
}

impl Capped {
    fn new(coding: Coding, limit: usize, input_len: usize) -> Capped {
        // Text compresses a few times over: a first guess that usually needs no regrowth.
        let guess = input_len.saturating_mul(4).min(limit);
        Capped {
            out: Vec::with_capacity(guess),
            limit,
            coding,
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let need = self.out.len() + bytes.len();
        if need > self.limit {
            return Err(DecodeError::TooLarge {
                coding: self.coding.name(),
                limit: self.limit,
            });
        }
        if need > self.out.capacity() {
            let grown = self
                .out
                .capacity()
                .saturating_mul(2)
                .max(need)
                .min(self.limit);
            self.out.reserve_exact(grown - self.out.len());
        }
        self.out.extend_from_slice(bytes);
        Ok(())
    }
}

fn corrupt(coding: Coding, detail: impl ToString) -> DecodeError {
    DecodeError::Corrupt {
        coding: coding.name(),
        detail: detail.to_string(),
    }
}

/// Inflates a zlib (`zlib`) or raw deflate stream, which must end exactly where `input` does.
fn inflate(input: &[u8], zlib: bool, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let coding = Coding::Deflate;
    let mut d = Decompress::new(zlib);
    let mut out = Capped::new(coding, limit, input.len());
    let mut step = vec![0u8; STEP];
    loop {
        let (in_before, out_before) = (d.total_in(), d.total_out());
        let rest = input.get(d.total_in() as usize..).unwrap_or_default();
        let status = d
            .decompress(rest, &mut step, FlushDecompress::None)
            .map_err(|e| corrupt(coding, e))?;
        let produced = (d.total_out() - out_before) as usize;
        out.push(&step[..produced])?;
        match status {
            Status::StreamEnd => break,
            // All the input is there: no progress means the stream stops before its end.
            Status::Ok | Status::BufError if produced == 0 && d.total_in() == in_before => {
                return Err(corrupt(coding, "the stream ends early (truncated)"));
            }
            Status::Ok | Status::BufError => {}
        }
    }
    let extra = input.len() - d.total_in() as usize;
    if extra > 0 {
        return Err(corrupt(
            coding,
            format!("{extra} bytes follow the end of the stream"),
        ));
    }
    Ok(out.out)
}

/// Gunzips every member of `input` (`gzip` writes one per file it was given, concatenated).
fn gunzip(input: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let coding = Coding::Gzip;
    let mut r = flate2::bufread::MultiGzDecoder::new(input);
    let mut out = Capped::new(coding, limit, input.len());
    let mut step = vec![0u8; STEP];
    loop {
        match r.read(&mut step) {
            Ok(0) => return Ok(out.out),
            Ok(n) => out.push(&step[..n])?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(corrupt(coding, "the stream ends early (truncated)"));
            }
            Err(e) => return Err(corrupt(coding, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::{Compress, Compression, Crc, FlushCompress};
    use std::io::Write;

    const JSON: &[u8] =
        r#"{"event":"message","session":"default","payload":{"body":"Olá"}}"#.as_bytes();

    fn env(encoding: Option<&str>, body: Vec<u8>) -> Envelope {
        let mut e = Envelope::post(1, 0, body);
        if let Some(enc) = encoding {
            e.headers
                .push(("content-encoding".into(), enc.as_bytes().to_vec()));
        }
        e
    }

    fn gzip(b: &[u8]) -> Vec<u8> {
        let mut w = GzEncoder::new(Vec::new(), Compression::default());
        w.write_all(b).unwrap();
        w.finish().unwrap()
    }

    fn zlib(b: &[u8]) -> Vec<u8> {
        let mut w = ZlibEncoder::new(Vec::new(), Compression::default());
        w.write_all(b).unwrap();
        w.finish().unwrap()
    }

    fn raw_deflate(b: &[u8]) -> Vec<u8> {
        let mut w = DeflateEncoder::new(Vec::new(), Compression::default());
        w.write_all(b).unwrap();
        w.finish().unwrap()
    }

    /// A gzip stream of `mib` MiB of zeros, built without compressing them all: after a full
    /// flush the compressor forgets its history, so every further MiB compresses to the same
    /// bytes; the trailer's CRC is combined, not computed over the zeros.
    fn gzip_bomb(mib: u32) -> Vec<u8> {
        let zeros = vec![0u8; 1 << 20];
        let mut c = Compress::new(Compression::best(), false);
        let mut block = Vec::with_capacity(1 << 16);
        c.compress_vec(&zeros, &mut block, FlushCompress::Full)
            .unwrap();
        let mut again = Vec::with_capacity(1 << 16);
        c.compress_vec(&zeros, &mut again, FlushCompress::Full)
            .unwrap();
        assert_eq!(block, again, "a full flush makes every MiB compress alike");
        let mut end = Vec::with_capacity(64);
        c.compress_vec(&[], &mut end, FlushCompress::Finish)
            .unwrap();
        let mut one = Crc::new();
        one.update(&zeros);
        let mut crc = Crc::new();
        for _ in 0..mib {
            crc.combine(&one);
        }
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        for _ in 0..mib {
            out.extend_from_slice(&block);
        }
        out.extend_from_slice(&end);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(mib << 20).to_le_bytes());
        out
    }

    #[test]
    fn no_coding_is_borrowed_and_identity_is_no_coding() {
        for enc in [None, Some("identity"), Some(" , identity ,")] {
            let e = env(enc, JSON.to_vec());
            let got = decoded_body(&e, 1024).unwrap();
            assert!(matches!(got, Cow::Borrowed(_)), "{enc:?}");
            assert_eq!(&got[..], JSON);
        }
    }

    #[test]
    fn gzip_and_both_kinds_of_deflate_decode() {
        for (enc, body) in [
            ("gzip", gzip(JSON)),
            ("GZip", gzip(JSON)),
            ("x-gzip", gzip(JSON)),
            ("deflate", zlib(JSON)),
            ("deflate", raw_deflate(JSON)),
        ] {
            let e = env(Some(enc), body);
            assert_eq!(&decoded_body(&e, 1024).unwrap()[..], JSON, "{enc}");
        }
    }

    #[test]
    fn concatenated_gzip_members_are_one_body() {
        let (a, b) = JSON.split_at(20);
        let mut body = gzip(a);
        body.extend(gzip(b));
        assert_eq!(
            &decoded_body(&env(Some("gzip"), body), 1024).unwrap()[..],
            JSON
        );
    }

    #[test]
    fn stacked_codings_are_undone_last_first_and_split_headers_join() {
        let e = env(Some("gzip, deflate"), zlib(&gzip(JSON)));
        assert_eq!(&decoded_body(&e, 1024).unwrap()[..], JSON);
        let mut e = env(Some("gzip"), zlib(&gzip(JSON)));
        e.headers
            .push(("Content-Encoding".into(), b"deflate".to_vec()));
        assert_eq!(&decoded_body(&e, 1024).unwrap()[..], JSON);
        // Applied the other way round, it does not decode.
        let e = env(Some("deflate, gzip"), zlib(&gzip(JSON)));
        assert!(matches!(
            decoded_body(&e, 1024),
            Err(DecodeError::Corrupt { coding: "gzip", .. })
        ));
        let e = env(Some("gzip,gzip,gzip,gzip,gzip"), gzip(JSON));
        assert_eq!(decoded_body(&e, 1024), Err(DecodeError::TooManyCodings(5)));
    }

    #[test]
    fn unknown_codings_are_named() {
        for (enc, name) in [
            ("br", "br"),
            ("compress", "compress"),
            ("gzip, zstd", "zstd"),
            ("\u{1b}[2J", "\u{1b}[2J"),
        ] {
            let err = decoded_body(&env(Some(enc), gzip(JSON)), 1024).unwrap_err();
            assert_eq!(err, DecodeError::Unsupported(name.into()));
            assert!(err.to_string().contains("not supported"), "{err}");
        }
        let long = "x".repeat(10_000);
        let err = decoded_body(&env(Some(&long), gzip(JSON)), 1024).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
        let mut e = env(None, gzip(JSON));
        e.headers
            .push(("content-encoding".into(), b"gz\xffip".to_vec()));
        assert!(matches!(
            decoded_body(&e, 1024),
            Err(DecodeError::Unsupported(_))
        ));
    }

    #[test]
    fn corrupt_truncated_and_padded_streams_are_errors() {
        let good = gzip(JSON);
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xff;
        let mut bad_crc = good.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 1;
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"junk");
        let mut zlib_trailing = zlib(JSON);
        zlib_trailing.push(b'x');
        let cases = [
            ("gzip", JSON.to_vec()),
            ("gzip", good[..good.len() - 4].to_vec()),
            ("gzip", good[..12].to_vec()),
            ("gzip", flipped),
            ("gzip", bad_crc),
            ("gzip", trailing),
            ("deflate", JSON.to_vec()),
            ("deflate", zlib(JSON)[..10].to_vec()),
            ("deflate", raw_deflate(JSON)[..10].to_vec()),
            ("deflate", zlib_trailing),
            ("deflate", vec![0x78]),
        ];
        for (i, (enc, body)) in cases.into_iter().enumerate() {
            match decoded_body(&env(Some(enc), body), 1024) {
                Err(DecodeError::Corrupt { coding, .. }) => assert_eq!(coding, enc, "case {i}"),
                other => panic!("case {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_limit_is_exact() {
        let body = vec![b' '; 1000];
        assert_eq!(
            decoded_body(&env(Some("gzip"), gzip(&body)), 1000)
                .unwrap()
                .len(),
            1000
        );
        for (enc, z) in [("gzip", gzip(&body)), ("deflate", zlib(&body))] {
            assert_eq!(
                decoded_body(&env(Some(enc), z), 999),
                Err(DecodeError::TooLarge {
                    coding: if enc == "gzip" { "gzip" } else { "deflate" },
                    limit: 999
                })
            );
        }
    }

    #[test]
    fn a_bomb_stops_at_the_limit_without_reading_on() {
        let small = gzip_bomb(2);
        let mut all = Vec::new();
        flate2::read::MultiGzDecoder::new(&small[..])
            .read_to_end(&mut all)
            .expect("the bomb is valid gzip");
        assert!(all.len() == 2 << 20 && all.iter().all(|&b| b == 0));
        // A GiB of zeros in about a MiB: refused after inflating at most the limit.
        let bomb = gzip_bomb(1024);
        assert!(bomb.len() < 2 << 20, "{}", bomb.len());
        let limit = 1 << 20;
        let mut r = flate2::bufread::MultiGzDecoder::new(&bomb[..]);
        let mut out = Capped::new(Coding::Gzip, limit, bomb.len());
        let mut step = vec![0u8; STEP];
        let err = loop {
            let n = r.read(&mut step).unwrap();
            if let Err(e) = out.push(&step[..n]) {
                break e;
            }
        };
        assert!(matches!(err, DecodeError::TooLarge { .. }));
        assert!(out.out.capacity() <= limit, "{}", out.out.capacity());
        // Most of the bomb was never read.
        assert!(
            r.get_ref().len() > bomb.len() / 2,
            "{} left",
            r.get_ref().len()
        );
        assert_eq!(
            decoded_body(&env(Some("gzip"), bomb), limit),
            Err(DecodeError::TooLarge {
                coding: "gzip",
                limit
            })
        );
    }

    #[test]
    fn output_never_allocates_past_the_limit() {
        let mut c = Capped::new(Coding::Deflate, 100_000, 10);
        while c.push(&[7; 999]).is_ok() {
            assert!(c.out.capacity() <= 100_000);
        }
        assert_eq!(c.out.len(), 100 * 999);
    }

    #[test]
    fn an_empty_body_needs_no_decoding() {
        assert_eq!(
            &decoded_body(&env(Some("br"), Vec::new()), 10).unwrap()[..],
            b""
        );
    }
}
