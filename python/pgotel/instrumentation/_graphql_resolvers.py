"""GraphQL resolvers: a span (when wanted and recorded), an engine record and the resolver path.

graphql-core asks the execution context's middleware manager for each field's
resolver. For the operation's lifetime the hook puts a `Resolvers` object in
its place (wrapping the app's own manager, if any): it hands back the
resolver untouched for default attribute resolvers and introspection, so those
cost one dict lookup, and a timing wrapper for the rest. The wrapper records
the resolver path (`User.posts`) in the engine, marks it as running for the
database hooks (N+1 attribution), and makes a `graphql.resolve` span only when
the operation's span is recorded and the settings ask for one.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from pgotel._native import Engine
from pgotel.faults import is_fatal, report_fault
from pgotel.instrumentation.operation import OperationTally, current_resolver

#: Resolver spans per operation; past it, spans are counted but not made.
MAX_RESOLVER_SPANS = 500
#: Resolver kinds, decided once per resolver function.
SKIP, TRIVIAL, CUSTOM = 0, 1, 2
#: Decisions cached across operations (the schema's resolvers); cleared when full.
MAX_DECISIONS = 8192


@dataclass
class _Merged:
    """One span standing for every list item of one path (`users.*.name`)."""

    span: Span
    calls: int = 0
    errors: int = 0
    error: str | None = None
    end_ns: int = 0


@dataclass
class OperationState:
    """What the resolver wrappers of one operation share."""

    engine: Engine
    span: Span
    kind: str
    tally: OperationTally
    trace_id: int
    span_id: int
    #: "off", "nontrivial" or "all", already "off" when the operation span is not recorded.
    span_mode: str
    max_depth: int
    tracer: trace.Tracer
    merged: dict[str, _Merged] = field(default_factory=dict)
    spans_made: int = 0
    spans_dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self) -> None:
        """End the merged list-item spans at their last item's end."""
        for merged in self.merged.values():
            merged.span.set_attribute("pgotel.graphql.resolver.calls", merged.calls)
            if merged.errors:
                merged.span.set_attribute("pgotel.graphql.resolver.errors", merged.errors)
                _mark_error(merged.span, merged.error or "Exception")
            merged.span.end(end_time=merged.end_ns or None)
        if self.spans_dropped and self.span.is_recording():
            self.span.set_attribute("pgotel.graphql.resolver_spans_dropped", self.spans_dropped)


_decisions: dict[int, tuple[Any, int]] = {}


def kind_of(resolve_fn: Any) -> int:
    """SKIP for introspection, TRIVIAL for the frameworks' default attribute resolvers."""
    key = id(resolve_fn)
    known = _decisions.get(key)
    if known is not None and known[0] is resolve_fn:
        return known[1]
    kind = _decide(resolve_fn)
    if len(_decisions) >= MAX_DECISIONS:
        _decisions.clear()
    _decisions[key] = (resolve_fn, kind)  # the function is kept, so its id is not reused
    return kind


def _decide(resolve_fn: Any) -> int:
    from graphql import default_field_resolver

    fn = resolve_fn
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", None) or ""
    if module == "graphql.type.introspection":
        return SKIP
    if resolve_fn is default_field_resolver or fn is default_field_resolver:
        return TRIVIAL
    if getattr(resolve_fn, "_is_default", False):  # strawberry's plain attribute fields
        return TRIVIAL
    if module == "graphene.types.resolver":  # graphene's attr/dict resolvers
        return TRIVIAL
    qualname = getattr(fn, "__qualname__", "")
    if module == "ariadne.resolvers" and qualname.startswith("resolve_to."):
        return TRIVIAL
    return CUSTOM


class Resolvers:
    """Stands in for an execution context's middleware manager for one operation."""

    def __init__(self, inner: Any, state: OperationState) -> None:
        self.inner = inner
        self.state = state
        # Code that inspects the manager (strawberry, ariadne) still sees the app's middleware.
        self.middlewares = getattr(inner, "middlewares", ())
        table: dict[Any, Callable[..., Any]] = {}
        wrap = self._wrap

        # A plain function, not a method: graphql-core calls this for every field.
        def get_field_resolver(resolve_fn: Any) -> Any:
            try:
                return table[resolve_fn]
            except KeyError:
                found = table[resolve_fn] = wrap(resolve_fn)
                return found
            except TypeError:  # an unhashable callable: wrapped again each time
                return wrap(resolve_fn)

        self.get_field_resolver: Callable[[Any], Any] = get_field_resolver

    def _wrap(self, resolve_fn: Any) -> Callable[..., Any]:
        chained = self.inner.get_field_resolver(resolve_fn) if self.inner else resolve_fn
        try:
            kind = kind_of(resolve_fn)
        except Exception as exc:
            report_fault(self.state.engine, "graphql resolver (decide)", exc)
            return chained  # type: ignore[no-any-return]
        mode = self.state.span_mode
        spans = mode == "all" or (mode == "nontrivial" and kind == CUSTOM)
        if kind == SKIP or (kind == TRIVIAL and not spans):
            return chained  # type: ignore[no-any-return]
        return _timed(chained, self.state, kind == CUSTOM, spans)


