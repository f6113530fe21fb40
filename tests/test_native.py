"""The native engine as Python sees it: fingerprints, exact aggregates, snapshots."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgotel import Engine, fingerprint, merge_snapshots
from pgotel._native import SNAPSHOT_FORMAT_VERSION, snapshot_info
from pgotel.errors import PgotelError, SnapshotError


def test_fingerprint_of_str_and_bytes_agree() -> None:
    text = "SELECT * FROM users WHERE id = 42"
    a, b = fingerprint(text), fingerprint(text.encode())
    assert a == b and a.id == b.id
    assert a.normalized == "SELECT * FROM users WHERE id = $1"
    assert (a.operation, a.table, a.summary, a.exact) == ("SELECT", "users", "SELECT users", True)
    assert a.hex == f"{a.id:016x}"


def test_invalid_utf8_bytes_are_flagged_not_raised() -> None:
    fp = fingerprint(b"SELECT * FROM t WHERE name = '\xff\xfe secret'")
    assert not fp.exact or fp.normalized == "SELECT * FROM t WHERE name = $1"
    assert "secret" not in fp.normalized


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="query must be str or bytes, not int"):
        fingerprint(42)  # type: ignore[arg-type]


def test_sixteen_threads_give_exact_totals() -> None:
    engine = Engine()
    threads_n, per_thread = 16, 100_000
    queries = [f"SELECT * FROM t{k % 50} WHERE id = {{}}" for k in range(50)]

    def work(seed: int) -> None:
        for i in range(per_thread):
            engine.record_query(queries[(seed + i) % 50].format(i), 1_000 + i % 7, None, 1)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = merge_snapshots([engine.snapshot()]).rows()
    assert len(rows) == 50
    assert sum(r["calls"] for r in rows) == threads_n * per_thread
    assert sum(r["rows"] for r in rows) == threads_n * per_thread
    expected_sum = sum(1_000 + i % 7 for i in range(per_thread)) * threads_n
    assert sum(r["total_ns"] for r in rows) == expected_sum
    assert engine.stats()["recorded"] == threads_n * per_thread


def test_errors_samples_and_windows_reach_the_report() -> None:
    engine = Engine(slow_threshold_ns=1_000_000, service="books", host="web-1")
    trace = 0x0AF7651916CD43DD8448EB211C80319C
    span = 0xB7AD6B7169203331
    engine.record_query("INSERT INTO t VALUES (1)", 2_000_000, "23505", 0, trace, span)
    engine.record_query("INSERT INTO t VALUES (2)", 500_000, None, 1)
    report = merge_snapshots([engine.snapshot()])
    (row,) = report.rows(window_minutes=1)
    assert (row["calls"], row["errors"], row["slow_calls"]) == (2, 1, 1)
    assert row["error_codes"] == [("23505", 1)]
    assert row["max_ns"] == 2_000_000 and row["min_ns"] == 500_000
    slow = report.samples(slowest=True)
    assert slow[0]["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert slow[0]["error"] == "23505"
    assert slow[1]["trace_id"] is None
    (proc,) = report.processes
    assert (proc["service"], proc["host"], proc["keys"]) == ("books", "web-1", 1)


def test_graphql_and_cache_keys_are_separate_kinds() -> None:
    engine = Engine()
    engine.record_named("graphql", "query Books", "query", 5_000)
    engine.record_named("cache", "redis:books", "get", 100)
    report = merge_snapshots([engine.snapshot()])
    assert [r["text"] for r in report.rows("graphql")] == ["query Books"]
    assert [r["text"] for r in report.rows("cache")] == ["redis:books"]
    assert report.rows("query") == []
    with pytest.raises(TypeError, match="unknown key kind"):
        report.rows("nope")


def test_key_cap_is_counted() -> None:
    engine = Engine(max_keys=5)
    for i in range(20):
        engine.record_query(f"SELECT * FROM t{i}", 10)
    stats = engine.stats()
    assert (stats["keys"], stats["overflowed"]) == (6, 15)


def test_reset_forgets_everything() -> None:
    engine = Engine()
    engine.record_query("SELECT 1", 10)
    engine.reset()
    assert engine.stats()["recorded"] == 0
    assert merge_snapshots([engine.snapshot()]).rows() == []


def test_bad_snapshots_are_named_not_fatal() -> None:
    good = Engine().snapshot()
    newer = bytearray(good)
    newer[8:10] = (SNAPSHOT_FORMAT_VERSION + 1).to_bytes(2, "little")
    report = merge_snapshots([good, b"", good[:-3], bytes(newer)])
    assert len(report.processes) == 1
    reasons = dict(report.unreadable)
    assert reasons[1] == "not a pgotel snapshot (bad magic bytes)"
    assert reasons[2].startswith("truncated snapshot")
    assert "upgrade pgotel" in reasons[3]
    with pytest.raises(SnapshotError, match="truncated") as info:
        snapshot_info(good[:-3])
    assert isinstance(info.value, PgotelError)
    assert snapshot_info(good)["format_version"] == SNAPSHOT_FORMAT_VERSION


# Values that could be secrets: any text, any number. They must never survive normalization.
TEMPLATES = [
    ("SELECT * FROM t WHERE a = {q}", "SELECT * FROM t WHERE a = $1"),
    ("UPDATE t SET a = {q} WHERE b = {n}", "UPDATE t SET a = $1 WHERE b = $2"),
    ("INSERT INTO t (a, b) VALUES ({q}, {n})", "INSERT INTO t (a, b) VALUES ($1, $2)"),
    ("SELECT {n} + {n}, {q}::text", "SELECT $1 + $2, $3::text"),
    ("SELECT * FROM t WHERE a IN ({q}, {q}, {n})", "SELECT * FROM t WHERE a IN ($1 /*, ... */)"),
]


def _quote(value: str, style: int) -> str:
    if style == 0:
        return "'" + value.replace("'", "''") + "'"
    if style == 1:
        return "E'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    tag = "$q$"
    return tag + value + tag if tag not in value else "'" + value.replace("'", "''") + "'"


@settings(max_examples=300, deadline=None)
@given(
    value=st.text(alphabet=st.characters(exclude_characters="\x00"), min_size=1),
    number=st.one_of(
        st.integers(min_value=0, max_value=10**30).map(str),
        st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
    ),
    style=st.integers(min_value=0, max_value=2),
    template=st.sampled_from(TEMPLATES),
)
def test_random_literals_never_survive(value: str, number: str, style: int, template) -> None:
    sql_template, expected = template
    sql = sql_template.format(q=_quote(value, style), n=number)
    fp = fingerprint(sql)
    assert fp.normalized == expected, sql
    assert fp.id == fingerprint(expected).id


def test_lone_surrogates_do_not_raise() -> None:
    fp = fingerprint("SELECT '\ud800' FROM t WHERE x = 1")
    assert fp.normalized == "SELECT $1 FROM t WHERE x = $2"
    assert Engine().record_query("SELECT '\udfff'", 5).normalized == "SELECT $1"
