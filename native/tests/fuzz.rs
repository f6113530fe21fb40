//! Fuzzing by property: the fingerprinter and the snapshot decoder on hostile input.
//!
//! CI runs the default number of cases; `make fuzz` runs a million
//! (`PROPTEST_CASES=1000000`). cargo-fuzz would need a nightly toolchain,
//! which this project does not assume.

use pgotel_native::aggregate::{Call, Config, Engine};
use pgotel_native::fingerprint::{fingerprint, FingerprintCache};
use pgotel_native::snapshot::{decode, encode, Writer};
use proptest::prelude::*;

/// A marker no SQL keyword or identifier contains; it is only ever put inside literals.
/// Literal bodies hold no `*`, so a comment can never end inside one.
/// (No fragment opens a quote on its own: a stray `"` or `$$` would make the marker an
/// identifier or bare text by PostgreSQL's own rules, which is not a leak.)
const SECRET: &str = "zqxj";

fn literal() -> impl Strategy<Value = String> {
    let body = "[a-z0-9 ',;$\\\\\"()/-]{0,12}";
    prop_oneof![
        body.prop_map(|b| format!("'{SECRET}{}'", b.replace('\'', "''"))),
        body.prop_map(|b| format!(
            "E'{SECRET}{}'",
            b.replace('\\', "\\\\").replace('\'', "\\'")
        )),
        body.prop_map(|b| format!("$t${SECRET}{}$t$", b.replace("$t$", ""))),
        body.prop_map(|b| format!("$${SECRET}{}$$", b.replace("$$", ""))),
        body.prop_map(|b| format!("U&'{SECRET}{}'", b.replace('\'', "''"))),
    ]
}

/// An unterminated literal: the rest of the input belongs to it, so it can only come last.
fn unterminated() -> impl Strategy<Value = String> {
    let body = "[a-z0-9 ',;$\\\\\"()/-]{0,12}";
    prop_oneof![
        body.prop_map(|b| format!("'{SECRET}{}", b.replace('\'', "''"))),
        body.prop_map(|b| format!("$x${SECRET}{}", b.replace("$x$", ""))),
        body.prop_map(|b| format!("E'{SECRET}{}", b.replace('\'', "''"))),
    ]
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => literal(),
        3 => prop::sample::select(vec![
            "SELECT", "FROM", "WHERE", "t", "a", "b", "IN", "(", ")", ",", "=", "::", "ARRAY",
            "[", "]", "VALUES", "ORDER BY", "1", "-", "->>", "%s", "$1", ";", "/*", "*/",
            "--", "\n", "\"q\"", "\0", "\u{e9}",
        ])
        .prop_map(str::to_string),
        1 => any::<u64>().prop_map(|n| n.to_string()),
    ]
}

/// Parts of statements for the cache property: structure, and values whose spelling varies.
fn shaped_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "SELECT", "select", "FROM", "from", "WHERE", "t", "T", "\"t\"", "\"T\"", "a", "b",
            "IN", "(", ")", ",", "=", "-", "+", "::", "ARRAY", "[", "]", "VALUES", "ORDER BY",
            "order by", "GROUP BY", "LIMIT", "UNION", "->>", "%s", "$1", ";", "/* c */", "--c\n",
            "\n", "  ", "U&'x' UESCAPE '!'", "'a' 'b'", "E'\\''", "\0", "\u{e9}", "x.y",
            "INSERT INTO", "UPDATE", "SET", "DELETE", "WITH", "AS", "asc", "1.5", "1e3",
        ])
        .prop_map(str::to_string),
        2 => (0u64..4).prop_map(|n| n.to_string()),
        1 => any::<u32>().prop_map(|n| n.to_string()),
        1 => "[a-z0-9 ']{0,6}".prop_map(|b| format!("'{}'", b.replace('\'', "''"))),
    ]
}

proptest! {
    /// The cache gives every text exactly its own fingerprint (id, text, summary, flags),
    /// however many texts of the same shape it saw before: spelling the statement's
    /// values, case, spaces and comments differently and in any order.
    #[test]
    fn cached_fingerprints_equal_fresh_ones(
        texts in prop::collection::vec(prop::collection::vec(shaped_fragment(), 1..24), 1..12),
        seps in prop::collection::vec(prop::sample::select(vec![" ", "  ", "\n", "", "/**/"]), 24),
    ) {
        let mut cache = FingerprintCache::new(4);
        for parts in &texts {
            // Each text twice more with its values changed: the same shape, other literals.
            let variants = [
                parts.clone(),
                parts.iter().map(|p| if p.parse::<u64>().is_ok() { "7".to_string() } else { p.clone() }).collect(),
                parts.iter().map(|p| if p.starts_with('\'') { "'zz'".to_string() } else { p.clone() }).collect(),
            ];
            for v in &variants {
                let sql: String = v.iter().zip(seps.iter().cycle()).map(|(p, s)| format!("{p}{s}")).collect();
                let cached = cache.get(sql.as_bytes());
                prop_assert_eq!(&*cached, &fingerprint(sql.as_bytes()), "{:?}", sql);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let fp = fingerprint(&bytes);
        // id 0 is the fallback after a caught panic.
        prop_assert_ne!(fp.id, 0);
    }

    #[test]
    fn literals_never_leak(
        parts in prop::collection::vec(fragment(), 1..40),
        tail in prop::option::of(unterminated()),
    ) {
        let sql = format!("{} {}", parts.join(" "), tail.unwrap_or_default());
        let fp = fingerprint(sql.as_bytes());
        prop_assert!(!fp.normalized.contains(SECRET), "{sql:?} -> {:?}", fp.normalized);
        prop_assert!(!fp.summary.contains(SECRET));
        prop_assert!(!fp.table.unwrap_or_default().contains(SECRET));
    }

    #[test]
    fn snapshots_survive_any_damage(seed in 0u64..1000, at in any::<usize>(), byte in any::<u8>(), cut in any::<usize>()) {
        let mut engine = Engine::new(Config::standard(), 1);
        for i in 0..(seed % 20) {
            let call = Call { duration_ns: (seed * 997 + i) as i64, now_ns: seed + i, ..Call::default() };
            engine.record_query(format!("SELECT {i} FROM t{}", i % 3).as_bytes(), &call);
        }
        let mut bytes = encode(&engine, &Writer::default());
        prop_assert!(decode(&bytes).is_ok());
        let at = at % bytes.len();
        bytes[at] ^= byte | 1;
        prop_assert!(decode(&bytes).is_err(), "flipped byte {at} went unnoticed");
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = decode(&bytes);
    }
}

#[test]
fn pathological_inputs_finish() {
    // Deep nesting, endless lists, quote storms: all linear.
    let cases = [
        "(".repeat(1 << 20),
        format!("SELECT * FROM t WHERE a IN ({})", "(".repeat(100_000)),
        "'".repeat(1 << 20),
        "$a$".repeat(1 << 18),
        "/*".repeat(1 << 19),
        format!("SELECT ARRAY[{}]", "ARRAY[".repeat(100_000)),
        format!("INSERT INTO t VALUES {}", "(1),".repeat(200_000)),
        // Found by review: each `;` once scanned the rest, each table the targets so far.
        format!("SELECT 1{}", ";".repeat(1 << 20)),
        format!(
            "SELECT * FROM {}",
            (0..100_000)
                .map(|i| format!("t{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "SELECT * FROM a {}",
            (0..100_000)
                .map(|i| format!("JOIN t{i} ON true "))
                .collect::<String>()
        ),
    ];
    for sql in &cases {
        let fp = fingerprint(sql.as_bytes());
        assert_ne!(fp.id, 0);
    }
}
