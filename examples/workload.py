"""A small app that knows nothing of pgotel: a pool, a few queries, some of them bad.

Run it as `opentelemetry-instrument python -m examples.workload DSN SECONDS`;
pgotel instruments it through the launcher and env vars alone.
"""

from __future__ import annotations

import random
import sys
import time

import psycopg
from psycopg_pool import ConnectionPool


def lookup(conn: psycopg.Connection) -> None:
    conn.execute("SELECT title, year FROM books WHERE id = %s", (random.randint(1, 50_000),))


def search(conn: psycopg.Connection) -> None:
    # No index on title: a sequential scan over every book.
    pattern = f"%{random.randint(0, 999)}%"
    conn.execute("SELECT count(*) FROM books WHERE title LIKE %s", (pattern,)).fetchone()


def author_page(conn: psycopg.Connection) -> None:
    # The N+1 pattern: one query for the authors, one more per author.
    authors = conn.execute(
        "SELECT id FROM authors ORDER BY id LIMIT 10 OFFSET %s", (random.randint(0, 990),)
    ).fetchall()
    for (author_id,) in authors:
        conn.execute("SELECT id, title FROM books WHERE author_id = %s", (author_id,)).fetchall()


def review(conn: psycopg.Connection) -> None:
    # A unique (book, reader) pair: repeats fail with 23505, as real double submits do.
    try:
        with conn.transaction():
            conn.execute(
                "INSERT INTO reviews (book_id, reader, stars) VALUES (%s, %s, %s)",
                (random.randint(1, 200), f"reader{random.randint(1, 20)}", random.randint(1, 5)),
            )
    except psycopg.errors.UniqueViolation:
        pass


ACTIONS = [(lookup, 70), (author_page, 15), (review, 10), (search, 5)]


def main() -> None:
    dsn, seconds = sys.argv[1], float(sys.argv[2])
    actions = [action for action, weight in ACTIONS for _ in range(weight)]
    done = 0
    with ConnectionPool(dsn, min_size=2, max_size=4, name="books", open=True) as pool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with pool.connection() as conn:
                random.choice(actions)(conn)
            done += 1
    print(f"  worker done: {done} requests in {seconds:.0f}s", flush=True)


if __name__ == "__main__":
    main()
