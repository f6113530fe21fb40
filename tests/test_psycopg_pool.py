"""psycopg_pool instrumentation: waits, timeouts and the pool's state, on a real server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from psycopg_pool import AsyncConnectionPool, ConnectionPool, NullConnectionPool, PoolTimeout

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.psycopg_pool import PsycopgPoolInstrumentor


@dataclass
class Pooled:
    engine: Engine
    reader: InMemoryMetricReader

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Metric name -> [(attributes, value or histogram count)]."""
        data = self.reader.get_metrics_data()
        out: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    for point in metric.data.data_points:
                        value = getattr(point, "value", None)
                        if value is None:
                            value = point.count  # type: ignore[attr-defined]
                        out.setdefault(metric.name, []).append((dict(point.attributes), value))
        return out

    def pool_row(self, name: str) -> dict[str, Any]:
        rows = merge_snapshots([self.engine.snapshot()]).rows("pool")
        return next(r for r in rows if r["text"] == name)


@pytest.fixture
def pooled() -> Iterator[Pooled]:
    reader = InMemoryMetricReader()
    engine = Engine()
    PsycopgPoolInstrumentor().instrument(
        meter_provider=MeterProvider(metric_readers=[reader]),
        engine=engine,
        settings=Settings.from_env({"PGOTEL_POOL_WAIT_EVENT_MS": "50"}),
    )
    yield Pooled(engine, reader)
    PsycopgPoolInstrumentor().uninstrument()


def test_checkouts_and_the_pool_state_are_measured(dsn: str, pooled: Pooled) -> None:
    # A full pool from the start: a growing pool counts connections being opened as used.
    with ConnectionPool(dsn, min_size=3, max_size=3, name="books", open=True) as pool:
        pool.wait()
        for _ in range(5):
            with pool.connection() as conn:
                conn.execute("SELECT 1")
        held = pool.getconn()
        seen = pooled.metrics()
        pool.putconn(held)
    row = pooled.pool_row("books")
    assert (row["calls"], row["errors"]) == (6, 0)
    counts = {
        attrs["db.client.connection.state"]: v for attrs, v in seen["db.client.connection.count"]
    }
    assert counts["used"] == 1
    assert [v for _, v in seen["db.client.connection.max"]] == [3]
    assert counts["idle"] == 2
    assert [v for _, v in seen["db.client.connection.idle.min"]] == [3]
    assert [v for _, v in seen["db.client.connection.pending_requests"]] == [0]
    assert [v for _, v in seen["db.client.connection.wait_time"]] == [6]
    assert [v for _, v in seen["db.client.connection.use_time"]] == [5]
    assert [v for _, v in seen["db.client.connection.create_time"]] == [3]  # min_size opened
    assert all(
        a["db.client.connection.pool.name"] == "books" for a, _ in seen["db.client.connection.max"]
    )


def test_a_timeout_is_counted_and_shown_on_the_waiting_span(dsn: str, pooled: Pooled) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with ConnectionPool(dsn, min_size=1, max_size=1, name="tiny", open=True) as pool:
        held = pool.getconn()
        with (
            provider.get_tracer("app").start_as_current_span("request"),
            pytest.raises(PoolTimeout),
        ):
            pool.getconn(timeout=0.2)
        pool.putconn(held)
    row = pooled.pool_row("tiny")
    assert (row["calls"], row["errors"], row["error_codes"]) == (2, 1, [("PoolTimeout", 1)])
    assert row["max_ns"] >= 200_000_000
    assert [v for _, v in pooled.metrics()["db.client.connection.timeouts"]] == [1]
    (request,) = exporter.get_finished_spans()
    (event,) = request.events
    assert event.name == "db.client.connection.wait"
    assert event.attributes is not None
    assert event.attributes["error.type"] == "PoolTimeout"
    assert event.attributes["pgotel.wait_ms"] >= 200


def test_null_and_async_pools(dsn: str, pooled: Pooled) -> None:
    with NullConnectionPool(dsn, max_size=2, name="null", open=True) as pool:
        for _ in range(3):
            with pool.connection() as conn:
                conn.execute("SELECT 1")

    async def main() -> None:
        async with AsyncConnectionPool(
            dsn, min_size=2, max_size=4, name="async", open=False
        ) as pool:

            async def task() -> None:
                async with pool.connection() as conn:
                    await conn.execute("SELECT 1")

            await asyncio.gather(*(task() for _ in range(20)))

    asyncio.run(main())
    assert pooled.pool_row("null")["calls"] == 3
    created = dict(
        (a["db.client.connection.pool.name"], v)
        for a, v in pooled.metrics()["db.client.connection.create_time"]
    )
    assert created["null"] == 3  # a null pool opens a connection per checkout
    assert created["async"] >= 2
    assert pooled.pool_row("async")["calls"] == 20


def test_many_threads_exact_checkouts(dsn: str, pooled: Pooled) -> None:
    with ConnectionPool(dsn, min_size=2, max_size=4, name="threads", open=True) as pool:

        def work() -> None:
            for _ in range(50):
                with pool.connection() as conn:
                    conn.execute("SELECT 1")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert pooled.pool_row("threads")["calls"] == 400


def test_uninstrument_restores_the_pool_classes(dsn: str) -> None:
    before = {name: vars(ConnectionPool)[name] for name in ("getconn", "putconn")}
    PsycopgPoolInstrumentor().instrument(engine=Engine(), settings=Settings.from_env({}))
    PsycopgPoolInstrumentor().uninstrument()
    assert {name: vars(ConnectionPool)[name] for name in before} == before
    with ConnectionPool(dsn, min_size=1, max_size=1, open=True) as pool, pool.connection() as conn:
        assert isinstance(conn, psycopg.Connection)
