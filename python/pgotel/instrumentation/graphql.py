"""graphql-core instrumentation: operation, parse, validate and resolver spans, engine records.

`ExecutionContext.execute_operation` and `Parser.parse_document` are wrapped on
their classes, `validate` and `execute_subscription` where graphql-core and the
libraries imported them, so every library built on graphql-core 3.2
(strawberry, ariadne, graphene) is covered with no code change. The operation's
span is current while its resolvers run, so the database calls they make are
its children (or its resolver spans' children). The operation and each
non-default resolver are recorded in the engine, sampled or not.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
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
from pgotel.config import Settings, settings
from pgotel.faults import is_fatal, report_fault
from pgotel.instrumentation import _graphql_phases as phases
from pgotel.instrumentation._graphql_document import safe_document
from pgotel.instrumentation._graphql_resolvers import OperationState, Resolvers
from pgotel.instrumentation.operation import OperationTally, Repeat, current_operation

SCOPE = "pgotel.instrumentation.graphql"
_INSTRUMENTS = ("graphql-core >= 3.2",)

#: At most this many GraphQL errors become span events per operation.
MAX_ERROR_EVENTS = 10
#: At most this many N+1 events per operation.
MAX_N_PLUS_ONE_EVENTS = 10

#: The modules of the OpenTelemetry extensions of strawberry and ariadne: when one of them is
#: among an operation's middleware, it draws the operation and resolver spans, not pgotel.
FOREIGN_TRACERS = ("strawberry.extensions.tracing.opentelemetry", "ariadne.contrib.tracing.")


@dataclass
class _Operation:
    #: The engine key: `query Books`, `query (anonymous)`, `subscription Feed event`.
    name: str
    started_ns: int
    #: False when another instrumentation draws the operation: no span of ours to end.
    owned: bool
    #: Its span, type and query tally, shared with its resolvers.
    state: OperationState

    @property
    def span(self) -> Span:
        return self.state.span


class _Hooks:
    """Around each operation. Never raises into the app."""

    def __init__(self, tracer: trace.Tracer, engine: Engine, config: Settings) -> None:
        self.tracer = tracer
        self.engine = engine
        self.n_plus_one_threshold = config.n_plus_one_threshold
        self.resolver_spans = config.graphql_resolver_spans
        self.max_depth = config.graphql_resolver_max_depth
        self.capture_document = config.graphql_capture_document
        self.error_status = config.graphql_error_status

    def start(self, context: Any, operation: Any, subscribe: bool = False) -> _Operation | None:
        """Open the operation: executed (for a subscription, one delivered event) or, with
        `subscribe`, a subscription's subscribe call."""
        try:
            kind = operation.operation.value  # "query", "mutation", "subscription"
            name = operation.name.value if operation.name else None
            # A subscription's operation is executed once per delivered event.
            suffix = " event" if kind == "subscription" and not subscribe else ""
            key = f"{kind} {name or '(anonymous)'}{suffix}"
            owned = not _foreign_tracer(getattr(context, "middleware_manager", None))
            if owned:
                attributes = {"graphql.operation.type": kind}
                if name:
                    attributes["graphql.operation.name"] = name
                span_name = (f"{kind} {name}" if name else kind) + suffix
                span = self.tracer.start_span(
                    span_name, kind=SpanKind.INTERNAL, attributes=attributes
                )
                if self.capture_document and span.is_recording():
                    document = safe_document(operation, getattr(context, "fragments", {}))
                    span.set_attribute("graphql.document", document)
            else:
                span = trace.INVALID_SPAN
            ctx = span.get_span_context()
            sampled = bool(ctx.trace_flags & 0x01)
            state = OperationState(
                engine=self.engine,
                span=span,
                kind=kind,
                tally=OperationTally(key),
                trace_id=ctx.trace_id if sampled else 0,
                span_id=ctx.span_id if sampled else 0,
                span_mode=self.resolver_spans if span.is_recording() else "off",
                max_depth=self.max_depth,
                tracer=self.tracer,
            )
            return _Operation(key, time.perf_counter_ns(), owned, state)
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
            ids = (op.state.trace_id, op.state.span_id)
            op.state.finish()
            # For an operation, "rows" is how many database statements it ran.
            state = op.state
            queries = state.tally.queries
            self.engine.record_named("graphql", op.name, state.kind, duration, code, queries, *ids)
            database_ns = state.tally.database_ns
            self.engine.record_named(
                "graphql_db", op.name, state.kind, database_ns, None, queries, *ids
            )
            repeats = op.state.tally.at_least(self.n_plus_one_threshold)
            for repeat in repeats:
                self.engine.record_n_plus_one(
                    op.name,
                    repeat.fingerprint,
                    repeat.count,
                    repeat.total_ns,
                    *ids,
                    resolver=repeat.resolver,
                )
            if not op.owned:
                return
            if op.span.is_recording():
                repeats.sort(key=lambda r: r.count, reverse=True)
                for repeat in repeats[:MAX_N_PLUS_ONE_EVENTS]:
                    op.span.add_event("pgotel.n_plus_one", _n_plus_one_event(repeat))
            if op.span.is_recording() and errors:
                for error in errors[:MAX_ERROR_EVENTS]:
                    op.span.add_event("graphql.error", _error_event(error))
                if self.error_status:
                    op.span.set_attribute("error.type", code or "GraphQLError")
                    op.span.set_status(Status(StatusCode.ERROR, code))
            op.span.end()
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "graphql hook (finish)", exc)


