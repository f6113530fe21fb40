"""What instrumenting psycopg adds per query, beside raw psycopg and the contrib instrumentation.

Every contender runs the same queries over the same unix socket to the
embedded PostgreSQL, with the same TracerProvider set-up (a BatchSpanProcessor
with a no-op exporter). Instrumentation is process-wide, so each round
instruments, measures and uninstruments each contender in turn; the best
round stands for each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from opentelemetry import context, trace
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor as ContribInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from benches.timing import NullExporter
from pgotel import Engine
from pgotel.config import Settings
from pgotel.devdb import start
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from pgotel.processor import AggregatingSpanProcessor

CALLS = 2000
ROUNDS = 7


def _provider(sampler: Sampler = ALWAYS_ON, aggregate: Engine | None = None) -> TracerProvider:
    provider = TracerProvider(sampler=sampler)
    if aggregate is not None:
        provider.add_span_processor(AggregatingSpanProcessor(aggregate))
    provider.add_span_processor(
        BatchSpanProcessor(NullExporter(), max_queue_size=1 << 16, schedule_delay_millis=50)
    )
    return provider


@contextmanager
def _raw() -> Iterator[None]:
    yield


@contextmanager
def _contrib() -> Iterator[None]:
    ContribInstrumentor().instrument(tracer_provider=_provider())
    try:
        yield
    finally:
        ContribInstrumentor().uninstrument()


def _pgotel(
    sampler: Sampler, env: dict[str, str] | None = None, unsampled_parent: bool = False
) -> Callable[[], AbstractContextManager[None]]:
    @contextmanager
    def instrumented() -> Iterator[None]:
        engine = Engine()
        PsycopgInstrumentor().instrument(
            tracer_provider=_provider(sampler, engine),
            engine=engine,
            settings=Settings.from_env(env or {}),
        )
        token = None
        if unsampled_parent:
            # As in a service sampling 1% of requests: the other 99% run under a request
            # span that is not sampled, and the default ParentBased sampler drops its children.
            parent = NonRecordingSpan(SpanContext(0x1234, 0x5678, False, TraceFlags(0)))
            token = context.attach(trace.set_span_in_context(parent))
        try:
            yield
        finally:
            if token is not None:
                context.detach(token)
            PsycopgInstrumentor().uninstrument()

    return instrumented


CONTENDERS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    "raw psycopg": _raw,
    "opentelemetry-instrumentation-psycopg": _contrib,
    "pgotel, 100% sampled (+ aggregates)": _pgotel(ALWAYS_ON),
    "pgotel, 100% sampled, service comments": _pgotel(
        ALWAYS_ON, {"PGOTEL_SQLCOMMENTER": "service"}
    ),
    "pgotel, 0% sampled (aggregates only)": _pgotel(ALWAYS_OFF),
    "pgotel, parent not sampled (ParentBased)": _pgotel(
        ParentBased(ALWAYS_ON), unsampled_parent=True
    ),
}


def _measure(dsn: str, query: str, params: tuple[object, ...] | None) -> dict[str, float]:
    best = {name: float("inf") for name in CONTENDERS}
    for _ in range(ROUNDS):
        for name, instrumentation in CONTENDERS.items():
            # Connect inside: contrib traces only connections made while it is on.
            with instrumentation(), psycopg.connect(dsn, autocommit=True) as conn:
                cur = conn.cursor()
                started = time.perf_counter_ns()
                for _ in range(CALLS):
                    cur.execute(query, params)
                    cur.fetchall()
                best[name] = min(best[name], (time.perf_counter_ns() - started) / CALLS)
    return best


def _measure_each(work: Callable[[psycopg.Connection[Any]], None], dsn: str) -> dict[str, float]:
    """Best time of `work` (one call, on a fresh connection) per contender, in ns."""
    best = {name: float("inf") for name in CONTENDERS}
    for _ in range(ROUNDS):
        for name, instrumentation in CONTENDERS.items():
            with instrumentation(), psycopg.connect(dsn, autocommit=True) as conn:
                started = time.perf_counter_ns()
                work(conn)
                best[name] = min(best[name], time.perf_counter_ns() - started)
    return best


def _executemany(conn: psycopg.Connection[Any]) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS many (a int, b text)")
    conn.cursor().executemany("INSERT INTO many VALUES (%s, %s)", [(i, "x") for i in range(1000)])


def _copy(conn: psycopg.Connection[Any]) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS copied (a int, b text)")
    with conn.cursor().copy("COPY copied (a, b) FROM STDIN") as copy:
        for i in range(100_000):
            copy.write_row((i, "x"))


def _copy_out(conn: psycopg.Connection[Any]) -> None:
    with conn.cursor().copy(
        "COPY (SELECT g, 'x' FROM generate_series(1, 100000) g) TO STDOUT"
    ) as copy:
        for _ in copy:
            pass


def _measure_async(dsn: str) -> dict[str, float]:
    async def run_one() -> float:
        conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
        async with conn:
            cur = conn.cursor()
            started = time.perf_counter_ns()
            for _ in range(CALLS):
                await cur.execute("SELECT 1")
                await cur.fetchall()
            return (time.perf_counter_ns() - started) / CALLS

    best = {name: float("inf") for name in CONTENDERS}
    for _ in range(ROUNDS):
        for name, instrumentation in CONTENDERS.items():
            with instrumentation():
                best[name] = min(best[name], asyncio.run(run_one()))
    return best


def _report(title: str, best: dict[str, float]) -> None:
    raw = best["raw psycopg"]
    print(f"\n{title}")
    for name, ns in best.items():
        added = (ns - raw) / 1000
        percent = 100 * (ns - raw) / raw
        print(f"  {name:<40} {ns / 1000:9.2f} µs   {added:+8.2f} µs   {percent:+6.1f} %")


def run() -> None:
    with start() as server:
        _report("SELECT 1", _measure(server.dsn, "SELECT 1", None))
        _report(
            "SELECT with parameters",
            _measure(server.dsn, "SELECT %s::int + %s::int, %s::text", (1, 2, "x")),
        )
        _report("async SELECT 1", _measure_async(server.dsn))
        _report("executemany of 1,000 rows (per call)", _measure_each(_executemany, server.dsn))
        _report("COPY of 100,000 rows (per COPY)", _measure_each(_copy, server.dsn))
        _report("COPY TO of 100,000 rows (per COPY)", _measure_each(_copy_out, server.dsn))


if __name__ == "__main__":
    run()
