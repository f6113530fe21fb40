//! Exact per-key statistics: one `Engine` per process, many keys.
//!
//! A key is a query fingerprint, a GraphQL operation or a cache name. Each
//! keeps calls, errors by code (SQLSTATE or error type), rows, a latency
//! sketch, slow calls, the K slowest and N most recent samples, and
//! per-minute slots for rolling 1/5/15-minute windows. The number of keys is
//! capped; past the cap, records go to one overflow key per kind and the
//! drop is counted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use crate::fingerprint::{Fingerprint, FingerprintCache};
use crate::sketch::Sketch;

pub const NS_PER_MINUTE: u64 = 60_000_000_000;
/// Minute slots kept per key: the 15-minute window plus the current minute.
pub const WINDOW_SLOTS: usize = 16;
/// Distinct error codes kept per key; the rest are counted under `OTHER_ERRORS`.
pub const MAX_ERROR_CODES: usize = 16;
pub const OTHER_ERRORS: &str = "other";
/// Name lengths (operation names, cache names, error codes) are capped at this many bytes.
pub const MAX_NAME: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum KeyKind {
    Query = 0,
    GraphqlOperation = 1,
    Cache = 2,
    /// A connection pool: one call per checkout, its duration the wait, its errors the timeouts.
    Pool = 3,
    /// One query repeated within one GraphQL operation (N+1): one call per operation where it
    /// happened, `rows` the repeats, the duration the time they took together.
    NPlusOne = 4,
    /// One GraphQL resolver path (`Query.users`, `User.posts`): one call per resolver call
    /// (list items included), the duration the resolver's own time.
    Resolver = 5,
    /// The database side of one GraphQL operation: one call per execution, keyed like the
    /// operation, the duration the time its statements took together, `rows` the statements.
    GraphqlDatabase = 6,
}

impl KeyKind {
    pub const ALL: [KeyKind; 7] = [
        KeyKind::Query,
        KeyKind::GraphqlOperation,
        KeyKind::Cache,
        KeyKind::Pool,
        KeyKind::NPlusOne,
        KeyKind::Resolver,
        KeyKind::GraphqlDatabase,
    ];

    pub fn from_u8(v: u8) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|k| *k as u8 == v)
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Query => "query",
            KeyKind::GraphqlOperation => "graphql",
            KeyKind::Cache => "cache",
            KeyKind::Pool => "pool",
            KeyKind::NPlusOne => "n_plus_one",
            KeyKind::Resolver => "resolver",
            KeyKind::GraphqlDatabase => "graphql_db",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: KeyKind,
    pub id: u64,
}

/// The id of the overflow key of each kind (named keys never take it).
pub const OVERFLOW_ID: u64 = u64::MAX;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub max_keys: usize,
    pub slow_threshold_ns: u64,
    pub slow_samples: usize,
    pub recent_samples: usize,
    pub fingerprint_cache: usize,
}

impl Config {
    pub fn standard() -> Config {
        Config {
            max_keys: 10_000,
            slow_threshold_ns: 100_000_000,
            slow_samples: 10,
            recent_samples: 8,
            fingerprint_cache: 4096,
        }
    }
}

/// One execution, as kept among the slowest or most recent of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The process that recorded it: 0 in the engine, the writer's pid once read from a snapshot.
    pub pid: u32,
    pub duration_ns: u64,
    pub at_ns: u64,
    pub trace_id: u128,
    pub span_id: u64,
    pub rows: i64,
    pub error: Option<Arc<str>>,
}

/// What one call reports, primitives only.
#[derive(Debug, Clone, Default)]
pub struct Call<'a> {
    pub duration_ns: i64,
    pub error: Option<&'a str>,
    /// Rows returned or affected; negative when unknown.
    pub rows: i64,
    pub trace_id: u128,
    pub span_id: u64,
    pub now_ns: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinuteSlot {
    pub minute: u64,
    pub calls: u64,
    pub errors: u64,
    pub sketch: Sketch,
}

