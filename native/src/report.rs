//! Many snapshots (one per process) merged into one report, and the rows
//! the CLI renders from it: per key, for all time or a rolling window.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::aggregate::{EngineCounters, Key, KeyKind, KeyStats, Sample};
use crate::sketch::Sketch;
use crate::snapshot::{decode_with, DecodeError, Snapshot, Writer};

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
}

/// Decode and merge; unreadable inputs are listed, never fatal. Keys are
/// merged as they are decoded, which `decode_with` starts only after the
/// header and the body checksum are verified: a torn or damaged file adds nothing.
pub fn merge_bytes(inputs: &[&[u8]]) -> Report {
    let mut report = Report::default();
    for (i, bytes) in inputs.iter().enumerate() {
        let keys = &mut report.keys;
        let mut count = 0;
        let decoded = decode_with(bytes, |key, stats| {
            count += 1;
            merge_key(keys, key, stats);
        });
        match decoded {
            Ok(snap) => report.processes.push(process(&snap, count)),
            Err(e) => report.unreadable.push((i, e)),
        }
    }
    report
}

fn merge_key(keys: &mut HashMap<Key, KeyStats, FxBuildHasher>, key: Key, stats: KeyStats) {
    match keys.get_mut(&key) {
        Some(mine) => mine.merge(stats, MERGED_SLOW_SAMPLES, MERGED_RECENT_SAMPLES),
        None => {
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
            .filter_map(|(k, st)| row(*k, st, window_minutes, now_ns))
            .collect()
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

fn row(key: Key, st: &KeyStats, window_minutes: Option<u64>, now_ns: u64) -> Option<Row> {
    let (calls, errors, sketch) = match window_minutes {
        None => (st.calls, st.errors, st.sketch.clone()),
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
            (calls, errors, sketch)
        }
    };
    Some(Row {
        key,
        text: st.text.clone(),
        operation: st.operation.clone(),
        summary: st.summary.clone(),
        origin: st.origin.clone(),
        calls,
        calls_all: st.calls,
        errors,
        error_codes: st
            .error_codes
            .iter()
            .map(|(c, n)| (c.to_string(), *n))
            .collect(),
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

    #[test]
    #[ignore = "timing, run with --release --ignored --nocapture"]
    fn decode_and_merge_timing() {
        let blobs: Vec<Vec<u8>> = (0..8u64)
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
            .collect();
        let t = std::time::Instant::now();
        let snap = crate::snapshot::decode(&blobs[0]).unwrap();
        println!("decode one: {:?} ({} keys)", t.elapsed(), snap.keys.len());
        let slices: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let r = merge_bytes(&slices);
            println!("merge_bytes 8: {:?} ({} keys)", t.elapsed(), r.keys.len());
        }
        let r = merge_bytes(&slices);
        let t = std::time::Instant::now();
        let rows = r.rows(KeyKind::Query, None, 0);
        println!("rows: {:?} ({})", t.elapsed(), rows.len());
    }
}