@dataclass
class _Call:
    path: str
    record: bool
    span: Span | None = None
    merged: _Merged | None = None
    started_ns: int = 0
    resolver_token: Any = None
    context_token: Any = None


def _timed(
    fn: Callable[..., Any], state: OperationState, record: bool, spans: bool
) -> Callable[..., Any]:
    def resolve(source: Any, info: Any, **args: Any) -> Any:
        call = _before(state, info, record, spans)
        try:
            result = fn(source, info, **args)
        except BaseException as exc:
            _after(state, call, exc)
            raise
        if call is not None and info.is_awaitable(result):
            _leave(state, call)
            return _awaited(state, call, result)
        _after(state, call, None)
        return result

    return resolve


async def _awaited(state: OperationState, call: _Call, result: Any) -> Any:
    # The awaitable runs now, in this task: mark the resolver as running again while it does.
    _enter(state, call)
    try:
        value = await result
    except BaseException as exc:
        _after(state, call, exc)
        raise
    _after(state, call, None)
    return value


def _before(state: OperationState, info: Any, record: bool, spans: bool) -> _Call | None:
    try:
        call = _Call(f"{info.parent_type.name}.{info.field_name}", record)
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(state.engine, "graphql resolver (start)", exc)
        return None
    if spans:
        # A span that cannot be made costs the span only: the record is still kept.
        try:
            _open_span(state, info, call)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(state.engine, "graphql resolver (span)", exc)
    _enter(state, call)
    call.started_ns = time.perf_counter_ns()
    return call


def _enter(state: OperationState, call: _Call) -> None:
    try:
        if call.record:
            call.resolver_token = current_resolver.set(call.path)
        if call.span is not None:
            call.context_token = otel_context.attach(trace.set_span_in_context(call.span))
    except Exception as exc:
        report_fault(state.engine, "graphql resolver (enter)", exc)


def _leave(state: OperationState, call: _Call) -> None:
    try:
        if call.context_token is not None:
            otel_context.detach(call.context_token)
            call.context_token = None
        if call.resolver_token is not None:
            current_resolver.reset(call.resolver_token)
            call.resolver_token = None
    except Exception as exc:
        report_fault(state.engine, "graphql resolver (leave)", exc)


def _after(state: OperationState, call: _Call | None, raised: BaseException | None) -> None:
    if call is None:
        return
    duration = time.perf_counter_ns() - call.started_ns
    _leave(state, call)
    try:
        code = type(raised).__name__ if raised is not None else None
        if call.record:
            state.engine.record_named(
                "resolver", call.path, state.kind, duration, code, -1, state.trace_id, state.span_id
            )
        if call.merged is not None:
            with state.lock:
                if code is not None:
                    call.merged.errors += 1
                    call.merged.error = call.merged.error or code
                call.merged.end_ns = max(call.merged.end_ns, time.time_ns())
        elif call.span is not None:
            if code is not None:
                _mark_error(call.span, code)
            call.span.end()
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(state.engine, "graphql resolver (finish)", exc)


def _mark_error(span: Span, code: str) -> None:
    # The class only: an exception's message can quote user input.
    span.set_attribute("error.type", code)
    span.set_status(Status(StatusCode.ERROR, code))


def _open_span(state: OperationState, info: Any, call: _Call) -> None:
    """A span for this call, or the merged span of its list items; none past depth or cap."""
    keys: list[str] = []
    merged_path = False
    depth = 0
    node = info.path
    while node is not None:
        if isinstance(node.key, int):
            keys.append("*")
            merged_path = True
        else:
            keys.append(node.key)
            depth += 1
        node = node.prev
    if depth > state.max_depth:
        return
    path = ".".join(reversed(keys))
    with state.lock:
        if merged_path:
            merged = state.merged.get(path)
            if merged is not None:
                merged.calls += 1
                call.span, call.merged = merged.span, merged
                return
        if state.spans_made >= MAX_RESOLVER_SPANS:
            state.spans_dropped += 1
            return
        state.spans_made += 1
        span = state.tracer.start_span(
            f"graphql.resolve {call.path}",
            context=trace.set_span_in_context(state.span),
            kind=SpanKind.INTERNAL,
            attributes={
                "graphql.field.name": info.field_name,
                "graphql.field.path": path,
                "graphql.field.type": str(info.return_type),
                "graphql.parent.name": info.parent_type.name,
            },
        )
        call.span = span
        if merged_path:
            call.merged = state.merged[path] = _Merged(span, calls=1)
