"""The SpanProcessor face of the engine: aggregates the spans of other instrumentations.

Spans of any instrumentation that follow the database semantic conventions
(asyncpg, SQLAlchemy, the contrib psycopg, …) or carry GraphQL attributes feed
the same per-query and per-operation figures as pgotel's own hooks. Spans from
pgotel's own instrumentations are skipped: their hooks already recorded them,
sampled or not.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from pgotel._native import Engine
from pgotel.faults import is_fatal, report_fault

#: Instrumentation scopes whose spans pgotel's hooks have already counted.
OWN_SCOPE_PREFIX = "pgotel"

#: db.system.name values whose db.query.text is SQL (others, such as redis, are not fingerprinted).
SQL_SYSTEMS = frozenset(
    {
        "postgresql",
        "mysql",
        "mariadb",
        "sqlite",
        "mssql",
        "microsoft.sql_server",
        "oracle",
        "oracle.db",
        "db2",
        "ibm.db2",
        "cockroachdb",
        "clickhouse",
        "trino",
        "duckdb",
        "other_sql",
    }
)


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
            self._record(span)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "AggregatingSpanProcessor.on_end", exc)

    def _record(self, span: ReadableSpan) -> None:
        scope = span.instrumentation_scope
        if scope is not None and scope.name.startswith(OWN_SCOPE_PREFIX):
            return
        attrs = _attributes(span)
        if not attrs or span.start_time is None or span.end_time is None:
            return
        system = attrs.get("db.system.name") or attrs.get("db.system")
        if system is not None:
            query = attrs.get("db.query.text") or attrs.get("db.statement")
            if str(system) not in SQL_SYSTEMS or not isinstance(query, str):
                return
            rows = attrs.get("db.response.returned_rows")
            self.engine.record_query(
                query,
                span.end_time - span.start_time,
                _error(span, "db.response.status_code"),
                rows if isinstance(rows, int) else -1,
                *_ids(span),
            )
            return
        op_type = attrs.get("graphql.operation.type")
        if op_type is not None:
            op_name = attrs.get("graphql.operation.name") or "(anonymous)"
            self.engine.record_named(
                "graphql",
                f"{op_type} {op_name}",
                str(op_type),
                span.end_time - span.start_time,
                _error(span, None),
            )

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _error(span: ReadableSpan, code_attribute: str | None) -> str | None:
    """The span's error code (SQLSTATE, error.type, …) or None when it succeeded."""
    if span.status.status_code is not StatusCode.ERROR:
        return None
    attrs = _attributes(span)
    for name in (code_attribute, "error.type"):
        if name is not None and attrs.get(name):
            return str(attrs[name])
    for event in span.events:
        if event.name == "exception" and event.attributes:
            kind = event.attributes.get("exception.type")
            if kind:
                return str(kind)
    return "error"


def _attributes(span: ReadableSpan) -> Mapping[str, object]:
    """The span's attributes, read through the SDK's plain dict when it has one.

    `ReadableSpan.attributes` wraps a BoundedAttributes whose every lookup takes
    a lock in Python; on_end runs for every span, so it reads the dict beneath
    (falling back to the public API if the SDK's internals ever change).
    """
    inner = getattr(getattr(span, "_attributes", None), "_dict", None)
    if isinstance(inner, dict):
        return inner
    return span.attributes or {}


def _ids(span: ReadableSpan) -> tuple[int, int]:
    """Trace and span id when the span is sampled (only then is there a trace to look up)."""
    ctx = span.context
    if ctx is None or not ctx.trace_flags & 0x01:
        return 0, 0
    return ctx.trace_id, ctx.span_id
