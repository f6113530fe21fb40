"""Load: many threads and tasks over many query shapes, counted exactly (docs/reliability.md).

The short version runs in `make test`; `make soak` sets PGOTEL_SOAK_LOAD=1 for the issue's
full figures: 10 threads x 10,000 queries and 1,000 asyncio tasks.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from psycopg_pool import AsyncConnectionPool

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.psycopg import PsycopgInstrumentor

SOAK = os.environ.get("PGOTEL_SOAK_LOAD") == "1"
THREADS = 10
PER_THREAD = 10_000 if SOAK else 300
TASKS = 1_000 if SOAK else 200
SHAPES = 50


def _query(k: int) -> str:
    """One of SHAPES query shapes (the alias differs; the literal is normalized away)."""
    return f"SELECT {k} AS c{k}, g FROM generate_series(1, %s) g"


def _normalized(k: int) -> str:
    return f"SELECT $1 AS c{k}, g FROM generate_series($2, $3) g"


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine()
    PsycopgInstrumentor().instrument(
        tracer_provider=TracerProvider(), engine=engine, settings=Settings.from_env({})
    )
    yield engine
    PsycopgInstrumentor().uninstrument()


def _rows(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows()}


def _check(engine: Engine, calls: Counter[int], rows: Counter[int]) -> None:
    got = _rows(engine)
    assert {k: got[_normalized(k)]["calls"] for k in calls} == dict(calls)
    assert {k: got[_normalized(k)]["rows"] for k in rows} == dict(rows)
    assert all(got[_normalized(k)]["errors"] == 0 for k in calls)


def test_threads_over_many_shapes_exact_counts_and_rows(dsn: str, engine: Engine) -> None:
    def work(t: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            cur = conn.cursor()
            for j in range(PER_THREAD):
                cur.execute(_query((t + j) % SHAPES), (j % 5 + 1,))
                assert len(cur.fetchall()) == j % 5 + 1

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls: Counter[int] = Counter()
    rows: Counter[int] = Counter()
    for t in range(THREADS):
        for j in range(PER_THREAD):
            calls[(t + j) % SHAPES] += 1
            rows[(t + j) % SHAPES] += j % 5 + 1
    _check(engine, calls, rows)
    assert sum(calls.values()) == THREADS * PER_THREAD


def test_asyncio_tasks_over_many_shapes_exact_counts_and_rows(dsn: str, engine: Engine) -> None:
    async def main() -> None:
        async with AsyncConnectionPool(
            dsn, min_size=4, max_size=10, open=False, kwargs={"autocommit": True}
        ) as pool:

            async def task(n: int) -> None:
                async with pool.connection() as conn:
                    cur = await conn.execute(_query(n % SHAPES), (n % 3 + 1,))
                    assert len(await cur.fetchall()) == n % 3 + 1

            await asyncio.gather(*(task(n) for n in range(TASKS)))

    asyncio.run(main())
    calls = Counter(n % SHAPES for n in range(TASKS))
    rows: Counter[int] = Counter()
    for n in range(TASKS):
        rows[n % SHAPES] += n % 3 + 1
    _check(engine, calls, rows)


def test_known_durations_from_threads_sum_exactly() -> None:
    # The hooks measure durations themselves; here the durations are given, so the sums,
    # minimums and maximums the engine keeps can be checked to the nanosecond.
    engine = Engine()

    def duration(t: int, j: int) -> int:
        return 1_000 + 7 * t + 13 * j

    def work(t: int) -> None:
        for j in range(PER_THREAD):
            error = "57014" if j % 10 == 0 else None
            engine.record_query(_query((t + j) % SHAPES), duration(t, j), error, rows=j % 5)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    want: dict[int, dict[str, int]] = {}
    for t in range(THREADS):
        for j in range(PER_THREAD):
            w = want.setdefault((t + j) % SHAPES, Counter())
            d = duration(t, j)
            w["calls"] += 1
            w["errors"] += j % 10 == 0
            w["rows"] += j % 5
            w["total_ns"] += d
            w["min_ns"] = min(w.get("min_ns", d), d)
            w["max_ns"] = max(w["max_ns"], d)
    got = _rows(engine)
    for k, w in want.items():
        row = got[_normalized(k)]
        assert {f: row[f] for f in w} == dict(w), k
    assert engine.stats()["recorded"] == THREADS * PER_THREAD
