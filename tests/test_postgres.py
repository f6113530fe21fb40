"""The test database is real: the server sees and counts what we send."""

from __future__ import annotations

import uuid

import psycopg
import pytest


def test_server_answers(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    assert row[0] >= 130000, "pgotel supports PostgreSQL 13 and later"


def test_query_counted_by_pg_stat_statements(conn: psycopg.Connection) -> None:
    loaded = conn.execute("SHOW shared_preload_libraries").fetchone()
    if loaded is None or "pg_stat_statements" not in loaded[0]:
        pytest.skip("this server does not preload pg_stat_statements")
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    table = f"pgotel_t_{uuid.uuid4().hex[:12]}"
    conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")
    try:
        conn.execute(f"INSERT INTO {table} SELECT g, 'n' || g FROM generate_series(1, 10) g")
        for key in (1, 5, 7):
            # Three calls with different values: one statement for the server.
            conn.execute(f"SELECT name FROM {table} WHERE id = %s", (key,))
        rows = conn.execute(
            "SELECT query, calls FROM pg_stat_statements WHERE query LIKE %s AND query LIKE %s",
            (f"%{table}%", "SELECT name%"),
        ).fetchall()
    finally:
        conn.execute(f"DROP TABLE {table}")
    assert rows == [(f"SELECT name FROM {table} WHERE id = $1", 3)]
