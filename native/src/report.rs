//! Many snapshots (one per process) merged into one report, and the rows
//! the CLI renders from it: per key, for all time or a rolling window.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::aggregate::{EngineCounters, Key, KeyKind, KeyStats, Sample, NS_PER_MINUTE};
use crate::sketch::Sketch;
use crate::snapshot::{merge_into, Caps, DecodeError, Snapshot, Writer};

/// Samples kept per key after a merge.
pub const MERGED_SLOW_SAMPLES: usize = 10;
pub const MERGED_RECENT_SAMPLES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub writer: Writer,
    pub counters: EngineCounters,
    pub values: Vec<(String, u64)>,
    pub max_keys: u64,
    pub keys: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    pub processes: Vec<Process>,
    pub keys: HashMap<Key, KeyStats, FxBuildHasher>,
    /// Inputs that could not be read: their position in the input and why.
    pub unreadable: Vec<(usize, DecodeError)>,
}

/// Every call of one kind together (see `Report::latency`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overall {
    pub calls: u64,
    pub errors: u64,
    pub sketch: Sketch,
}

/// Upper bounds (exclusive) of the latency histogram's buckets: decades from 1 µs
/// to 10 s; one more bucket holds what is slower.
pub const HISTOGRAM_BOUNDS_NS: [u64; 8] = [
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
];

impl Overall {
    /// Calls per bucket of `HISTOGRAM_BOUNDS_NS`, and the calls slower than the last bound.
    /// A call counts where its sketch bin's value falls (within 1% of its duration).
    pub fn histogram(&self) -> Vec<u64> {
        let mut counts = vec![0u64; HISTOGRAM_BOUNDS_NS.len() + 1];
        counts[0] = self.sketch.zero_count();
        for (index, n) in self.sketch.bins() {
            let value = crate::sketch::bin_value(index);
            let bucket = HISTOGRAM_BOUNDS_NS.partition_point(|&upper| upper <= value);
            counts[bucket] += n;
        }
        counts
    }
}

/// One key's figures, for a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: Key,
    pub text: String,
    pub operation: String,
    pub summary: String,
    pub origin: String,
    pub calls: u64,
    /// Calls since start, whatever the window: `error_codes` and `rows` are since start too,
    /// so ratios of them use this.
    pub calls_all: u64,
    pub errors: u64,
    pub error_codes: Vec<(String, u64)>,
    pub rows: u64,
    pub slow_calls: u64,
    pub total_ns: u64,
    pub min_ns: Option<u64>,
    pub max_ns: Option<u64>,
    pub p50_ns: Option<u64>,
    pub p95_ns: Option<u64>,
    pub p99_ns: Option<u64>,
    pub last_ns: u64,
}

impl Row {
    pub fn mean_ns(&self) -> Option<u64> {
        let n = self.calls.max(1);
        (self.calls > 0).then(|| self.total_ns / n)
    }

    /// The figures rows can be sorted by, by their names in the CLI's JSON.
    pub const SORTABLE: [&'static str; 9] = [
        "total_ns", "calls", "mean_ns", "p50_ns", "p95_ns", "p99_ns", "max_ns", "errors", "rows",
    ];

    /// The figure named `name` (one of `SORTABLE`), 0 when it has none.
    pub fn figure(&self, name: &str) -> Option<u64> {
        let value = match name {
            "total_ns" => Some(self.total_ns),
            "calls" => Some(self.calls),
            "mean_ns" => self.mean_ns(),
            "p50_ns" => self.p50_ns,
            "p95_ns" => self.p95_ns,
            "p99_ns" => self.p99_ns,
            "max_ns" => self.max_ns,
            "errors" => Some(self.errors),
            "rows" => Some(self.rows),
            _ => return None,
        };
        Some(value.unwrap_or(0))
    }
}

/// Samples a merged key keeps.
const MERGED_CAPS: Caps = Caps {
    slowest: MERGED_SLOW_SAMPLES,
    recent: MERGED_RECENT_SAMPLES,
};

