//! Versioned binary snapshots of an engine, and their decoding.
//!
//! Layout: a 28-byte header (magic `PGOTEL\0S`, format version u16, reserved
//! u16, body length u64, body checksum u64, little-endian) and a body of
//! LEB128 varints and length-prefixed strings. Decoding trusts nothing: every
//! count and length is checked against what is left and against a cap before
//! anything is allocated, so a truncated, corrupt, foreign or newer file is a
//! `DecodeError`, never a panic or a huge allocation.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use crate::aggregate::{
    Engine, EngineCounters, Figures, Key, KeyKind, KeyStats, MinuteSlot, Sample, MAX_VALUES,
};
use crate::sketch::{Sketch, SketchParts};

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
    /// The format version being read (version 3 added each key's origin).
    version: u16,
    /// Bins of the sketch being read, reused from sketch to sketch.
    bins: Vec<(i32, u64)>,
}

fn corrupt<T>(why: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError::Corrupt(why.into()))
}

/// A sample as stored, its error text still borrowed from the input.
struct RawSample<'a> {
    duration_ns: u64,
    at_ns: u64,
    trace_id: u128,
    span_id: u64,
    rows: i64,
    error: &'a str,
}

impl RawSample<'_> {
    fn sample(&self, pid: u32) -> Sample {
        Sample {
            pid,
            duration_ns: self.duration_ns,
            at_ns: self.at_ns,
            trace_id: self.trace_id,
            span_id: self.span_id,
            rows: self.rows,
            error: (!self.error.is_empty()).then(|| Arc::from(self.error)),
        }
    }
}

impl<'a> In<'a> {
    #[inline]
    fn u(&mut self) -> Result<u64, DecodeError> {
        // Most numbers (counts, lengths, small figures) fit one byte.
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.u_long()
    }

    fn u_long(&mut self) -> Result<u64, DecodeError> {
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

    /// A string, borrowed from the input (checked to be UTF-8).
    #[inline]
    fn str(&mut self) -> Result<&'a str, DecodeError> {
        // Most strings of samples (their error codes) are empty.
        if self.buf.get(self.pos) == Some(&0) {
            self.pos += 1;
            return Ok("");
        }
        let n = self.count(MAX_STRING, "string length")?;
        match std::str::from_utf8(self.bytes(n)?) {
            Ok(s) => Ok(s),
            Err(_) => corrupt("a string is not UTF-8"),
        }
    }

    fn s(&mut self) -> Result<String, DecodeError> {
        Ok(self.str()?.to_string())
    }

    fn opt(&mut self) -> Result<Option<u64>, DecodeError> {
        match self.u()? {
            0 => Ok(None),
            1 => Ok(Some(self.u()?)),
            t => corrupt(format!("bad option tag {t}")),
        }
    }

    /// Read a sketch and add it to `into` (nothing is added if it is not valid).
    fn sketch_into(&mut self, into: &mut Sketch) -> Result<(), DecodeError> {
        let (count, sum_ns) = (self.u()?, self.u()?);
        let (min_ns, max_ns) = (self.opt()?, self.opt()?);
        let (rejected, zero_count) = (self.u()?, self.u()?);
        let n = self.count(MAX_LIST, "bin")?;
        let mut bins = std::mem::take(&mut self.bins);
        bins.clear();
        let mut index = 0i64;
        let mut read = || -> Result<(), DecodeError> {
            for _ in 0..n {
                index = index.saturating_add(self.i()?);
                let Ok(i) = i32::try_from(index) else {
                    return corrupt("bin index out of range");
                };
                bins.push((i, self.u()?));
            }
            Ok(())
        };
        let result = read().and_then(|()| {
            let parts = SketchParts {
                count,
                sum_ns,
                min_ns,
                max_ns,
                rejected,
                zero_count,
                bins: &bins,
            };
            into.merge_parts(&parts)
                .or_else(|why| corrupt(format!("bad sketch: {why}")))
        });
        self.bins = bins;
        result
    }

    fn sketch(&mut self) -> Result<Sketch, DecodeError> {
        let mut sketch = Sketch::new();
        self.sketch_into(&mut sketch)?;
        Ok(sketch)
    }

