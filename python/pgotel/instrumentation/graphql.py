"""graphql-core instrumentation: a span and one engine record per GraphQL operation.

`ExecutionContext.execute_operation` is wrapped on the class, so every library
built on graphql-core 3.2 (strawberry, ariadne, graphene) is covered however
it imported graphql-core, with no code change. The operation's span is
current while its resolvers run, so the database calls they make are its
children. The operation is recorded in the engine (kind "graphql") sampled or
not, with its first error's code.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from pgotel import runtime
from pgotel._native import Engine
from pgotel.config import settings
from pgotel.faults import is_fatal, report_fault
from pgotel.instrumentation.operation import OperationTally, current_operation

SCOPE = "pgotel.instrumentation.graphql"
_INSTRUMENTS = ("graphql-core >= 3.2",)

#: At most this many GraphQL errors become span events per operation.
MAX_ERROR_EVENTS = 10


@dataclass
class _Operation:
    span: Span
    name: str
    kind: str
    started_ns: int
    tally: OperationTally


class _Hooks:
    """Around each operation. Never raises into the app."""

    def __init__(self, tracer: trace.Tracer, engine: Engine, n_plus_one_threshold: int) -> None:
        self.tracer = tracer
        self.engine = engine
        self.n_plus_one_threshold = n_plus_one_threshold

    def start(self, operation: Any) -> _Operation | None:
        try:
            kind = operation.operation.value  # "query", "mutation", "subscription"
            name = operation.name.value if operation.name else None
            attributes = {"graphql.operation.type": kind}
            if name:
                attributes["graphql.operation.name"] = name
            span_name = f"{kind} {name}" if name else kind
            span = self.tracer.start_span(span_name, kind=SpanKind.INTERNAL, attributes=attributes)
            key = f"{kind} {name or '(anonymous)'}"
            return _Operation(span, key, kind, time.perf_counter_ns(), OperationTally(key))
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "graphql hook (start)", exc)
            return None

    def finish(self, op: _Operation | None, context: Any, raised: BaseException | None) -> None:
        if op is None:
            return
        try:
            duration = time.perf_counter_ns() - op.started_ns
            errors = list(_errors_of(context))
            if raised is not None:
                errors.append(raised)
            code = _error_code(errors[0]) if errors else None
            ctx = op.span.get_span_context()
            ids = (ctx.trace_id, ctx.span_id) if ctx.trace_flags & 0x01 else (0, 0)
            # For an operation, "rows" is how many database statements it ran.
            queries = op.tally.queries
            self.engine.record_named("graphql", op.name, op.kind, duration, code, queries, *ids)
            for repeat in op.tally.at_least(self.n_plus_one_threshold):
                self.engine.record_n_plus_one(
                    op.name, repeat.fingerprint, repeat.count, repeat.total_ns, *ids
                )
            if op.span.is_recording() and errors:
                for error in errors[:MAX_ERROR_EVENTS]:
                    op.span.add_event("graphql.error", _error_event(error))
                op.span.set_attribute("error.type", code or "GraphQLError")
                op.span.set_status(Status(StatusCode.ERROR, code))
            op.span.end()
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "graphql hook (finish)", exc)


def _errors_of(context: Any) -> list[Any]:
    collected = getattr(context, "collected_errors", None)
    if collected is not None:
        return list(getattr(collected, "errors", []))
    return list(getattr(context, "errors", None) or [])


def _error_code(error: Any) -> str:
    """The `extensions.code` of a GraphQL error, else the class of what it wraps, else its own."""
    extensions = getattr(error, "extensions", None) or {}
    code = extensions.get("code") if isinstance(extensions, dict) else None
    if isinstance(code, str) and code:
        return code
    original = getattr(error, "original_error", None)
    return type(original if original is not None else error).__name__


def _error_event(error: Any) -> dict[str, Any]:
    """Path, locations and code: not the message, which can quote user input."""
    event: dict[str, Any] = {"error.type": _error_code(error)}
    path = getattr(error, "path", None)
    if path:
        event["graphql.error.path"] = ".".join(str(p) for p in path)
    locations = getattr(error, "locations", None)
    if locations:
        event["graphql.error.locations"] = [f"{loc.line}:{loc.column}" for loc in locations]
    return event


def _current(span: Span) -> Any:
    """Make `span` current without the SDK's exception event: its message and stack can quote
    the document and user input; the hook records each error's code, path and locations."""
    return trace.use_span(
        span, end_on_exit=False, record_exception=False, set_status_on_exception=False
    )


@contextlib.contextmanager
def _tallied(op: _Operation) -> Iterator[None]:
    """While the operation runs, database hooks count its queries into its tally."""
    token = current_operation.set(op.tally)
    try:
        yield
    finally:
        current_operation.reset(token)


def _wrap_execute_operation(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_operation(self: Any, operation: Any, *args: Any, **kwargs: Any) -> Any:
        op = hooks.start(operation)
        if op is None:
            return original(self, operation, *args, **kwargs)
        try:
            with _current(op.span), _tallied(op):
                result = original(self, operation, *args, **kwargs)
        except BaseException as exc:
            hooks.finish(op, self, exc)
            raise
        if not self.is_awaitable(result):
            hooks.finish(op, self, None)
            return result

        async def finish_when_done() -> Any:
            # Async resolvers run when this is awaited: their spans nest under the operation.
            try:
                with _current(op.span), _tallied(op):
                    data = await result
            except BaseException as exc:
                hooks.finish(op, self, exc)
                raise
            hooks.finish(op, self, None)
            return data

        return finish_when_done()

    return execute_operation


class GraphQLInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument graphql-core (and so strawberry, ariadne, graphene).

    `GraphQLInstrumentor().instrument(tracer_provider=..., engine=...)`; both
    keywords are optional.
    """

    _originals: ClassVar[list[tuple[Any, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        from graphql.execution.execute import ExecutionContext

        from pgotel import __version__

        tracer = trace.get_tracer(SCOPE, __version__, kwargs.get("tracer_provider"))
        config = kwargs.get("settings") or settings()
        hooks = _Hooks(
            tracer, kwargs.get("engine") or runtime.engine(), config.n_plus_one_threshold
        )
        original = vars(ExecutionContext)["execute_operation"]
        ExecutionContext.execute_operation = _wrap_execute_operation(original, hooks)  # type: ignore[method-assign]
        GraphQLInstrumentor._originals = [(ExecutionContext, "execute_operation", original)]

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name, original in GraphQLInstrumentor._originals:
            setattr(owner, name, original)
        GraphQLInstrumentor._originals = []