/// Decode and merge; unreadable inputs are listed, never fatal. Each input
/// is merged as it is decoded (see `snapshot::merge_into`): a key seen before
/// is read straight into the merged one.
pub fn merge_bytes(inputs: &[&[u8]]) -> Report {
    let mut report = Report::default();
    for (i, bytes) in inputs.iter().enumerate() {
        match merge_into(bytes, &mut report.keys, MERGED_CAPS) {
            Ok((snap, count)) => report.processes.push(process(&snap, count)),
            Err(e) => report.unreadable.push((i, e)),
        }
    }
    report
}

fn merge_key(keys: &mut HashMap<Key, KeyStats, FxBuildHasher>, key: Key, stats: KeyStats) {
    match keys.get_mut(&key) {
        Some(mine) => mine.merge(stats, MERGED_SLOW_SAMPLES, MERGED_RECENT_SAMPLES),
        None => {
            let mut stats = stats;
            stats.trim_recent(MERGED_RECENT_SAMPLES);
            keys.insert(key, stats);
        }
    }
}

fn process(snap: &Snapshot, keys: usize) -> Process {
    Process {
        writer: snap.writer.clone(),
        counters: snap.counters.clone(),
        values: snap.values.clone(),
        max_keys: snap.max_keys,
        keys,
    }
}

impl Report {
    pub fn add(&mut self, snap: Snapshot) {
        let mut snap = snap;
        let keys = std::mem::take(&mut snap.keys);
        self.processes.push(process(&snap, keys.len()));
        for (key, stats) in keys {
            merge_key(&mut self.keys, key, stats);
        }
    }

    /// Every key of `kind`, with figures over the last `window_minutes` before
    /// `now_ns` (minute granularity) or over all time when None.
    pub fn rows(&self, kind: KeyKind, window_minutes: Option<u64>, now_ns: u64) -> Vec<Row> {
        self.keys
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .filter_map(|(k, st)| Some(with_texts(figures(*k, st, window_minutes, now_ns)?, st)))
            .collect()
    }

    /// The `limit` rows of `kind` with the largest figure `by` (one of
    /// `Row::SORTABLE`), largest first, ties by key so every run and every
    /// output format lists them in the same order. None when `by` is not a
    /// sortable figure. Texts are filled in only for the rows kept: of 10,000
    /// queries, `db top` copies the texts of 20.
    pub fn top_rows(
        &self,
        kind: KeyKind,
        window_minutes: Option<u64>,
        now_ns: u64,
        by: &str,
        limit: Option<usize>,
    ) -> Option<Vec<Row>> {
        if !Row::SORTABLE.contains(&by) {
            return None;
        }
        let mut rows: Vec<(&KeyStats, Row)> = self
            .keys
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .filter_map(|(k, st)| Some((st, figures(*k, st, window_minutes, now_ns)?)))
            .collect();
        rows.sort_by(|(_, a), (_, b)| {
            b.figure(by)
                .cmp(&a.figure(by))
                .then_with(|| a.key.cmp(&b.key))
        });
        rows.truncate(limit.unwrap_or(usize::MAX));
        Some(
            rows.into_iter()
                .map(|(st, row)| with_texts(row, st))
                .collect(),
        )
    }

    /// The slowest (slowest first) or most recent (newest first) samples of
    /// every key of `kind`, taken at or after `since_ns`.
    pub fn samples(
        &self,
        kind: KeyKind,
        slowest: bool,
        since_ns: u64,
    ) -> Vec<(Key, &KeyStats, &Sample)> {
        let mut out: Vec<(Key, &KeyStats, &Sample)> = Vec::new();
        for (k, st) in self.keys.iter().filter(|(k, _)| k.kind == kind) {
            let source: Box<dyn Iterator<Item = &Sample>> = if slowest {
                Box::new(st.slowest.iter())
            } else {
                Box::new(st.recent.iter())
            };
            out.extend(source.filter(|s| s.at_ns >= since_ns).map(|s| (*k, st, s)));
        }
        if slowest {
            out.sort_by(|a, b| {
                b.2.duration_ns
                    .cmp(&a.2.duration_ns)
                    .then(b.2.at_ns.cmp(&a.2.at_ns))
            });
        } else {
            out.sort_by_key(|s| std::cmp::Reverse(s.2.at_ns));
        }
        out
    }