    fn raw_sample(&mut self) -> Result<RawSample<'a>, DecodeError> {
        Ok(RawSample {
            duration_ns: self.u()?,
            at_ns: self.u()?,
            trace_id: self.u128()?,
            span_id: self.u()?,
            rows: self.i()?,
            error: self.str()?,
        })
    }

    fn samples(&mut self, pid: u32) -> Result<Vec<Sample>, DecodeError> {
        let n = self.count(MAX_LIST, "sample")?;
        (0..n).map(|_| Ok(self.raw_sample()?.sample(pid))).collect()
    }

    fn key(&mut self) -> Result<Key, DecodeError> {
        let kind = self.u()?;
        let Some(kind) = u8::try_from(kind).ok().and_then(KeyKind::from_u8) else {
            return corrupt(format!("unknown key kind {kind}"));
        };
        Ok(Key {
            kind,
            id: self.u()?,
        })
    }

    fn figures(&mut self) -> Result<Figures, DecodeError> {
        Ok(Figures {
            calls: self.u()?,
            errors: self.u()?,
            rows: self.u()?,
            slow_calls: self.u()?,
            first_ns: self.u()?,
            last_ns: self.u()?,
        })
    }

    /// The statistics of a key (after its `key()`); samples are stamped with the writer's `pid`.
    fn stats(&mut self, pid: u32) -> Result<KeyStats, DecodeError> {
        let mut st = KeyStats {
            text: self.s()?,
            operation: self.s()?,
            summary: self.s()?,
            ..KeyStats::default()
        };
        if self.version >= 3 {
            st.origin = self.s()?;
        }
        let f = self.figures()?;
        (st.calls, st.errors, st.rows) = (f.calls, f.errors, f.rows);
        (st.slow_calls, st.first_ns, st.last_ns) = (f.slow_calls, f.first_ns, f.last_ns);
        let n = self.count(MAX_LIST, "error code")?;
        for _ in 0..n {
            let code: Arc<str> = Arc::from(self.str()?);
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
        Ok(st)
    }

    /// Read a key's statistics (after its `key()`) straight into `st`, which
    /// holds the same key: `st.merge(self.stats(pid))` without building the
    /// second `KeyStats` (strings, sketches and samples that are not kept are
    /// never allocated).
    fn merge_stats(&mut self, st: &mut KeyStats, pid: u32, caps: Caps) -> Result<(), DecodeError> {
        let (text, operation, summary) = (self.str()?, self.str()?, self.str()?);
        let origin = if self.version >= 3 { self.str()? } else { "" };
        if st.text.is_empty() {
            st.text = text.to_string();
            st.operation = operation.to_string();
            st.summary = summary.to_string();
            st.origin = origin.to_string();
        }
        st.merge_figures(&self.figures()?);
        let n = self.count(MAX_LIST, "error code")?;
        for _ in 0..n {
            let code = self.str()?;
            let count = self.u()?;
            st.merge_error_code(code, count);
        }
        self.sketch_into(&mut st.sketch)?;
        let n = self.count(MAX_LIST, "window slot")?;
        for _ in 0..n {
            let (minute, calls, errors) = (self.u()?, self.u()?, self.u()?);
            match st.slot_of_minute(minute).filter(|_| calls > 0) {
                Some(slot) => {
                    slot.calls += calls;
                    slot.errors += errors;
                    self.sketch_into(&mut slot.sketch)?;
                }
                None => {
                    let sketch = self.sketch()?;
                    if calls > 0 {
                        st.push_slot(MinuteSlot {
                            minute,
                            calls,
                            errors,
                            sketch,
                        });
                    }
                }
            }
        }
        let n = self.count(MAX_LIST, "sample")?;
        for _ in 0..n {
            let raw = self.raw_sample()?;
            if st.would_keep_slowest(raw.duration_ns, caps.slowest) {
                st.offer_slowest(raw.sample(pid), caps.slowest);
            }
        }
        // Recent samples arrive oldest first and mostly newer than those kept: appended in
        // order, the oldest drop off the front; one out of order sorts them all at the end.
        let n = self.count(MAX_LIST, "sample")?;
        let mut in_order = true;
        for _ in 0..n {
            let raw = self.raw_sample()?;
            in_order &= st.recent.back().is_none_or(|last| last.at_ns <= raw.at_ns);
            st.recent.push_back(raw.sample(pid));
            if in_order && st.recent.len() > caps.recent {
                st.recent.pop_front();
            }
        }
        if !in_order {
            st.trim_recent(caps.recent);
        }
        Ok(())
    }
}

/// How many samples a merged key keeps.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub slowest: usize,
    pub recent: usize,
}

/// Decode one snapshot, checking everything.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let (mut snap, mut r, n) = open(bytes)?;
    snap.keys.reserve(n);
    for _ in 0..n {
        let key = r.key()?;
        let stats = r.stats(snap.writer.pid)?;
        snap.keys.push((key, stats));
    }
    r.finish()?;
    Ok(snap)
}

/// Decode one snapshot and merge its keys into `keys` as they are read
/// (the returned `Snapshot` has no keys; the count says how many it had).
/// A key already in `keys` is decoded straight into it: merging many large
/// snapshots allocates only for keys, codes and samples that are new.
///
/// Keys are merged only after the header and the body checksum are verified,
/// so a torn or damaged file adds nothing. A body that passes its checksum
/// and still does not parse (a writer's bug) is an error too, but the keys
/// before the fault, and part of the faulty one, stay merged.
pub fn merge_into(
    bytes: &[u8],
    keys: &mut HashMap<Key, KeyStats, FxBuildHasher>,
    caps: Caps,
) -> Result<(Snapshot, usize), DecodeError> {
    let (snap, mut r, n) = open(bytes)?;
    keys.reserve(n.saturating_sub(keys.len()));
    let pid = snap.writer.pid;
    for _ in 0..n {
        let key = r.key()?;
        match keys.get_mut(&key) {
            Some(st) => r.merge_stats(st, pid, caps)?,
            None => {
                let mut st = r.stats(pid)?;
                // Kept oldest first from the start, so later merges can append in order.
                st.trim_recent(caps.recent);
                // Room for what later snapshots add, allocated once.
                st.slowest
                    .reserve((caps.slowest + 1).saturating_sub(st.slowest.len()));
                st.recent
                    .reserve((caps.recent + 1).saturating_sub(st.recent.len()));
                keys.insert(key, st);
            }
        }
    }
    r.finish()?;
    Ok((snap, n))
}

impl In<'_> {
    fn finish(&self) -> Result<(), DecodeError> {
        if self.pos != self.buf.len() {
            return corrupt("bytes left after the last key");
        }
        Ok(())
    }
}

/// Check the header and checksum and read the writer and counters; returns
/// the snapshot without keys, the reader positioned at the first key, and the key count.
fn open(bytes: &[u8]) -> Result<(Snapshot, In<'_>, usize), DecodeError> {
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
    let mut r = In {
        buf: body,
        pos: 0,
        version,
        bins: Vec::new(),
    };
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
    let snap = Snapshot {
        writer,
        max_keys,
        counters,
        values,
        keys: Vec::new(),
    };
    Ok((snap, r, n))
}

#[cfg(test)]
mod tests;