/// A key's counters, as a snapshot stores them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub calls: u64,
    pub errors: u64,
    pub rows: u64,
    pub slow_calls: u64,
    pub first_ns: u64,
    pub last_ns: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// Normalized query text, operation name or cache name.
    pub text: String,
    pub operation: String,
    pub summary: String,
    /// Where the key's calls came from, when the kind has such a thing: for an N+1, the
    /// GraphQL resolver path that ran the query ("" otherwise).
    pub origin: String,
    pub calls: u64,
    pub errors: u64,
    pub error_codes: Vec<(Arc<str>, u64)>,
    pub rows: u64,
    pub slow_calls: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// Every call's duration; its count/sum/min/max are exact.
    pub sketch: Sketch,
    pub slots: Vec<MinuteSlot>,
    /// Slowest first.
    pub slowest: Vec<Sample>,
    /// Oldest first.
    pub recent: VecDeque<Sample>,
}

impl KeyStats {
    fn new(text: String, operation: String, summary: String) -> Self {
        KeyStats {
            text,
            operation,
            summary,
            ..KeyStats::default()
        }
    }

    fn error_code(&mut self, code: &str) -> Arc<str> {
        let code = cap(code);
        if let Some((c, n)) = self.error_codes.iter_mut().find(|(c, _)| &**c == code) {
            *n += 1;
            return Arc::clone(c);
        }
        let code: Arc<str> = if self.error_codes.len() < MAX_ERROR_CODES {
            Arc::from(code)
        } else {
            match self
                .error_codes
                .iter_mut()
                .find(|(c, _)| &**c == OTHER_ERRORS)
            {
                Some((c, n)) => {
                    *n += 1;
                    return Arc::clone(c);
                }
                None => Arc::from(OTHER_ERRORS),
            }
        };
        self.error_codes.push((Arc::clone(&code), 1));
        code
    }

    /// The slot of `minute`. Slots are kept oldest first and only for the
    /// last `WINDOW_SLOTS` minutes, so a key costs one slot per active minute.
    fn slot(&mut self, minute: u64) -> &mut MinuteSlot {
        let is_new = self.slots.last().is_none_or(|s| s.minute < minute);
        if is_new {
            let oldest = minute.saturating_sub(WINDOW_SLOTS as u64 - 1);
            self.slots.retain(|s| s.minute >= oldest);
            self.slots.push(MinuteSlot {
                minute,
                ..MinuteSlot::default()
            });
        }
        // A clock that stepped back lands in its minute if still kept, else in the newest.
        let at = self
            .slots
            .iter()
            .rposition(|s| s.minute == minute)
            .unwrap_or(self.slots.len() - 1);
        &mut self.slots[at]
    }

    /// Record one call; returns false when its duration was rejected by the sketch.
    fn record(&mut self, call: &Call, cfg: &Config) -> bool {
        let accepted = self.sketch.add_i64(call.duration_ns).is_ok();
        let duration = call.duration_ns.max(0) as u64;
        self.calls += 1;
        if self.first_ns == 0 {
            self.first_ns = call.now_ns;
        }
        self.last_ns = self.last_ns.max(call.now_ns);
        if call.rows > 0 {
            self.rows = self.rows.saturating_add(call.rows as u64);
        }
        let error = call.error.map(|code| {
            self.errors += 1;
            self.error_code(code)
        });
        let slot = self.slot(call.now_ns / NS_PER_MINUTE);
        slot.calls += 1;
        slot.errors += u64::from(error.is_some());
        if accepted {
            let _ = slot.sketch.add_ns(duration);
        }
        let is_slow = duration >= cfg.slow_threshold_ns;
        self.slow_calls += u64::from(is_slow);
        let keep_slowest = cfg.slow_samples > 0
            && (self.slowest.len() < cfg.slow_samples
                || self
                    .slowest
                    .last()
                    .is_some_and(|s| s.duration_ns < duration));
        if keep_slowest || cfg.recent_samples > 0 {
            let sample = Sample {
                pid: 0,
                duration_ns: duration,
                at_ns: call.now_ns,
                trace_id: call.trace_id,
                span_id: call.span_id,
                rows: call.rows,
                error,
            };
            if keep_slowest {
                insert_slowest(&mut self.slowest, sample.clone(), cfg.slow_samples);
            }
            if cfg.recent_samples > 0 {
                if self.recent.len() >= cfg.recent_samples {
                    self.recent.pop_front();
                }
                self.recent.push_back(sample);
            }
        }
        accepted
    }