    /// Every call of `kind` as one sketch, with its calls and errors: over all
    /// time, or the last `window_minutes` before `now_ns` (minute granularity).
    pub fn latency(&self, kind: KeyKind, window_minutes: Option<u64>, now_ns: u64) -> Overall {
        let mut all = Overall::default();
        for st in self
            .keys
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .map(|(_, st)| st)
        {
            match window_minutes {
                None => {
                    all.calls += st.calls;
                    all.errors += st.errors;
                    all.sketch.merge(&st.sketch);
                }
                Some(minutes) => {
                    for slot in st.window(minutes, now_ns) {
                        all.calls += slot.calls;
                        all.errors += slot.errors;
                        all.sketch.merge(&slot.sketch);
                    }
                }
            }
        }
        all
    }

    /// Calls and errors of every key of `kind` per minute, for the `minutes`
    /// minutes before the one of `now_ns` and that one: `minutes + 1` entries,
    /// oldest first, `(minute since the epoch, calls, errors)`.
    pub fn timeline(&self, kind: KeyKind, minutes: u64, now_ns: u64) -> Vec<(u64, u64, u64)> {
        let now = now_ns / NS_PER_MINUTE;
        let first = now.saturating_sub(minutes);
        let mut out: Vec<(u64, u64, u64)> = (first..=now).map(|m| (m, 0, 0)).collect();
        for st in self
            .keys
            .iter()
            .filter(|(k, _)| k.kind == kind)
            .map(|(_, st)| st)
        {
            for slot in st.window(minutes, now_ns) {
                if let Some(entry) = out.get_mut((slot.minute - first) as usize) {
                    entry.1 += slot.calls;
                    entry.2 += slot.errors;
                }
            }
        }
        out
    }

    pub fn counters(&self) -> EngineCounters {
        let mut total = EngineCounters::default();
        for p in &self.processes {
            total.recorded += p.counters.recorded;
            total.overflowed += p.counters.overflowed;
            total.rejected += p.counters.rejected;
            total.internal_errors += p.counters.internal_errors;
        }
        total
    }
}

/// A row's texts and error codes, copied from its key.
fn with_texts(row: Row, st: &KeyStats) -> Row {
    Row {
        text: st.text.clone(),
        operation: st.operation.clone(),
        summary: st.summary.clone(),
        origin: st.origin.clone(),
        error_codes: st
            .error_codes
            .iter()
            .map(|(c, n)| (c.to_string(), *n))
            .collect(),
        ..row
    }
}

