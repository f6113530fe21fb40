//! Versioned binary snapshots of an engine, and their decoding.
//!
//! Layout: a 28-byte header (magic `PGOTEL\0S`, format version u16, reserved
//! u16, body length u64, body checksum u64, little-endian) and a body of
//! LEB128 varints and length-prefixed strings. Decoding trusts nothing: every
//! count and length is checked against what is left and against a cap before
//! anything is allocated, so a truncated, corrupt, foreign or newer file is a
//! `DecodeError`, never a panic or a huge allocation.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use crate::aggregate::{
    Engine, EngineCounters, Key, KeyKind, KeyStats, MinuteSlot, Sample, MAX_VALUES,
};
use crate::sketch::Sketch;

pub const MAGIC: &[u8; 8] = b"PGOTEL\0S";
/// Bump on any change to the layout, to how fingerprint ids are computed, or to the key
/// kinds a file may hold (an older reader then says "upgrade" instead of "corrupt").
/// Version 2 added the engine's named values after the counters; version 3 the key kinds 5
/// (resolver) and 6 (graphql_db) and each key's origin after its summary. Versions 1 and 2
/// are still read.
pub const FORMAT_VERSION: u16 = 3;
pub const HEADER_LEN: usize = 28;
/// Larger inputs are refused before they are read into structures.
pub const MAX_SNAPSHOT_BYTES: usize = 512 << 20;

const MAX_KEYS: u64 = 2_000_000;
const MAX_STRING: u64 = 1 << 20;
const MAX_LIST: u64 = 100_000;

/// Who wrote a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writer {
    pub pid: u32,
    pub host: String,
    pub service: String,
    pub instance: String,
    pub started_ns: u64,
    pub written_ns: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub writer: Writer,
    pub max_keys: u64,
    pub counters: EngineCounters,
    pub values: Vec<(String, u64)>,
    pub keys: Vec<(Key, KeyStats)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not a pgotel snapshot at all.
    Foreign,
    /// Written by a newer pgotel.
    NewerVersion {
        found: u16,
        supported: u16,
    },
    /// Shorter than its header says: cut off while being written or copied.
    Truncated {
        expected: usize,
        found: usize,
    },
    TooLarge {
        size: usize,
    },
    /// The checksum does not match, or the body does not parse.
    Corrupt(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Foreign => write!(f, "not a pgotel snapshot (bad magic bytes)"),
            DecodeError::NewerVersion { found, supported } => write!(
                f,
                "snapshot format {found} is newer than this pgotel reads ({supported}); upgrade pgotel"
            ),
            DecodeError::Truncated { expected, found } => {
                write!(f, "truncated snapshot: {found} of {expected} bytes")
            }
            DecodeError::TooLarge { size } => {
                write!(f, "snapshot of {size} bytes exceeds the {MAX_SNAPSHOT_BYTES}-byte limit")
            }
            DecodeError::Corrupt(why) => write!(f, "corrupt snapshot: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A fast 64-bit checksum over 8-byte words; it guards against torn and damaged files, not attackers.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x6a09_e667_f3bc_c908 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    h ^ (h >> 32)
}

// ---------------------------------------------------------------- encoding

struct Out(Vec<u8>);

impl Out {
    fn u(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }

    fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn s(&mut self, v: &str) {
        self.u(v.len() as u64);
        self.0.extend_from_slice(v.as_bytes());
    }

    fn opt(&mut self, v: Option<u64>) {
        match v {
            Some(v) => {
                self.u(1);
                self.u(v);
            }
            None => self.u(0),
        }
    }

    fn sketch(&mut self, s: &Sketch) {
        self.u(s.count());
        self.u(s.sum_ns());
        self.opt(s.min_ns());
        self.opt(s.max_ns());
        self.u(s.rejected());
        self.u(s.zero_count());
        let bins: Vec<(i32, u64)> = s.bins().collect();
        self.u(bins.len() as u64);
        let mut prev = 0i64;
        for (index, count) in bins {
            self.i(i64::from(index) - prev);
            prev = i64::from(index);
            self.u(count);
        }
    }

    fn sample(&mut self, s: &Sample) {
        self.u(s.duration_ns);
        self.u(s.at_ns);
        self.u128(s.trace_id);
        self.u(s.span_id);
        self.i(s.rows);
        self.s(s.error.as_deref().unwrap_or(""));
    }
}

/// Encode the whole state of `engine`.
pub fn encode(engine: &Engine, writer: &Writer) -> Vec<u8> {
    encode_as(engine, writer, FORMAT_VERSION)
}

/// Encode in an older format `version` (what it cannot hold is left out): for tests that
/// older files still decode.
pub fn encode_as(engine: &Engine, writer: &Writer, version: u16) -> Vec<u8> {
    let mut out = Out(Vec::with_capacity(
        HEADER_LEN + 256 * engine.keys.len() + 256,
    ));
    out.0.resize(HEADER_LEN, 0);
    let w = writer;
    out.u(u64::from(w.pid));
    out.s(&w.host);
    out.s(&w.service);
    out.s(&w.instance);
    out.u(w.started_ns);
    out.u(w.written_ns);
    out.u(engine.config.max_keys as u64);
    let c = &engine.counters;
    for v in [c.recorded, c.overflowed, c.rejected, c.internal_errors] {
        out.u(v);
    }
    if version >= 2 {
        out.u(engine.values.len() as u64);
        for (name, v) in &engine.values {
            out.s(name);
            out.u(*v);
        }
    }
    out.u(engine.keys.len() as u64);
    for (key, st) in &engine.keys {
        out.u(key.kind as u64);
        out.u(key.id);
        out.s(&st.text);
        out.s(&st.operation);
        out.s(&st.summary);
        if version >= 3 {
            out.s(&st.origin);
        }
        for v in [
            st.calls,
            st.errors,
            st.rows,
            st.slow_calls,
            st.first_ns,
            st.last_ns,
        ] {
            out.u(v);
        }
        out.u(st.error_codes.len() as u64);
        for (code, n) in &st.error_codes {
            out.s(code);
            out.u(*n);
        }
        out.sketch(&st.sketch);
        let live: Vec<&MinuteSlot> = st.slots.iter().filter(|s| s.calls > 0).collect();
        out.u(live.len() as u64);
        for slot in live {
            out.u(slot.minute);
            out.u(slot.calls);
            out.u(slot.errors);
            out.sketch(&slot.sketch);
        }
        out.u(st.slowest.len() as u64);
        st.slowest.iter().for_each(|s| out.sample(s));
        out.u(st.recent.len() as u64);
        st.recent.iter().for_each(|s| out.sample(s));
    }
    let mut bytes = out.0;
    let body_len = (bytes.len() - HEADER_LEN) as u64;
    let sum = checksum(&bytes[HEADER_LEN..]);
    bytes[..8].copy_from_slice(MAGIC);
    bytes[8..10].copy_from_slice(&version.to_le_bytes());
    bytes[12..20].copy_from_slice(&body_len.to_le_bytes());
    bytes[20..28].copy_from_slice(&sum.to_le_bytes());
    bytes
}

// ---------------------------------------------------------------- decoding

struct In<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn corrupt<T>(why: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError::Corrupt(why.into()))
}

