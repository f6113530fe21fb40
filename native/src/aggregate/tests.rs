use super::*;

const T0: u64 = 1_700_000_000_000_000_000;

fn engine() -> Engine {
    Engine::new(Config::standard(), T0)
}

fn call(duration_ns: i64, now_ns: u64) -> Call<'static> {
    Call {
        duration_ns,
        rows: 1,
        now_ns,
        ..Call::default()
    }
}

#[test]
fn literal_variants_share_one_key_with_exact_totals() {
    let mut e = engine();
    for i in 0..1000u64 {
        let sql = format!("SELECT * FROM users WHERE id = {i}");
        e.record_query(sql.as_bytes(), &call(1_000 * (i as i64 + 1), T0 + i));
    }
    assert_eq!(e.keys.len(), 1);
    let stats = e.keys.values().next().unwrap();
    assert_eq!(stats.calls, 1000);
    assert_eq!(stats.rows, 1000);
    assert_eq!(stats.sketch.count(), 1000);
    assert_eq!(stats.sketch.sum_ns(), 1_000 * 1000 * 1001 / 2);
    assert_eq!(stats.sketch.min_ns(), Some(1_000));
    assert_eq!(stats.sketch.max_ns(), Some(1_000_000));
    assert_eq!(stats.text, "SELECT * FROM users WHERE id = $1");
    assert_eq!(stats.summary, "SELECT users");
}

#[test]
fn errors_are_counted_by_code_and_capped() {
    let mut e = engine();
    for i in 0..40 {
        let code = format!("2350{}", i % 20);
        let c = Call {
            error: Some(&code),
            ..call(10, T0)
        };
        e.record_query(b"INSERT INTO t VALUES (1)", &c);
    }
    let stats = e.keys.values().next().unwrap();
    assert_eq!(stats.errors, 40);
    assert_eq!(stats.error_codes.len(), MAX_ERROR_CODES + 1);
    let total: u64 = stats.error_codes.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 40);
    let other = stats
        .error_codes
        .iter()
        .find(|(c, _)| &**c == OTHER_ERRORS)
        .unwrap();
    assert_eq!(other.1, 8);
}

#[test]
fn slowest_and_recent_samples_are_kept() {
    let mut e = engine();
    for i in 0..100u64 {
        let c = Call {
            trace_id: u128::from(i) << 64 | 7,
            span_id: i,
            ..call((i as i64 * 37) % 100 * 1_000_000, T0 + i)
        };
        e.record_query(b"SELECT pg_sleep(0.1)", &c);
    }
    let stats = e.keys.values().next().unwrap();
    let slow: Vec<u64> = stats
        .slowest
        .iter()
        .map(|s| s.duration_ns / 1_000_000)
        .collect();
    assert_eq!(slow, vec![99, 98, 97, 96, 95, 94, 93, 92, 91, 90]);
    let recent: Vec<u64> = stats.recent.iter().map(|s| s.span_id).collect();
    assert_eq!(recent, (92..100).collect::<Vec<_>>());
    // Slow threshold 100 ms: nothing reached it.
    assert_eq!(stats.slow_calls, 0);
}

#[test]
fn key_cap_overflows_into_one_counted_key() {
    let mut e = Engine::new(
        Config {
            max_keys: 10,
            ..Config::standard()
        },
        T0,
    );
    for i in 0..100 {
        e.record_query(format!("SELECT * FROM t{i}").as_bytes(), &call(5, T0));
    }
    assert_eq!(e.keys.len(), 11);
    assert_eq!(e.counters.overflowed, 90);
    let overflow = &e.keys[&Key {
        kind: KeyKind::Query,
        id: OVERFLOW_ID,
    }];
    assert_eq!(overflow.calls, 90);
    let total: u64 = e.keys.values().map(|s| s.calls).sum();
    assert_eq!(total, 100);
}

#[test]
fn bad_durations_are_rejected_and_counted() {
    let mut e = engine();
    e.record_query(b"SELECT 1", &call(-5, T0));
    e.record_query(b"SELECT 1", &call(10, T0));
    assert_eq!(e.counters.rejected, 1);
    let stats = e.keys.values().next().unwrap();
    assert_eq!((stats.calls, stats.sketch.count()), (2, 1));
}