/// A key's figures over all time or a window (None when the window saw no
/// call); texts and error codes are left empty (see `with_texts`).
fn figures(key: Key, st: &KeyStats, window_minutes: Option<u64>, now_ns: u64) -> Option<Row> {
    let windowed;
    let (calls, errors, sketch) = match window_minutes {
        None => (st.calls, st.errors, &st.sketch),
        Some(minutes) => {
            let mut sketch = Sketch::new();
            let (mut calls, mut errors) = (0, 0);
            for slot in st.window(minutes, now_ns) {
                calls += slot.calls;
                errors += slot.errors;
                sketch.merge(&slot.sketch);
            }
            if calls == 0 {
                return None;
            }
            windowed = sketch;
            (calls, errors, &windowed)
        }
    };
    Some(Row {
        key,
        text: String::new(),
        operation: String::new(),
        summary: String::new(),
        origin: String::new(),
        calls,
        calls_all: st.calls,
        errors,
        error_codes: Vec::new(),
        rows: st.rows,
        slow_calls: st.slow_calls,
        total_ns: sketch.sum_ns(),
        min_ns: sketch.min_ns(),
        max_ns: sketch.max_ns(),
        p50_ns: sketch.quantile_ns(0.50),
        p95_ns: sketch.quantile_ns(0.95),
        p99_ns: sketch.quantile_ns(0.99),
        last_ns: st.last_ns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Call, Config, Engine, NS_PER_MINUTE};
    use crate::snapshot::encode;

    const T0: u64 = 1_700_000_000_000_000_000;

    fn process(pid: u32, offset_ns: i64) -> Vec<u8> {
        let mut e = Engine::new(Config::standard(), T0);
        for i in 0..100i64 {
            let call = Call {
                duration_ns: 1_000_000 + i * 10_000 + offset_ns,
                error: (i % 10 == 0).then_some("40001"),
                rows: 2,
                now_ns: T0 + (i as u64 % 3) * NS_PER_MINUTE,
                ..Call::default()
            };
            e.record_query(
                format!("SELECT * FROM books WHERE id = {i}").as_bytes(),
                &call,
            );
            e.record_query(
                b"SELECT 1",
                &Call {
                    duration_ns: 50_000,
                    now_ns: T0,
                    ..Call::default()
                },
            );
        }
        let writer = Writer {
            pid,
            host: "h".into(),
            ..Writer::default()
        };
        encode(&e, &writer)
    }

    #[test]
    fn two_processes_merge_into_exact_totals() {
        let (a, b) = (process(1, 0), process(2, 500_000));
        let report = merge_bytes(&[&a, b"garbage", &b]);
        assert_eq!(report.processes.len(), 2);
        assert_eq!(report.unreadable.len(), 1);
        assert_eq!(report.unreadable[0].0, 1);
        let rows = report.rows(KeyKind::Query, None, T0);
        assert_eq!(rows.len(), 2);
        let books = rows.iter().find(|r| r.summary == "SELECT books").unwrap();
        assert_eq!((books.calls, books.errors, books.rows), (200, 20, 400));
        assert_eq!(books.error_codes, vec![("40001".to_string(), 20)]);
        assert_eq!(books.min_ns, Some(1_000_000));
        assert_eq!(books.max_ns, Some(1_000_000 + 99 * 10_000 + 500_000));
        let p50 = books.p50_ns.unwrap() as f64;
        assert!((p50 - 1_745_000.0).abs() / 1_745_000.0 < 0.02, "{p50}");
    }

    #[test]
    fn windows_count_only_recent_minutes() {
        let a = process(1, 0);
        let report = merge_bytes(&[&a]);
        let now = T0 + 2 * NS_PER_MINUTE;
        let calls = |w| {
            report
                .rows(KeyKind::Query, w, now)
                .iter()
                .find(|r| r.summary == "SELECT books")
                .map(|r| r.calls)
        };
        // Minutes 0, 1, 2 hold 34, 33, 33 calls.
        assert_eq!(calls(Some(0)), Some(33));
        assert_eq!(calls(Some(1)), Some(66));
        assert_eq!(calls(Some(15)), Some(100));
        assert_eq!(calls(None), Some(100));
        let later = report.rows(KeyKind::Query, Some(5), T0 + 60 * NS_PER_MINUTE);
        assert!(later.is_empty());
    }

    /// An engine with keys `0..keys` shifted by `shift`, so engines share some keys.
    fn random_engine(seed: u64, keys: u64, shift: u64, samples: usize, start: u64) -> Vec<u8> {
        let mut e = Engine::new(
            Config {
                slow_samples: samples,
                recent_samples: samples,
                ..Config::standard()
            },
            T0,
        );
        let mut x = seed | 1;
        let mut next = move || {
            // xorshift: reproducible figures without a dependency.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Time mostly moves forward (samples arrive in order), sometimes steps back.
        let mut clock = start + next() % (5 * NS_PER_MINUTE);
        for k in 0..keys {
            for _ in 0..(next() % 12) {
                let r = next();
                clock += (r >> 8) % 20_000_000_000;
                let now_ns = if r % 16 == 0 { clock - 1000 } else { clock };
                let call = Call {
                    duration_ns: (r % 5_000_000) as i64 - 10,
                    error: [None, Some("23505"), Some("40001"), Some("CancelledError")]
                        [(r >> 40) as usize % 4],
                    rows: (r >> 20) as i64 % 7 - 1,
                    trace_id: u128::from(r >> 3),
                    span_id: r >> 30,
                    now_ns,
                };
                e.record_query(format!("SELECT c{} FROM t", k + shift).as_bytes(), &call);
            }
            e.record_named(
                KeyKind::Pool,
                &format!("pool{}", (k + shift) % 3),
                "checkout",
                &Call {
                    duration_ns: (next() % 1000) as i64,
                    now_ns: clock,
                    ..Call::default()
                },
            );
        }
        encode(
            &e,
            &Writer {
                pid: seed as u32,
                ..Writer::default()
            },
        )
    }

    /// The merge as it was before keys were decoded in place: decode each
    /// snapshot whole, then fold its keys in with `KeyStats::merge`.
    fn reference_merge(inputs: &[&[u8]]) -> Report {
        let mut report = Report::default();
        for (i, bytes) in inputs.iter().enumerate() {
            match crate::snapshot::decode(bytes) {
                Ok(snap) => report.add(snap),
                Err(e) => report.unreadable.push((i, e)),
            }
        }
        report
    }

    fn sorted_rows(report: &Report, kind: KeyKind, window: Option<u64>) -> Vec<Row> {
        let mut rows = report.rows(kind, window, T0 + 10 * NS_PER_MINUTE);
        rows.sort_by_key(|r| r.key);
        rows
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Decoding keys straight into the merged report gives exactly what
        /// decoding them whole and merging gives: same keys, figures, sketches,
        /// slots, samples (and their order), processes.
        #[test]
        fn merging_in_place_equals_decoding_then_merging(
            seeds in proptest::collection::vec(1u64..1_000_000, 1..6),
            keys in 1u64..40,
            samples in 0usize..40,
        ) {
            let blobs: Vec<Vec<u8>> = seeds
                .iter()
                .enumerate()
                // Later processes mostly write later samples; some overlap the others.
                .map(|(i, s)| {
                    let start = T0 + (i as u64 % 3) * 30 * NS_PER_MINUTE;
                    random_engine(*s, keys, i as u64 * keys / 3, samples, start)
                })
                .collect();
            let mut inputs: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
            inputs.insert(inputs.len() / 2, b"PGOTEL\0S garbage");
            let fast = merge_bytes(&inputs);
            let slow = reference_merge(&inputs);
            proptest::prop_assert_eq!(&fast.keys, &slow.keys);
            proptest::prop_assert_eq!(&fast.processes, &slow.processes);
            proptest::prop_assert_eq!(&fast.unreadable, &slow.unreadable);
        }

        /// Figures do not depend on the order the snapshots are merged in.
        #[test]
        fn figures_do_not_depend_on_merge_order(
            seeds in proptest::collection::vec(1u64..1_000_000, 2..6),
            keys in 1u64..30,
        ) {
            let blobs: Vec<Vec<u8>> = seeds
                .iter()
                .enumerate()
                .map(|(i, s)| random_engine(*s, keys, i as u64 * keys / 2, 8, T0))
                .collect();
            let forward: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
            let backward: Vec<&[u8]> = forward.iter().rev().copied().collect();
            let (a, b) = (merge_bytes(&forward), merge_bytes(&backward));
            for kind in KeyKind::ALL {
                for window in [None, Some(1), Some(5), Some(15)] {
                    let (ra, rb) = (sorted_rows(&a, kind, window), sorted_rows(&b, kind, window));
                    proptest::prop_assert_eq!(ra.len(), rb.len());
                    for (x, y) in ra.iter().zip(&rb) {
                        let mut codes = (x.error_codes.clone(), y.error_codes.clone());
                        codes.0.sort();
                        codes.1.sort();
                        proptest::prop_assert_eq!(codes.0, codes.1);
                        let strip = |r: &Row| Row { error_codes: Vec::new(), ..r.clone() };
                        proptest::prop_assert_eq!(strip(x), strip(y));
                    }
                }
            }
        }
    }

    #[test]
    fn top_rows_are_the_sorted_head_of_all_rows() {
        let blobs: Vec<Vec<u8>> = (1..4).map(|s| random_engine(s, 60, s * 7, 8, T0)).collect();
        let inputs: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
        let report = merge_bytes(&inputs);
        for by in Row::SORTABLE {
            for window in [None, Some(5)] {
                let mut all = report.rows(KeyKind::Query, window, T0 + 10 * NS_PER_MINUTE);
                all.sort_by_key(|r| (std::cmp::Reverse(r.figure(by)), r.key));
                all.truncate(7);
                let top =
                    report.top_rows(KeyKind::Query, window, T0 + 10 * NS_PER_MINUTE, by, Some(7));
                assert_eq!(top, Some(all), "{by} {window:?}");
            }
        }
        assert_eq!(report.top_rows(KeyKind::Query, None, 0, "text", None), None);
    }

    #[test]
    fn latency_and_timeline_add_up_every_key() {
        let a = process(1, 0);
        let report = merge_bytes(&[&a]);
        let now = T0 + 2 * NS_PER_MINUTE;
        let all = report.latency(KeyKind::Query, None, now);
        assert_eq!((all.calls, all.errors), (200, 10));
        assert_eq!(all.sketch.count(), 200);
        // 100 calls of 50µs, 100 of 1.00ms to 1.99ms; exactly 1ms shares its
        // bin with values under 1ms, whose value (within 1%) is 999,xxx ns.
        assert_eq!(all.histogram(), vec![0, 0, 100, 1, 99, 0, 0, 0, 0]);
        let last = report.latency(KeyKind::Query, Some(0), now);
        assert_eq!(last.calls, 33);
        let timeline = report.timeline(KeyKind::Query, 3, now);
        let calls: Vec<u64> = timeline.iter().map(|m| m.1).collect();
        // Minute 0 holds the 100 calls of SELECT 1 and 34 of the books query.
        assert_eq!(calls, vec![0, 134, 33, 33]);
        assert_eq!(timeline[3].0, now / NS_PER_MINUTE);
        assert_eq!(timeline.iter().map(|m| m.2).sum::<u64>(), 10);
    }

    #[test]
    fn samples_sort_slowest_and_newest_first() {
        let a = process(1, 0);
        let report = merge_bytes(&[&a]);
        let slow = report.samples(KeyKind::Query, true, 0);
        assert!(slow
            .windows(2)
            .all(|w| w[0].2.duration_ns >= w[1].2.duration_ns));
        assert_eq!(slow[0].2.duration_ns, 1_000_000 + 99 * 10_000);
        let recent = report.samples(KeyKind::Query, false, 0);
        assert!(recent.windows(2).all(|w| w[0].2.at_ns >= w[1].2.at_ns));
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::aggregate::{Call, Config, Engine};
    use crate::snapshot::encode;

    /// 8 snapshots of 10,000 keys (5 calls each), as `benches/bench_engine.py` makes them.
    fn blobs() -> Vec<Vec<u8>> {
        (0..8u64)
            .map(|seed| {
                let mut e = Engine::new(
                    Config {
                        max_keys: 20_000,
                        ..Config::standard()
                    },
                    1,
                );
                for k in 0..10_000u64 {
                    for j in 0..5u64 {
                        let call = Call {
                            duration_ns: (1000 * (seed + j + 1) + k) as i64,
                            rows: 1,
                            now_ns: 1_800_000_000_000_000_000,
                            ..Call::default()
                        };
                        e.record_query(
                            format!("SELECT c{k} FROM t{} WHERE id = {j}", k % 97).as_bytes(),
                            &call,
                        );
                    }
                }
                encode(&e, &Writer::default())
            })
            .collect()
    }

    /// CPU time of this process so far (user + system), from /proc/self/stat.
    fn cpu_time() -> std::time::Duration {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or("");
        let fields: Vec<u64> = after_name
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second here).
        let ticks = fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0);
        std::time::Duration::from_millis(ticks * 10)
    }

    #[test]
    #[ignore = "timing, run with --release --ignored --nocapture"]
    fn decode_and_merge_timing() {
        let blobs = blobs();
        let t = std::time::Instant::now();
        let snap = crate::snapshot::decode(&blobs[0]).unwrap();
        println!("decode one: {:?} ({} keys)", t.elapsed(), snap.keys.len());
        let slices: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
        let mut best = std::time::Duration::MAX;
        let cpu = cpu_time();
        let rounds = 10;
        for _ in 0..rounds {
            let t = std::time::Instant::now();
            let r = merge_bytes(&slices);
            best = best.min(t.elapsed());
            assert_eq!(r.keys.len(), 10_000);
            drop(r);
        }
        println!(
            "merge_bytes 8: best {best:?} wall; {:?} CPU per merge (freeing the report included)",
            (cpu_time() - cpu) / rounds
        );
        let r = merge_bytes(&slices);
        let t = std::time::Instant::now();
        let rows = r.rows(KeyKind::Query, None, 0);
        println!("rows: {:?} ({})", t.elapsed(), rows.len());
    }
}
