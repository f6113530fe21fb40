"""The SpanProcessor face of the engine: aggregates the spans of other instrumentations.

Spans of any instrumentation that follow the database semantic conventions
(asyncpg, SQLAlchemy, the contrib psycopg, …) or carry GraphQL attributes feed
the same per-query and per-operation figures as pgotel's own hooks. Spans from
pgotel's own instrumentations (scope names starting with `pgotel`) are skipped:
their hooks already recorded them, sampled or not. Only SQL systems are
fingerprinted (a redis span is not a query); the list and the span reading
live in native/src/python/span.rs, because on_end runs for every span.
"""

from __future__ import annotations

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from pgotel import coverage
from pgotel._native import Engine
from pgotel.faults import is_fatal, report_fault


def _is_database_span(span: ReadableSpan) -> bool:
    attributes = span.attributes
    if not attributes:
        return False
    return "db.system.name" in attributes or "db.system" in attributes


class AggregatingSpanProcessor(SpanProcessor):
    """Feed finished database and GraphQL spans of other instrumentations into `engine`.

    Never raises: a failure is counted in the engine and logged at most once a minute.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        try:
            ctx = span.context
            if ctx is not None and coverage.take(ctx.trace_id, ctx.span_id):
                return  # a pgotel hook recorded this statement already
            # Cheapest test first: most spans end where pgotel recorded no statement.
            if (
                coverage.statement_recorded()
                and _is_database_span(span)
                and coverage.take_wrapped(span.start_time or 0, span.end_time or 0)
            ):
                return  # an ORM span that was never current, around a statement pgotel recorded
            # Reading the span and recording happen in native code (native/src/python/span.rs).
            self.engine.record_span(span)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "AggregatingSpanProcessor.on_end", exc)

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