#[test]
fn windows_roll_by_the_minute() {
    let mut e = engine();
    for minute in 0..20u64 {
        e.record_named(
            KeyKind::GraphqlOperation,
            "query Books",
            "query",
            &call(1_000, T0 + minute * NS_PER_MINUTE),
        );
    }
    let stats = e.keys.values().next().unwrap();
    let now = T0 + 19 * NS_PER_MINUTE;
    let calls = |m| stats.window(m, now).map(|s| s.calls).sum::<u64>();
    assert_eq!((calls(1), calls(5), calls(15)), (2, 6, 16));
    assert_eq!(stats.calls, 20);
}

#[test]
fn merge_adds_up() {
    let mut a = engine();
    let mut b = engine();
    for i in 0..50 {
        a.record_query(format!("SELECT {i}").as_bytes(), &call(1_000 + i, T0));
        b.record_query(
            format!("SELECT {i}").as_bytes(),
            &call(2_000 + i, T0 + NS_PER_MINUTE),
        );
    }
    let mut merged = a.keys.values().next().unwrap().clone();
    merged.merge(b.keys.values().next().unwrap().clone(), 10, 8);
    assert_eq!(merged.calls, 100);
    assert_eq!(merged.sketch.count(), 100);
    assert_eq!(merged.sketch.min_ns(), Some(1_000));
    assert_eq!(merged.sketch.max_ns(), Some(2_049));
    assert_eq!(
        merged
            .window(15, T0 + NS_PER_MINUTE)
            .map(|s| s.calls)
            .sum::<u64>(),
        100
    );
    assert_eq!(merged.slowest[0].duration_ns, 2_049);
    assert!(merged.recent.iter().all(|s| s.at_ns == T0 + NS_PER_MINUTE));
}

#[test]
fn named_keys_are_stable_and_never_the_overflow_id() {
    assert_eq!(
        named_id(KeyKind::Cache, "redis"),
        named_id(KeyKind::Cache, "redis")
    );
    assert_ne!(
        named_id(KeyKind::Cache, "x"),
        named_id(KeyKind::GraphqlOperation, "x")
    );
    assert_ne!(named_id(KeyKind::Cache, ""), OVERFLOW_ID);
}

#[test]
fn slots_grow_with_active_minutes_and_survive_a_clock_step_back() {
    let mut e = engine();
    let rec = |e: &mut Engine, minute: u64| {
        e.record_named(
            KeyKind::Cache,
            "c",
            "get",
            &call(10, T0 + minute * NS_PER_MINUTE),
        );
    };
    rec(&mut e, 0);
    assert_eq!(e.keys.values().next().unwrap().slots.len(), 1);
    for minute in [1, 2, 40, 41, 39, 41] {
        rec(&mut e, minute);
    }
    let stats = e.keys.values().next().unwrap();
    let base = T0 / NS_PER_MINUTE;
    let minutes: Vec<u64> = stats.slots.iter().map(|s| s.minute - base).collect();
    // Minutes 0-2 aged out; the step back to 39 (older than any kept slot) went to the newest.
    assert_eq!(minutes, vec![40, 41]);
    assert_eq!(stats.slots.iter().map(|s| s.calls).sum::<u64>(), 4);
    assert_eq!(stats.calls, 7);
}

#[test]
fn n_plus_one_is_keyed_by_operation_and_query() {
    let mut e = engine();
    let fp = crate::fingerprint::fingerprint(b"SELECT * FROM books WHERE author_id = 1");
    let other = crate::fingerprint::fingerprint(b"SELECT * FROM reviews WHERE book_id = 1");
    let repeats = |n: i64| Call {
        duration_ns: n * 1000,
        rows: n,
        ..call(0, T0)
    };
    e.record_n_plus_one("query Authors", "Author.books", &fp, &repeats(10));
    e.record_n_plus_one("query Authors", "Author.books", &fp, &repeats(30));
    e.record_n_plus_one("query Feed", "Author.books", &fp, &repeats(7));
    e.record_n_plus_one("query Authors", "Author.books", &other, &repeats(5));
    // The same query from another resolver of the same operation is another N+1.
    e.record_n_plus_one("query Authors", "Shelf.books", &fp, &repeats(12));
    let found: Vec<&KeyStats> = e
        .keys
        .iter()
        .filter(|(k, _)| k.kind == KeyKind::NPlusOne)
        .map(|(_, s)| s)
        .collect();
    assert_eq!(found.len(), 4);
    let authors = found
        .iter()
        .find(|s| {
            s.operation == "query Authors" && s.text.contains("books") && s.origin == "Author.books"
        })
        .unwrap();
    assert_eq!((authors.calls, authors.rows), (2, 40));
    assert_eq!(authors.text, "SELECT * FROM books WHERE author_id = $1");
    assert_eq!(authors.summary, "SELECT books");
    let shelf = found.iter().find(|s| s.origin == "Shelf.books").unwrap();
    assert_eq!((shelf.calls, shelf.rows), (1, 12));
}