    /// Add `calls` untimed calls (counted elsewhere, e.g. a cache's own hit counter): they
    /// count in `calls` and in the window, not in the latency sketch, which stays the
    /// durations of the timed calls only.
    fn count(&mut self, calls: u64, rows: i64, now_ns: u64) {
        self.calls += calls;
        if self.first_ns == 0 {
            self.first_ns = now_ns;
        }
        self.last_ns = self.last_ns.max(now_ns);
        if rows > 0 {
            self.rows = self.rows.saturating_add(rows as u64);
        }
        self.slot(now_ns / NS_PER_MINUTE).calls += calls;
    }

    /// Fold `other` (the same key, from another process or time) into this
    /// one, taking its samples and slots instead of copying them. The
    /// snapshot decoder merges a key it already holds field by field with the
    /// same helpers (`merge_figures`, `merge_error_code`, ...), so both ways
    /// give the same result.
    pub fn merge(&mut self, other: KeyStats, slow_samples: usize, recent_samples: usize) {
        if self.text.is_empty() {
            self.text = other.text;
            self.operation = other.operation;
            self.summary = other.summary;
            self.origin = other.origin;
        }
        self.merge_figures(&Figures {
            calls: other.calls,
            errors: other.errors,
            rows: other.rows,
            slow_calls: other.slow_calls,
            first_ns: other.first_ns,
            last_ns: other.last_ns,
        });
        for (code, n) in other.error_codes {
            match self.error_codes.iter_mut().find(|(c, _)| *c == code) {
                Some((_, m)) => *m += n,
                None => self.error_codes.push((code, n)),
            }
        }
        self.sketch.merge(&other.sketch);
        for slot in other.slots.into_iter().filter(|s| s.calls > 0) {
            match self.slot_of_minute(slot.minute) {
                Some(mine) => {
                    mine.calls += slot.calls;
                    mine.errors += slot.errors;
                    mine.sketch.merge(&slot.sketch);
                }
                None => self.push_slot(slot),
            }
        }
        for s in other.slowest {
            insert_slowest(&mut self.slowest, s, slow_samples);
        }
        if !other.recent.is_empty() {
            self.recent.extend(other.recent);
            self.trim_recent(recent_samples);
        }
    }

    /// Add another record's counters of this key.
    pub fn merge_figures(&mut self, other: &Figures) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.rows = self.rows.saturating_add(other.rows);
        self.slow_calls += other.slow_calls;
        self.first_ns = match (self.first_ns, other.first_ns) {
            (0, b) => b,
            (a, 0) => a,
            (a, b) => a.min(b),
        };
        self.last_ns = self.last_ns.max(other.last_ns);
    }

    /// Add `n` errors of `code`; allocates only for a code this key has not seen.
    pub fn merge_error_code(&mut self, code: &str, n: u64) {
        match self.error_codes.iter_mut().find(|(c, _)| &**c == code) {
            Some((_, m)) => *m += n,
            None => self.error_codes.push((Arc::from(code), n)),
        }
    }

    /// The slot of exactly `minute`, if this key has one. Merged keys hold one
    /// slot per minute, in no particular order (a window sums its range anyway).
    pub fn slot_of_minute(&mut self, minute: u64) -> Option<&mut MinuteSlot> {
        self.slots.iter_mut().find(|s| s.minute == minute)
    }

    /// Keep a slot of a minute this key has no slot for.
    pub fn push_slot(&mut self, slot: MinuteSlot) {
        self.slots.push(slot);
    }

    /// Offer a sample to the slowest kept, at most `cap` of them.
    pub fn offer_slowest(&mut self, sample: Sample, cap: usize) {
        insert_slowest(&mut self.slowest, sample, cap);
    }

    /// Whether a sample of `duration_ns` would be kept among the `cap` slowest.
    pub fn would_keep_slowest(&self, duration_ns: u64, cap: usize) -> bool {
        self.slowest
            .partition_point(|s| s.duration_ns >= duration_ns)
            < cap
    }

    /// Order the recent samples oldest first (stable for equal times) and keep the newest `cap`.
    pub fn trim_recent(&mut self, cap: usize) {
        self.recent.make_contiguous().sort_by_key(|s| s.at_ns);
        while self.recent.len() > cap {
            self.recent.pop_front();
        }
    }

    /// The slots within the last `minutes` minutes before `now_ns` (and the current one).
    pub fn window(&self, minutes: u64, now_ns: u64) -> impl Iterator<Item = &MinuteSlot> {
        let now = now_ns / NS_PER_MINUTE;
        let oldest = now.saturating_sub(minutes);
        self.slots
            .iter()
            .filter(move |s| s.calls > 0 && s.minute >= oldest && s.minute <= now)
    }
}

