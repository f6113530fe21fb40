use super::*;
use crate::aggregate::{Call, Config, Sample};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000_000_000_000;

fn writer() -> Writer {
    Writer {
        pid: 4242,
        host: "web-1".into(),
        service: "books".into(),
        instance: "a1b2".into(),
        started_ns: T0,
        written_ns: T0 + 5,
    }
}

fn busy_engine(keys: usize) -> Engine {
    let mut e = Engine::new(Config::standard(), T0);
    for i in 0..keys {
        for j in 0..5u64 {
            let err = (j == 3).then_some("23505");
            let call = Call {
                duration_ns: (1_000 + 997 * j * (i as u64 + 1)) as i64,
                error: err,
                rows: j as i64,
                trace_id: u128::from(j) << 70 | 9,
                span_id: j,
                now_ns: T0 + j * crate::aggregate::NS_PER_MINUTE,
            };
            e.record_query(
                format!("SELECT c{i} FROM t WHERE id = {j}").as_bytes(),
                &call,
            );
        }
    }
    e
}

#[test]
fn round_trip_keeps_everything() {
    let e = busy_engine(50);
    let bytes = encode(&e, &writer());
    let snap = decode(&bytes).unwrap();
    assert_eq!(snap.writer, writer());
    assert_eq!(snap.counters, e.counters);
    assert_eq!(snap.max_keys, 10_000);
    assert_eq!(snap.keys.len(), 50);
    for (key, st) in &snap.keys {
        let orig = &e.keys[key];
        assert_eq!(st.text, orig.text);
        assert_eq!(st.sketch, orig.sketch);
        assert_eq!(st.error_codes, orig.error_codes);
        // Decoding stamps each sample with the writer's pid.
        let stamped = |v: Vec<Sample>| -> Vec<Sample> {
            v.into_iter().map(|s| Sample { pid: 4242, ..s }).collect()
        };
        assert_eq!(st.slowest, stamped(orig.slowest.clone()));
        let recent: Vec<Sample> = st.recent.iter().cloned().collect();
        assert_eq!(recent, stamped(orig.recent.iter().cloned().collect()));
        let live: Vec<_> = orig.slots.iter().filter(|s| s.calls > 0).cloned().collect();
        assert_eq!(st.slots, live);
    }
}

#[test]
fn foreign_truncated_newer_and_corrupt_inputs_are_typed_errors() {
    let bytes = encode(&busy_engine(3), &writer());
    assert_eq!(decode(b"PK\x03\x04 zip file"), Err(DecodeError::Foreign));
    assert_eq!(decode(b""), Err(DecodeError::Foreign));
    assert!(matches!(
        decode(&bytes[..bytes.len() - 1]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        decode(&bytes[..20]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut newer = bytes.clone();
    newer[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(
        decode(&newer),
        Err(DecodeError::NewerVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        })
    );
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 0x40;
    assert_eq!(
        decode(&flipped),
        Err(DecodeError::Corrupt("checksum mismatch".into()))
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(decode(&longer), Err(DecodeError::Corrupt(_))));
}

#[test]
fn messages_say_what_is_wrong() {
    let newer = DecodeError::NewerVersion {
        found: 9,
        supported: 1,
    };
    assert!(newer.to_string().contains("upgrade pgotel"));
    assert!(DecodeError::Foreign
        .to_string()
        .contains("not a pgotel snapshot"));
}

/// Re-seal a body with a valid header, so the decoder's body checks (not the checksum) are exercised.
fn seal(body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN];
    out[..8].copy_from_slice(MAGIC);
    out[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[12..20].copy_from_slice(&(body.len() as u64).to_le_bytes());
    out[20..28].copy_from_slice(&checksum(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn garbage_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&seal(&body));
        let _ = decode(&body);
    }

    #[test]
    fn damaged_real_bodies_never_panic(at in 0usize..10_000, byte in any::<u8>(), cut in 0usize..10_000) {
        let bytes = encode(&busy_engine(4), &writer());
        let mut body = bytes[HEADER_LEN..].to_vec();
        let at = at % body.len();
        body[at] = byte;
        let _ = decode(&seal(&body));
        body.truncate(cut % (body.len() + 1));
        let _ = decode(&seal(&body));
    }
}

#[test]
fn resolver_keys_and_origins_round_trip_and_older_formats_still_decode() {
    let mut e = busy_engine(2);
    let call = Call {
        duration_ns: 7_000,
        now_ns: T0,
        ..Call::default()
    };
    e.record_named(KeyKind::Resolver, "User.posts", "query", &call);
    let snap = decode(&encode(&e, &writer())).unwrap();
    let (_, posts) = snap
        .keys
        .iter()
        .find(|(k, _)| k.kind == KeyKind::Resolver)
        .unwrap();
    assert_eq!((posts.text.as_str(), posts.calls), ("User.posts", 1));
    let fp = crate::fingerprint::fingerprint(b"SELECT * FROM books WHERE author_id = 1");
    let repeats = Call {
        duration_ns: 9_000,
        rows: 12,
        now_ns: T0,
        ..Call::default()
    };
    e.record_n_plus_one("query Shelf", "Author.books", &fp, &repeats);
    let snap = decode(&encode(&e, &writer())).unwrap();
    let (_, n_plus_one) = snap
        .keys
        .iter()
        .find(|(k, _)| k.kind == KeyKind::NPlusOne)
        .unwrap();
    assert_eq!(
        (n_plus_one.summary.as_str(), n_plus_one.origin.as_str()),
        ("SELECT books", "Author.books")
    );
    // Files written before resolver keys and origins existed (no key of kind 5 in them).
    for version in [1, 2] {
        let old = encode_as(&busy_engine(3), &writer(), version);
        assert_eq!(u16::from_le_bytes([old[8], old[9]]), version);
        let snap = decode(&old).unwrap();
        assert_eq!(snap.keys.len(), 3);
        assert!(snap.keys.iter().all(|(_, st)| st.origin.is_empty()));
        let calls: u64 = snap.keys.iter().map(|(_, st)| st.calls).sum();
        assert_eq!(calls, 15);
    }
}

#[test]
fn named_values_round_trip_and_are_capped() {
    let mut e = busy_engine(1);
    assert!(e.set_value("exporter.traces.exported", 7));
    assert!(e.set_value("exporter.traces.exported", 9));
    assert!(e.set_value("exporter.traces.failed", 0));
    let snap = decode(&encode(&e, &writer())).unwrap();
    assert_eq!(
        snap.values,
        vec![
            ("exporter.traces.exported".to_string(), 9),
            ("exporter.traces.failed".to_string(), 0)
        ]
    );
    for i in 0..crate::aggregate::MAX_VALUES {
        e.set_value(&format!("v{i}"), 1);
    }
    assert_eq!(e.values.len(), crate::aggregate::MAX_VALUES);
    assert!(!e.set_value("one.too.many", 1));
}

/// A snapshot written by format version 1 (before named values) still reads.
#[test]
fn version_1_snapshots_still_decode() {
    let bytes = include_bytes!("v1.pgotel");
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 1);
    let snap = decode(bytes).unwrap();
    assert_eq!(snap.writer.service, "v1-fixture");
    assert!(snap.values.is_empty());
    assert_eq!(snap.counters.recorded, 3);
    let calls: u64 = snap.keys.iter().map(|(_, st)| st.calls).sum();
    assert_eq!(calls, 3);
}