def _foreign_tracer(manager: Any) -> bool:
    """Is strawberry's or ariadne's OpenTelemetry extension among the middleware?"""
    for middleware in getattr(manager, "middlewares", None) or ():
        if type(middleware).__module__.startswith(FOREIGN_TRACERS):
            return True
    return False


def _n_plus_one_event(repeat: Repeat) -> dict[str, Any]:
    return {
        "pgotel.query.fingerprint": repeat.fingerprint.hex,
        "db.query.text": repeat.fingerprint.normalized,  # literals already replaced
        "pgotel.n_plus_one.count": repeat.count,
        "pgotel.n_plus_one.duration_ns": repeat.total_ns,
        "graphql.resolver.path": repeat.resolver,
    }


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


def _current(op: _Operation) -> Any:
    """Make the operation's span current without the SDK's exception event: its message and
    stack can quote the document and user input; the hook records each error's code, path and
    locations. Another instrumentation's operation leaves the current span alone."""
    if not op.owned:
        return contextlib.nullcontext()
    return trace.use_span(
        op.span, end_on_exit=False, record_exception=False, set_status_on_exception=False
    )


@contextlib.contextmanager
def _tallied(op: _Operation) -> Iterator[None]:
    """While the operation runs, database hooks count its queries into its tally."""
    token = current_operation.set(op.state.tally)
    try:
        yield
    finally:
        current_operation.reset(token)


def _watch_resolvers(context: Any, op: _Operation, hooks: _Hooks) -> None:
    """Resolvers are asked for through the context's middleware manager: stand in for it."""
    try:
        if not isinstance(context.middleware_manager, Resolvers):
            context.middleware_manager = Resolvers(context.middleware_manager, op.state)
    except Exception as exc:
        report_fault(hooks.engine, "graphql hook (resolvers)", exc)


def _wrap_execute_operation(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_operation(self: Any, operation: Any, *args: Any, **kwargs: Any) -> Any:
        op = hooks.start(self, operation)
        if op is None:
            return original(self, operation, *args, **kwargs)
        _watch_resolvers(self, op, hooks)
        try:
            with _current(op), _tallied(op):
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
                with _current(op), _tallied(op):
                    data = await result
            except BaseException as exc:
                hooks.finish(op, self, exc)
                raise
            hooks.finish(op, self, None)
            return data

        return finish_when_done()

    return execute_operation


def _wrap_execute_subscription(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def execute_subscription(context: Any) -> Any:
        # The subscribe call: the subscription field's subscribe resolver makes the event stream.
        op = hooks.start(context, getattr(context, "operation", None), subscribe=True)
        if op is None:
            return await original(context)
        try:
            with _current(op), _tallied(op):
                stream = await original(context)
        except BaseException as exc:
            hooks.finish(op, context, exc)
            raise
        hooks.finish(op, context, None)
        return stream

    return execute_subscription


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
        hooks = _Hooks(tracer, kwargs.get("engine") or runtime.engine(), config)
        original = vars(ExecutionContext)["execute_operation"]
        ExecutionContext.execute_operation = _wrap_execute_operation(original, hooks)  # type: ignore[method-assign]
        patched: list[tuple[Any, str, Any]] = [(ExecutionContext, "execute_operation", original)]
        patched += phases.instrument(hooks.engine, tracer)
        # Not `import graphql.execution.subscribe`: the package's `subscribe` function hides it.
        subscribe = importlib.import_module("graphql.execution.subscribe")
        original = vars(subscribe)["execute_subscription"]
        setattr(subscribe, "execute_subscription", _wrap_execute_subscription(original, hooks))  # noqa: B010
        patched.append((subscribe, "execute_subscription", original))
        GraphQLInstrumentor._originals = patched

    def _uninstrument(self, **kwargs: Any) -> None:
        phases.uninstrument()
        for owner, name, original in GraphQLInstrumentor._originals:
            setattr(owner, name, original)
        GraphQLInstrumentor._originals = []
