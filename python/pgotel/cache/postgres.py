"""PostgreSQL's own cache, read live: the buffer cache hit ratio per database, table and statement.

Counters come from `pg_stat_database`, `pg_statio_user_tables` and, when the
extension is installed, `pg_stat_statements` (shared blocks). A statement is
joined to pgotel's own fingerprint when pgotel fingerprints its normalized
text to the same id, so its row can say how pgotel saw that query too.
Rows have the shape of `pgotel.cache.stats.cache_stats()`: hits are blocks
found in shared buffers, misses blocks read from outside them.
"""

from __future__ import annotations

from typing import Any

from pgotel._native import fingerprint
from pgotel.cache.stats import blank_row

#: Rows of each kind read, at most.
DEFAULT_LIMIT = 10
TIMEOUT = "5s"
SOURCE = "pg_stat_statements"

DATABASES = """
SELECT datname, blks_hit, blks_read FROM pg_stat_database
WHERE datname IS NOT NULL AND blks_hit + blks_read > 0
ORDER BY blks_hit + blks_read DESC LIMIT %s
"""

TABLES = """
SELECT schemaname, relname,
       coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) + coalesce(toast_blks_hit, 0),
       coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) + coalesce(toast_blks_read, 0)
FROM pg_statio_user_tables
ORDER BY 3 + 4 DESC, 1, 2 LIMIT %s
"""

STATEMENTS = """
SELECT query, shared_blks_hit, shared_blks_read FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND shared_blks_hit + shared_blks_read > 0
ORDER BY shared_blks_hit + shared_blks_read DESC LIMIT %s
"""


def _row(name: str, source: str, hits: int, misses: int) -> dict[str, Any]:
    row = blank_row(name)
    row["source"] = source
    row["hits"], row["misses"] = int(hits), int(misses)
    row["lookups"] = row["hits"] + row["misses"]
    if row["lookups"]:
        row["hit_ratio"] = round(row["hits"] / row["lookups"], 4)
    return row


def probe(
    dsn: str, *, limit: int = DEFAULT_LIMIT, known_ids: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The buffer cache rows of the database at `dsn` (databases, top tables, top statements).

    `known_ids` are pgotel's fingerprint ids (hex) seen by the engine: a statement whose
    normalized text fingerprints to one of them carries it in `fingerprint`.
    Raises `psycopg.Error` when the database cannot be read.
    """
    import psycopg

    rows: list[dict[str, Any]] = []
    with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as conn:
        conn.execute(f"SET statement_timeout = '{TIMEOUT}'")
        for datname, hit, read in conn.execute(DATABASES, (limit,)):
            rows.append(_row(f"database {datname}", "postgres", hit, read))
        for schema, table, hit, read in conn.execute(TABLES, (limit,)):
            rows.append(_row(f"table {schema}.{table}", "postgres", hit, read))
        installed = conn.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
        ).fetchone()
        if installed:
            rows += _statements(conn.execute(STATEMENTS, (limit,)), known_ids)
    return rows


def _statements(found: Any, known_ids: frozenset[str]) -> list[dict[str, Any]]:
    # pg_stat_statements keeps a query once per user and nesting level: pgotel's fingerprint
    # is one query shape, so entries of one fingerprint are added up.
    by_id: dict[str, dict[str, Any]] = {}
    for query, hit, read in found:
        fp = fingerprint(query)
        row = by_id.get(fp.hex)
        if row is None:
            row = by_id[fp.hex] = _row(f"statement {fp.summary} ({fp.hex})", SOURCE, 0, 0)
            row["query"] = fp.normalized
            row["fingerprint"] = fp.hex if fp.hex in known_ids else None
        row["hits"] += int(hit)
        row["misses"] += int(read)
        row["lookups"] = row["hits"] + row["misses"]
        row["hit_ratio"] = round(row["hits"] / row["lookups"], 4) if row["lookups"] else None
    return list(by_id.values())