fn insert_slowest(slowest: &mut Vec<Sample>, sample: Sample, cap: usize) {
    if cap == 0 {
        return;
    }
    let at = slowest.partition_point(|s| s.duration_ns >= sample.duration_ns);
    if at >= cap {
        return;
    }
    slowest.insert(at, sample);
    slowest.truncate(cap);
}

fn cap(text: &str) -> &str {
    if text.len() <= MAX_NAME {
        return text;
    }
    let mut end = MAX_NAME;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Counters about the engine itself, shown by `pgotel health`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineCounters {
    pub recorded: u64,
    /// Records that went to an overflow key because the key cap was reached.
    pub overflowed: u64,
    /// Durations the sketches refused (negative, NaN, out of range).
    pub rejected: u64,
    /// Failures inside the engine or its callers that were caught and counted.
    pub internal_errors: u64,
}

#[derive(Debug)]
pub struct Engine {
    pub config: Config,
    pub keys: HashMap<Key, KeyStats, FxBuildHasher>,
    pub counters: EngineCounters,
    /// Named figures the host process sets about itself (its exporters' health),
    /// carried in snapshots as they are, never summed across processes.
    pub values: BTreeMap<String, u64>,
    pub cache: FingerprintCache,
    pub started_ns: u64,
}

/// At most this many named values per engine; more are refused.
pub const MAX_VALUES: usize = 64;

impl Engine {
    pub fn new(config: Config, started_ns: u64) -> Engine {
        Engine {
            cache: FingerprintCache::new(config.fingerprint_cache),
            keys: HashMap::default(),
            counters: EngineCounters::default(),
            values: BTreeMap::new(),
            config,
            started_ns,
        }
    }

    /// Set a named value; false (and nothing kept) past `MAX_VALUES` names.
    pub fn set_value(&mut self, name: &str, value: u64) -> bool {
        let name = cap(name);
        if let Some(v) = self.values.get_mut(name) {
            *v = value;
            return true;
        }
        if self.values.len() >= MAX_VALUES {
            return false;
        }
        self.values.insert(name.to_string(), value);
        true
    }

    /// Record one database call by its query text; returns the query's fingerprint.
    pub fn record_query(&mut self, sql: &[u8], call: &Call) -> Arc<Fingerprint> {
        let fp = self.cache.get(sql);
        self.record_fingerprint(&fp, call);
        fp
    }

    /// Record one database call whose fingerprint the caller already has.
    pub fn record_fingerprint(&mut self, fp: &Fingerprint, call: &Call) {
        let key = Key {
            kind: KeyKind::Query,
            id: fp.id,
        };
        self.record(key, call, || {
            (
                fp.normalized.clone(),
                fp.operation.clone(),
                fp.summary.clone(),
            )
        });
    }

    /// Record a query repeated `call.rows` times within the GraphQL operation `operation`,
    /// run from the resolver path `resolver` ("" when no resolver was running). The key is
    /// the three together; the key's `origin` holds the resolver path.
    pub fn record_n_plus_one(
        &mut self,
        operation: &str,
        resolver: &str,
        fp: &Fingerprint,
        call: &Call,
    ) {
        let operation = cap(operation);
        let resolver = cap(resolver);
        let id = named_id(KeyKind::NPlusOne, operation)
            ^ fp.id.rotate_left(17)
            ^ named_id(KeyKind::Resolver, resolver).rotate_left(41);
        let key = Key {
            kind: KeyKind::NPlusOne,
            id: id.min(OVERFLOW_ID - 1),
        };
        self.record(key, call, || {
            (
                fp.normalized.clone(),
                operation.to_string(),
                fp.summary.clone(),
            )
        });
        // Once per key: N+1 records come once per operation, not per query.
        if let Some(stats) = self.keys.get_mut(&key) {
            if stats.origin.is_empty() && !resolver.is_empty() {
                stats.origin = resolver.to_string();
            }
        }
    }

    /// Record one call of a named key (a GraphQL operation, a cache). Returns the key's id.
    pub fn record_named(&mut self, kind: KeyKind, name: &str, operation: &str, call: &Call) -> u64 {
        let name = cap(name);
        let id = named_id(kind, name);
        self.record(Key { kind, id }, call, || {
            (
                name.to_string(),
                cap(operation).to_string(),
                name.to_string(),
            )
        });
        id
    }

    /// Add `calls` untimed calls to a named key (a cache's hits read from its own counter).
    /// Zero calls add nothing. Returns the key's id.
    pub fn count_named(
        &mut self,
        kind: KeyKind,
        name: &str,
        operation: &str,
        calls: u64,
        rows: i64,
        now_ns: u64,
    ) -> u64 {
        let name = cap(name);
        let id = named_id(kind, name);
        if calls == 0 {
            return id;
        }
        self.counters.recorded += calls;
        let stats = self.entry(Key { kind, id }, || {
            (
                name.to_string(),
                cap(operation).to_string(),
                name.to_string(),
            )
        });
        stats.count(calls, rows, now_ns);
        id
    }

    fn record(
        &mut self,
        key: Key,
        call: &Call,
        describe: impl FnOnce() -> (String, String, String),
    ) {
        self.counters.recorded += 1;
        let config = self.config.clone();
        if !self.entry(key, describe).record(call, &config) {
            self.counters.rejected += 1;
        }
    }

    /// The stats of `key`, made on first use; past the key cap, the kind's overflow key.
    fn entry(
        &mut self,
        key: Key,
        describe: impl FnOnce() -> (String, String, String),
    ) -> &mut KeyStats {
        let max_keys = self.config.max_keys;
        let fits = self.keys.contains_key(&key) || self.keys.len() < max_keys;
        if fits {
            return self.keys.entry(key).or_insert_with(|| {
                let (text, operation, summary) = describe();
                KeyStats::new(text, operation, summary)
            });
        }
        self.counters.overflowed += 1;
        let overflow = Key {
            kind: key.kind,
            id: OVERFLOW_ID,
        };
        self.keys.entry(overflow).or_insert_with(|| {
            let text = format!("(other {}s: more than {max_keys} keys)", key.kind.name());
            KeyStats::new(text, "?".into(), "?".into())
        })
    }

    /// Approximate memory held by the keys, for the figure the CLI shows.
    pub fn memory_bytes(&self) -> usize {
        self.keys
            .values()
            .map(|s| {
                std::mem::size_of::<KeyStats>()
                    + s.text.capacity()
                    + s.operation.capacity()
                    + s.summary.capacity()
                    + s.origin.capacity()
                    + s.sketch.memory_bytes()
                    + s.slots
                        .iter()
                        .map(|m| std::mem::size_of::<MinuteSlot>() + m.sketch.memory_bytes())
                        .sum::<usize>()
                    + (s.slowest.capacity() + s.recent.capacity()) * std::mem::size_of::<Sample>()
            })
            .sum()
    }
}

/// A stable id for a named key: FNV-1a of kind and name, never the overflow id.
pub fn named_id(kind: KeyKind, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ (kind as u64);
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.min(OVERFLOW_ID - 1)
}

#[cfg(test)]
mod tests;
