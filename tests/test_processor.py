"""AggregatingSpanProcessor with the real OpenTelemetry SDK and a real database."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, TraceIdRatioBased
from opentelemetry.trace import Status, StatusCode

from pgotel import Engine, merge_snapshots
from pgotel.processor import AggregatingSpanProcessor


def _provider(engine: Engine, sampler=ALWAYS_ON) -> TracerProvider:
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    return provider


def test_database_spans_are_aggregated_and_own_spans_skipped() -> None:
    engine = Engine()
    provider = _provider(engine)
    other = provider.get_tracer("opentelemetry.instrumentation.asyncpg")
    own = provider.get_tracer("pgotel.instrumentation.psycopg")
    for i in range(3):
        with other.start_as_current_span("SELECT books") as span:
            span.set_attribute("db.system.name", "postgresql")
            span.set_attribute("db.query.text", f"SELECT * FROM books WHERE id = {i}")
            span.set_attribute("db.response.returned_rows", 1)
    with own.start_as_current_span("SELECT books") as span:
        span.set_attribute("db.system.name", "postgresql")
        span.set_attribute("db.query.text", "SELECT * FROM books WHERE id = 9")
    with other.start_as_current_span("GET") as span:
        span.set_attribute("db.system", "redis")
        span.set_attribute("db.statement", "GET books:1")
    (row,) = merge_snapshots([engine.snapshot()]).rows()
    assert (row["summary"], row["calls"], row["rows"]) == ("SELECT books", 3, 3)


def test_failed_spans_keep_their_code() -> None:
    engine = Engine()
    tracer = _provider(engine).get_tracer("sqlalchemy")
    with tracer.start_as_current_span("INSERT") as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement", "INSERT INTO t VALUES (1)")
        span.set_attribute("db.response.status_code", "23505")
        span.set_status(Status(StatusCode.ERROR))
    with pytest.raises(ValueError), tracer.start_as_current_span("INSERT") as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement", "INSERT INTO t VALUES (2)")
        raise ValueError("boom")
    (row,) = merge_snapshots([engine.snapshot()]).rows()
    assert sorted(row["error_codes"]) == [("23505", 1), ("ValueError", 1)]


def test_graphql_spans_become_operations() -> None:
    engine = Engine()
    tracer = _provider(engine).get_tracer("strawberry")
    with tracer.start_as_current_span("query Books") as span:
        span.set_attribute("graphql.operation.type", "query")
        span.set_attribute("graphql.operation.name", "Books")
    (row,) = merge_snapshots([engine.snapshot()]).rows("graphql")
    assert (row["text"], row["calls"]) == ("query Books", 1)


def test_unsampled_spans_carry_no_trace_id() -> None:
    engine = Engine()
    provider = TracerProvider(sampler=TraceIdRatioBased(1.0))
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    with provider.get_tracer("x").start_as_current_span("q") as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement", "SELECT 1")
    (sample,) = merge_snapshots([engine.snapshot()]).samples()
    assert sample["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    # Dropped spans never reach a processor: no record, no error.
    off = Engine()
    provider = _provider(off, ALWAYS_OFF)
    with provider.get_tracer("x").start_as_current_span("q") as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement", "SELECT 1")
    assert off.stats()["recorded"] == 0


def test_a_failure_inside_is_counted_and_logged_not_raised(caplog) -> None:
    engine = Engine()
    processor = AggregatingSpanProcessor(engine)

    class Broken:
        @property
        def instrumentation_scope(self):
            raise RuntimeError("span from another SDK")

    with caplog.at_level(logging.WARNING, logger="pgotel"):
        processor.on_end(Broken())  # type: ignore[arg-type]
        processor.on_end(Broken())  # type: ignore[arg-type]
    assert engine.stats()["internal_errors"] == 2
    logged = [r for r in caplog.records if "AggregatingSpanProcessor" in r.getMessage()]
    assert len(logged) <= 1


@pytest.fixture
def contrib_psycopg() -> Iterator[TracerProvider]:
    engine = Engine()
    provider = _provider(engine)
    PsycopgInstrumentor().instrument(tracer_provider=provider)
    provider.engine = engine  # type: ignore[attr-defined]
    yield provider
    PsycopgInstrumentor().uninstrument()


def test_contrib_psycopg_spans_from_a_real_database(dsn: str, contrib_psycopg) -> None:
    engine: Engine = contrib_psycopg.engine
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(5):
            conn.cursor().execute("SELECT %s::int + 1", (i,))
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.cursor().execute("SELECT 1 / 0")
    rows = {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows()}
    assert rows["SELECT $1::int + $2"]["calls"] == 5
    assert rows["SELECT $1 / $2"]["errors"] == 1


def test_spans_built_outside_the_sdk_tracer_use_the_public_api() -> None:
    # A ReadableSpan made directly (as exporters' tests and some bridges do) keeps
    # its attributes in a plain dict: the native reader falls back to the public API.
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext, TraceFlags

    ctx = SpanContext(0xABC, 0xDEF, is_remote=False, trace_flags=TraceFlags(1))
    span = ReadableSpan(
        name="SELECT",
        context=ctx,
        attributes={"db.system": "postgresql", "db.statement": "SELECT * FROM t WHERE a = 1"},
        start_time=1_000,
        end_time=4_000,
    )
    engine = Engine()
    AggregatingSpanProcessor(engine).on_end(span)
    (sample,) = merge_snapshots([engine.snapshot()]).samples()
    assert (sample["text"], sample["duration_ns"]) == ("SELECT * FROM t WHERE a = $1", 3_000)
    assert sample["trace_id"] == f"{0xABC:032x}"
    assert engine.stats()["internal_errors"] == 0


def test_a_forked_child_never_inherits_a_held_coverage_or_fault_lock() -> None:
    # Found by review: the module locks of coverage (taken for every statement under an ORM
    # span) and faults crossed fork as they were: a fork while another thread held one left
    # the child's next statement (or fault) waiting on a lock no thread would release.
    import os

    from pgotel import coverage, faults

    read, write = os.pipe()
    with coverage._lock, faults._lock:  # as if app threads were inside at the fork
        pid = os.fork()
        if pid == 0:
            try:
                held = f"{coverage._lock.locked()} {faults._lock.locked()}"
                os.write(write, held.encode())
            finally:
                os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "False False"