#[test]
fn resolver_paths_are_their_own_kind() {
    let mut e = engine();
    for i in 0..100i64 {
        e.record_named(
            KeyKind::Resolver,
            "User.posts",
            "query",
            &call(1_000 + i, T0),
        );
    }
    let fail = Call {
        error: Some("ValueError"),
        ..call(50, T0)
    };
    e.record_named(KeyKind::Resolver, "Query.users", "query", &fail);
    // Same name, another kind: another key.
    e.record_named(
        KeyKind::GraphqlOperation,
        "User.posts",
        "query",
        &call(5, T0),
    );
    let resolvers: Vec<&KeyStats> = e
        .keys
        .iter()
        .filter(|(k, _)| k.kind == KeyKind::Resolver)
        .map(|(_, s)| s)
        .collect();
    assert_eq!(resolvers.len(), 2);
    let posts = resolvers.iter().find(|s| s.text == "User.posts").unwrap();
    assert_eq!((posts.calls, posts.errors), (100, 0));
    assert_eq!(posts.sketch.sum_ns(), 100 * 1_000 + 99 * 100 / 2);
    let users = resolvers.iter().find(|s| s.text == "Query.users").unwrap();
    assert_eq!((users.calls, users.errors), (1, 1));
    assert_eq!(KeyKind::from_u8(5), Some(KeyKind::Resolver));
    assert_eq!(KeyKind::Resolver.name(), "resolver");
    assert_eq!(KeyKind::from_u8(6), Some(KeyKind::GraphqlDatabase));
    assert_eq!(KeyKind::GraphqlDatabase.name(), "graphql_db");
    assert_eq!(KeyKind::from_u8(7), None);
    // An operation and its database side are two keys under one name.
    assert_ne!(
        named_id(KeyKind::GraphqlDatabase, "query Books"),
        named_id(KeyKind::GraphqlOperation, "query Books")
    );
}

#[test]
fn counted_calls_add_to_calls_and_window_but_not_to_latency() {
    let mut e = engine();
    e.record_named(KeyKind::Cache, "users:hit", "hit", &call(2_000, T0));
    let id = e.count_named(KeyKind::Cache, "users:hit", "hit", 41, -1, T0 + 1);
    assert_eq!(id, named_id(KeyKind::Cache, "users:hit"));
    assert_eq!(
        e.count_named(KeyKind::Cache, "users:miss", "miss", 0, -1, T0),
        named_id(KeyKind::Cache, "users:miss")
    );
    assert_eq!(e.keys.len(), 1, "zero calls make no key");
    let stats = &e.keys[&Key {
        kind: KeyKind::Cache,
        id,
    }];
    assert_eq!(stats.calls, 42);
    assert_eq!(stats.sketch.count(), 1);
    assert_eq!(stats.sketch.sum_ns(), 2_000);
    assert_eq!(stats.operation, "hit");
    assert_eq!(stats.window(1, T0 + 1).map(|s| s.calls).sum::<u64>(), 42);
    assert_eq!(e.counters.recorded, 42);
}

#[test]
fn counted_calls_respect_the_key_cap() {
    let mut e = Engine::new(
        Config {
            max_keys: 1,
            ..Config::standard()
        },
        T0,
    );
    e.count_named(KeyKind::Cache, "a:hit", "hit", 3, -1, T0);
    e.count_named(KeyKind::Cache, "b:hit", "hit", 4, -1, T0);
    assert_eq!(e.keys.len(), 2);
    assert_eq!(
        e.keys[&Key {
            kind: KeyKind::Cache,
            id: OVERFLOW_ID
        }]
            .calls,
        4
    );
    assert_eq!(e.counters.overflowed, 1);
}
