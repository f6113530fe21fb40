"""The demo as it stands: a throwaway PostgreSQL, a small workload, the server's view of it.

Later versions run a GraphQL service under `opentelemetry-instrument` and show
what pgotel saw; until then this proves the pieces the demo stands on: the
native engine loads, the embedded server starts and stops cleanly.
"""

from __future__ import annotations

import random
import time

import psycopg

import pgotel
from pgotel import devdb

WORKLOAD = [
    ("lookup by key", "SELECT name FROM authors WHERE id = %s", lambda: (random.randint(1, 1000),)),
    (
        "filter without index",
        "SELECT count(*) FROM authors WHERE name LIKE %s",
        lambda: (f"%{random.randint(0, 99)}%",),
    ),
    ("insert", "INSERT INTO visits (author_id) VALUES (%s)", lambda: (random.randint(1, 1000),)),
]


def main() -> None:
    print(f"pgotel {pgotel.__version__} (native engine: {pgotel.build_profile} build)")
    started = time.perf_counter()
    with devdb.start() as server:
        print(f"embedded PostgreSQL up in {time.perf_counter() - started:.2f}s at {server.dsn}")
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            print(f"server version {version[0] if version else '?'}")
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL)")
            conn.execute("CREATE TABLE visits (id serial PRIMARY KEY, author_id int NOT NULL)")
            conn.execute(
                "INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 1000) g"
            )
            conn.execute("SELECT pg_stat_statements_reset()")
            for _ in range(300):
                _, sql, params = random.choice(WORKLOAD)
                conn.execute(sql, params())
            rows = conn.execute(
                "SELECT calls, round(total_exec_time::numeric, 2), query FROM pg_stat_statements"
                " WHERE query ~* '^(SELECT|INSERT) ' AND query NOT LIKE '%pg_stat%'"
                " ORDER BY total_exec_time DESC"
            ).fetchall()
        print("\nWhat the server counted (pg_stat_statements):")
        print(f"{'calls':>6} {'total ms':>9}  query")
        for calls, total_ms, query in rows:
            print(f"{calls:>6} {total_ms:>9}  {query}")
    print("\nserver stopped and its files removed")


if __name__ == "__main__":
    main()