impl<'a> In<'a> {
    fn u(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..70).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else {
                return corrupt("body ends inside a number");
            };
            self.pos += 1;
            if shift == 63 && b > 1 {
                return corrupt("number overflows 64 bits");
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        corrupt("number overflows 64 bits")
    }

    fn i(&mut self) -> Result<i64, DecodeError> {
        let v = self.u()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn count(&mut self, cap: u64, what: &str) -> Result<usize, DecodeError> {
        let n = self.u()?;
        // Every item takes at least one byte: a count beyond what is left is a lie.
        if n > cap || n > (self.buf.len() - self.pos) as u64 {
            return corrupt(format!("{what} count {n} is impossible here"));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return corrupt("body ends inside a field");
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u128(&mut self) -> Result<u128, DecodeError> {
        let mut w = [0u8; 16];
        w.copy_from_slice(self.bytes(16)?);
        Ok(u128::from_le_bytes(w))
    }

    fn s(&mut self) -> Result<String, DecodeError> {
        let n = self.count(MAX_STRING, "string length")?;
        match std::str::from_utf8(self.bytes(n)?) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => corrupt("a string is not UTF-8"),
        }
    }

    fn opt(&mut self) -> Result<Option<u64>, DecodeError> {
        match self.u()? {
            0 => Ok(None),
            1 => Ok(Some(self.u()?)),
            t => corrupt(format!("bad option tag {t}")),
        }
    }

    fn sketch(&mut self) -> Result<Sketch, DecodeError> {
        let (count, sum) = (self.u()?, self.u()?);
        let (min, max) = (self.opt()?, self.opt()?);
        let (rejected, zero) = (self.u()?, self.u()?);
        let n = self.count(MAX_LIST, "bin")?;
        let mut bins = Vec::with_capacity(n);
        let mut index = 0i64;
        for _ in 0..n {
            index = index.saturating_add(self.i()?);
            let Ok(i) = i32::try_from(index) else {
                return corrupt("bin index out of range");
            };
            bins.push((i, self.u()?));
        }
        Sketch::from_parts(count, sum, min, max, rejected, zero, &bins)
            .or_else(|why| corrupt(format!("bad sketch: {why}")))
    }

    fn sample(&mut self, pid: u32) -> Result<Sample, DecodeError> {
        Ok(Sample {
            pid,
            duration_ns: self.u()?,
            at_ns: self.u()?,
            trace_id: self.u128()?,
            span_id: self.u()?,
            rows: self.i()?,
            error: Some(self.s()?).filter(|e| !e.is_empty()).map(Arc::from),
        })
    }

    fn samples(&mut self, pid: u32) -> Result<Vec<Sample>, DecodeError> {
        let n = self.count(MAX_LIST, "sample")?;
        (0..n).map(|_| self.sample(pid)).collect()
    }

    /// One key; its samples are stamped with the writer's `pid`.
    fn key(&mut self, pid: u32, version: u16) -> Result<(Key, KeyStats), DecodeError> {
        let kind = self.u()?;
        let Some(kind) = u8::try_from(kind).ok().and_then(KeyKind::from_u8) else {
            return corrupt(format!("unknown key kind {kind}"));
        };
        let key = Key {
            kind,
            id: self.u()?,
        };
        let mut st = KeyStats {
            text: self.s()?,
            operation: self.s()?,
            summary: self.s()?,
            origin: if version >= 3 {
                self.s()?
            } else {
                String::new()
            },
            ..KeyStats::default()
        };
        st.calls = self.u()?;
        st.errors = self.u()?;
        st.rows = self.u()?;
        st.slow_calls = self.u()?;
        st.first_ns = self.u()?;
        st.last_ns = self.u()?;
        let n = self.count(MAX_LIST, "error code")?;
        for _ in 0..n {
            let code: Arc<str> = Arc::from(self.s()?);
            st.error_codes.push((code, self.u()?));
        }
        st.sketch = self.sketch()?;
        let n = self.count(MAX_LIST, "window slot")?;
        for _ in 0..n {
            st.slots.push(MinuteSlot {
                minute: self.u()?,
                calls: self.u()?,
                errors: self.u()?,
                sketch: self.sketch()?,
            });
        }
        st.slowest = self.samples(pid)?;
        st.recent = VecDeque::from(self.samples(pid)?);
        Ok((key, st))
    }
}

/// Decode one snapshot, checking everything.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let mut keys = Vec::new();
    let mut snap = decode_with(bytes, |key, stats| keys.push((key, stats)))?;
    snap.keys = keys;
    Ok(snap)
}

/// Decode one snapshot, handing each key to `on_key` as it is read (the
/// returned `Snapshot` has no keys). Nothing is kept beyond one key at a time,
/// so merging many large snapshots needs no intermediate copies. On error,
/// some keys may already have been handed over.
pub fn decode_with(
    bytes: &[u8],
    mut on_key: impl FnMut(Key, KeyStats),
) -> Result<Snapshot, DecodeError> {
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        return Err(DecodeError::TooLarge { size: bytes.len() });
    }
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(DecodeError::Foreign);
    }
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated {
            expected: HEADER_LEN,
            found: bytes.len(),
        });
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version > FORMAT_VERSION {
        return Err(DecodeError::NewerVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return corrupt("format version 0");
    }
    if bytes[10] != 0 || bytes[11] != 0 {
        return corrupt("reserved header bytes are set");
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[12..20]);
    let body_len = u64::from_le_bytes(word);
    word.copy_from_slice(&bytes[20..28]);
    let sum = u64::from_le_bytes(word);
    let body = &bytes[HEADER_LEN..];
    if (body.len() as u64) < body_len {
        return Err(DecodeError::Truncated {
            expected: HEADER_LEN.saturating_add(usize::try_from(body_len).unwrap_or(usize::MAX)),
            found: bytes.len(),
        });
    }
    if body.len() as u64 > body_len {
        return corrupt(format!(
            "{} bytes after the body",
            body.len() as u64 - body_len
        ));
    }
    if checksum(body) != sum {
        return corrupt("checksum mismatch");
    }
    let mut r = In { buf: body, pos: 0 };
    let pid = r.u()?;
    let writer = Writer {
        pid: u32::try_from(pid).or_else(|_| corrupt("pid out of range"))?,
        host: r.s()?,
        service: r.s()?,
        instance: r.s()?,
        started_ns: r.u()?,
        written_ns: r.u()?,
    };
    let max_keys = r.u()?;
    let counters = EngineCounters {
        recorded: r.u()?,
        overflowed: r.u()?,
        rejected: r.u()?,
        internal_errors: r.u()?,
    };
    let mut values = Vec::new();
    if version >= 2 {
        let n = r.count(MAX_VALUES as u64, "value")?;
        for _ in 0..n {
            values.push((r.s()?, r.u()?));
        }
    }
    let n = r.count(MAX_KEYS, "key")?;
    for _ in 0..n {
        let (key, stats) = r.key(writer.pid, version)?;
        on_key(key, stats);
    }
    if r.pos != body.len() {
        return corrupt("bytes left after the last key");
    }
    Ok(Snapshot {
        writer,
        max_keys,
        counters,
        values,
        keys: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
