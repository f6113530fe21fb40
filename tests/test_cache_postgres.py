"""PostgreSQL's buffer cache, read live: a warmed table and a cold one, against the test server."""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from pgotel import fingerprint
from pgotel.cache.postgres import probe
from pgotel.cli import cli

WARM_QUERY = "SELECT count(*) FROM cache_warm WHERE id > 10"


def _evict(conn: psycopg.Connection[Any], table: str) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_buffercache")
    found = conn.execute("SELECT 1 FROM pg_proc WHERE proname = 'pg_buffercache_evict'").fetchone()
    if found is None:
        pytest.skip("this server cannot evict buffers (pg_buffercache_evict needs PostgreSQL 17)")
    conn.execute(
        "SELECT pg_buffercache_evict(bufferid) FROM pg_buffercache "
        "WHERE relfilenode = pg_relation_filenode(%s::regclass)",
        (table,),
    )


@pytest.fixture
def tables(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """cache_warm read three times from shared buffers, cache_cold once from outside them."""
    for table in ("cache_warm", "cache_cold"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (id int, pad text)")
        conn.execute(
            f"INSERT INTO {table} SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g"
        )
        conn.execute(f"SELECT count(*) FROM {table}")  # set hint bits: later scans only read
    _evict(conn, "cache_cold")
    # The reset must come after this session's own counts reached the shared statistics.
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT 1")
    for table in ("cache_warm", "cache_cold"):
        conn.execute("SELECT pg_stat_reset_single_table_counters(%s::regclass)", (table,))
    installed = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'"
    ).fetchone()
    loaded = conn.execute("SHOW shared_preload_libraries").fetchone()
    if installed and loaded and "pg_stat_statements" in loaded[0]:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    for _ in range(3):
        conn.execute(WARM_QUERY)
    conn.execute("SELECT count(*) FROM cache_cold")
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT 1")
    return conn


def _tables(dsn: str, **kw: Any) -> dict[str, dict[str, Any]]:
    # Statistics reach the shared views when the backend flushes them: wait for them, a bounded
    # number of times (this is not a timing assertion).
    for _ in range(50):
        rows = {r["cache"]: r for r in probe(dsn, limit=1000, **kw)}
        if rows.get("table public.cache_cold", {}).get("lookups"):
            return rows
        time.sleep(0.1)
    return rows


def test_the_probe_tells_a_warm_table_from_a_cold_one(dsn: str, tables: Any) -> None:
    rows = _tables(dsn)
    warm, cold = rows["table public.cache_warm"], rows["table public.cache_cold"]
    assert warm["source"] == "postgres"
    assert warm["misses"] == 0 and warm["hits"] > 0 and warm["hit_ratio"] == 1.0
    assert cold["misses"] > 0 and cold["hit_ratio"] < 0.5
    assert any(name.startswith("database ") and r["lookups"] > 0 for name, r in rows.items())


def test_statements_join_pgotel_fingerprints(dsn: str, tables: Any) -> None:
    loaded = tables.execute("SHOW shared_preload_libraries").fetchone()
    if not loaded or "pg_stat_statements" not in loaded[0]:
        pytest.skip("this server does not preload pg_stat_statements")
    seen = fingerprint(WARM_QUERY)  # the literal 10 becomes $1, as in pg_stat_statements
    rows = _tables(dsn, known_ids=frozenset({seen.hex}))
    statements = [r for r in rows.values() if r["source"] == "pg_stat_statements"]
    joined = [r for r in statements if r["fingerprint"] == seen.hex]
    assert len(joined) == 1
    assert joined[0]["query"] == seen.normalized
    assert joined[0]["hits"] > 0
    assert all(r["fingerprint"] is None for r in statements if r is not joined[0])


def test_cache_stats_with_dsn(dsn: str, tables: Any, tmp_path: Any) -> None:
    _tables(dsn)
    result = CliRunner().invoke(
        cli,
        ["cache", "stats", "--state-dir", str(tmp_path), "--dsn", dsn, "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    names = {r["cache"] for r in json.loads(result.stdout)}
    assert any(n.startswith("database ") for n in names)


def test_an_unreachable_database_is_one_line(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "cache",
            "stats",
            "--state-dir",
            str(tmp_path),
            "--dsn",
            "postgresql:///x?host=/nonexistent",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "could not read the database's cache figures" in result.stderr
