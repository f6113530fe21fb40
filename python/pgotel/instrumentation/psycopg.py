"""psycopg 3 instrumentation: a CLIENT span and one engine call per query, sampled or not.

The methods that run statements are wrapped on the classes that define them
(`Cursor`, `AsyncCursor`, and the server-side cursors), so every cursor class
psycopg offers (client-side binding, raw, server-side, any `cursor_factory`)
and `Connection.execute` (which runs through its cursor) are covered, while
the objects the app sees keep their types and methods. `uninstrument()` puts
the original functions back.

The span and the engine record are built from the query's fingerprint: the
span is named by `db.query.summary` and carries the normalized text (literals
replaced), never the raw text or the parameters unless asked for.

Beside this module: psycopg_copy (COPY and its bytes), psycopg_pipeline
(statements completed when their results arrive), psycopg_server_cursor
(named cursors and their fetches), psycopg_transaction (commit, rollback and
transaction blocks).
"""

from __future__ import annotations

import functools
import reprlib
import time
import weakref
from collections.abc import Callable, Collection, Sized
from typing import Any, ClassVar

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.trace import INVALID_SPAN, NonRecordingSpan, Span, SpanKind, Status, StatusCode

from pgotel import coverage, runtime
from pgotel._native import Engine, Fingerprint, fingerprint
from pgotel.config import Settings, settings
from pgotel.faults import is_fatal, report_fault
from pgotel.instrumentation import sqlcomment
from pgotel.instrumentation.operation import current_operation
from pgotel.instrumentation.psycopg_copy import wrap_copy, wrap_copy_async
from pgotel.instrumentation.psycopg_pipeline import (
    Pending,
    PipelineTracker,
    wrap_exit,
    wrap_exit_async,
    wrap_process_results,
)
from pgotel.instrumentation.psycopg_server_cursor import (
    CursorRuns,
    wrap_close,
    wrap_close_async,
    wrap_fetch_gen,
)
from pgotel.instrumentation.psycopg_transaction import (
    wrap_block_exit,
    wrap_block_exit_async,
    wrap_transaction_end,
    wrap_transaction_end_async,
)

#: The instrumentation scope of pgotel's psycopg spans. The aggregating
#: processor skips scopes starting with "pgotel": these calls are recorded here.
SCOPE = "pgotel.instrumentation.psycopg"

#: The contrib instrumentation's scope. When its span is already current, it
#: covers this call: pgotel adds no second span and leaves the aggregation of
#: that span to the AggregatingSpanProcessor (see docs/psycopg.md).
CONTRIB_SCOPE = "opentelemetry.instrumentation.psycopg"

_INSTRUMENTS = ("psycopg >= 3.1",)

#: Parameter values longer than this are cut when captured (PGOTEL_CAPTURE_PARAMETERS).
MAX_PARAMETER_CHARS = 256

#: Rendered service comments (one per HTTP route) and commented texts kept; past the
#: cap they are rebuilt on each call instead of cached.
MAX_CACHED_COMMENTS = 4096
#: Query shapes whose span attributes are kept per connection; past it they are built per call.
MAX_CACHED_ATTRIBUTES = 256
#: Longer query texts are commented on each call instead of cached (as the fingerprint cache).
MAX_CACHED_COMMENT_TEXT = 16 * 1024


class _Call:
    """One statement under way: its span, fingerprint and start time."""

    __slots__ = ("fp", "span", "started_ns")

    def __init__(self, span: Span, fp: Fingerprint, started_ns: int) -> None:
        self.span = span
        self.fp = fp
        self.started_ns = started_ns


class _PerConnection:
    """What pgotel keeps about one connection while it lives."""

    __slots__ = ("attrs", "by_query")

    def __init__(self) -> None:
        self.attrs: dict[str, Any] | None = None
        # Span attributes by fingerprint id (bounded by MAX_CACHED_ATTRIBUTES).
        self.by_query: dict[int, dict[str, Any]] = {}


def _elapsed(call: _Call, duration_ns: int | None) -> int:
    """The statement's duration: measured by the caller, or since the call started."""
    return time.perf_counter_ns() - call.started_ns if duration_ns is None else duration_ns


def _end(span: Any, duration: int) -> None:
    span.end()
    # After end(): pgotel's own span must not match it (see coverage.take_wrapped).
    now = time.time_ns()
    coverage.recorded(now - duration, now)


def _end_quietly(span: Any) -> None:
    """End a span a failed hook left open (the SDK's span records only while not ended)."""
    try:
        if span.is_recording():
            span.end()
    except Exception:
        pass


class _Hooks:
    """What happens around each statement. Every method is safe to call: it never raises."""

    def __init__(self, tracer: trace.Tracer, engine: Engine, config: Settings) -> None:
        self.tracer = tracer
        self.engine = engine
        self.config = config
        self._per_connection: weakref.WeakKeyDictionary[Any, _PerConnection] = (
            weakref.WeakKeyDictionary()
        )
        self._service_comments: dict[str | None, str] = {}
        # In service mode the text sent depends only on these: the same object every call.
        self._commented_texts: dict[tuple[Any, str | None, bool], Any] = {}
        # Imported here, not at the top: this module must import without psycopg
        # (the loader imports it when any instrumented library is installed).
        # psycopg 3.1 has no raw cursors: then no cursor is one.
        self._raw_cursor: type = _raw_cursor_class()
        self.pipelines = PipelineTracker(self)
        # Set when psycopg's pipeline results are hooked: only then can a queued call complete.
        self.track_pipelines = False
        # The sampler whose drop policy is known, and that policy (see `_dropped`).
        self._sampler: Any = _UNSET
        self._drops = _KEEPS
        self.cursor_runs = CursorRuns(self)

    def start(
        self,
        conn: Any,
        query: Any,
        params: Any,
        batch_size: int | None = None,
        current: Span | None = None,
    ) -> _Call | None:
        try:
            current = current or trace.get_current_span()
            if _is_contrib(current):
                return None
            _cover_if_database_span(current)
            fp = fingerprint(_query_text(query, conn))
            parent = current.get_span_context()
            span: Span
            if self._dropped(parent):
                # The sampler would drop this span whatever its attributes: make the
                # non-recording span it would return, without asking it (the SDK's own
                # start_span is most of the cost of an unsampled call).
                span = NonRecordingSpan(parent) if parent.is_valid else INVALID_SPAN
            else:
                # Attributes go in with the span: one validation pass, no lock per item.
                attrs = self._attributes(conn, fp, params, batch_size)
                span = self.tracer.start_span(fp.summary, kind=SpanKind.CLIENT, attributes=attrs)
            return _Call(span, fp, time.perf_counter_ns())
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (start)", exc)
            return None

    def _dropped(self, parent: Any) -> bool:
        """Would the tracer's sampler drop a span started under `parent`, whatever it holds?

        Answered only for the SDK's samplers whose decision does not depend on the span:
        ALWAYS_OFF, and ParentBased (the default) under an unsampled parent.
        """
        sampler = getattr(self.tracer, "sampler", None)
        if sampler is not self._sampler:  # once per sampler: a provider keeps its own
            self._sampler, self._drops = sampler, _drop_policy(sampler)
        if self._drops is _DROPS_ALL:
            return True
        if self._drops is _DROPS_UNDER_UNSAMPLED:
            return bool(parent.is_valid and not parent.trace_flags.sampled)
        return False

    def begin(self, cursor: Any, query: Any, params: Any, many: bool) -> tuple[_Call | None, Any]:
        """Start a statement's call; returns it and the query to send (with its comment)."""
        params = None if params is _UNSET else params
        current = trace.get_current_span()  # once for both: this runs for every statement
        if many:
            call = self.start(cursor.connection, query, None, _batch_size(params), current)
        else:
            call = self.start(cursor.connection, query, params, None, current)
        return call, self.commented(cursor, query, many or params is not None, call, current)

    def queued(self, call: _Call | None, conn: Any) -> Pending | None:
        """In pipeline mode, the statement this call queues; None otherwise (the usual case),
        and always None unless pipeline results are hooked (see `_pipeline_targets`)."""
        if call is None or not self.track_pipelines or getattr(conn, "_pipeline", None) is None:
            return None
        return self.pipelines.queue(call, conn)

    def finish(
        self,
        call: _Call | None,
        cursor: Any,
        rows: int | None = None,
        duration_ns: int | None = None,
    ) -> None:
        if call is None:
            return
        try:
            duration = _elapsed(call, duration_ns)
            if rows is None:
                rows = cursor.rowcount
            self._record(call, duration, None, rows)
            span = call.span
            if span.is_recording() and rows >= 0:
                span.set_attribute("db.response.returned_rows", rows)
            _end(span, duration)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (finish)", exc)
            _end_quietly(call.span)

    def fail(
        self, call: _Call | None, error: BaseException, duration_ns: int | None = None
    ) -> None:
        """The statement raised `error` (re-raised by the caller, unchanged)."""
        if call is None:
            _annotate_contrib_span(error)
            return
        try:
            duration = _elapsed(call, duration_ns)
            code = _error_code(error)
            self._record(call, duration, code, -1)
            span = call.span
            if span.is_recording():
                sqlstate = getattr(error, "sqlstate", None)
                if sqlstate:
                    span.set_attribute("db.response.status_code", sqlstate)
                span.set_attribute("error.type", code)
                # The class and SQLSTATE only: a server message can quote the values it rejected.
                span.set_status(Status(StatusCode.ERROR, code))
            _end(span, duration)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (fail)", exc)
            _end_quietly(call.span)

    def settle(
        self, call: _Call | None, queued: Pending | None, error: BaseException | None
    ) -> None:
        """A statement with no rows to report returned or raised: recorded now, or, in a
        pipeline, when its result arrives. (The execute wrappers inline this: hot path.)"""
        if queued is not None:
            self.pipelines.returned(queued, error)
        elif error is not None:
            self.fail(call, error)
        else:
            self.finish(call, None, -1)

    def _record(self, call: _Call, duration: int, code: str | None, rows: int) -> None:
        """The one engine record of a statement, and its share of the current operation."""
        trace_id, span_id = _ids(call.span)
        self.engine.record_fingerprint(call.fp, duration, code, rows, trace_id, span_id)
        tally = current_operation.get()
        if tally is not None:
            tally.add(call.fp, duration)

    def commented(
        self,
        cursor: Any,
        query: Any,
        has_params: bool,
        call: _Call | None,
        current: Span | None = None,
    ) -> Any:
        """The query as it is sent: with the configured SQL comment, or unchanged."""
        mode = self.config.sqlcommenter
        if mode == "off":
            return query
        try:
            if not isinstance(query, (str, bytes)) and not hasattr(query, "as_string"):
                return query  # a query object pgotel cannot extend (a t-string): sent as is
            if isinstance(query, (str, bytes)) and sqlcomment.has_comment(query):
                return query
            route = _route_of(current or trace.get_current_span())
            # psycopg reads `%` as a placeholder when it formats parameters (raw cursors do not).
            escape = has_params and not isinstance(cursor, self._raw_cursor)
            if mode == "service" or call is None:
                if not isinstance(query, (str, bytes)):  # psycopg.sql objects are not hashable
                    return sqlcomment.append(query, self._service_comment(route), escape)
                key = (query, route, escape)
                sent = self._commented_texts.get(key)
                if sent is None:
                    sent = sqlcomment.append(query, self._service_comment(route), escape)
                    # Bounded in bytes too: a few huge texts must not pin gigabytes.
                    small = len(query) <= MAX_CACHED_COMMENT_TEXT
                    if small and len(self._commented_texts) < MAX_CACHED_COMMENTS:
                        self._commented_texts[key] = sent
                return sent
            else:
                keys = self._service_keys(route)
                ctx = call.span.get_span_context()
                if ctx.is_valid:  # an unsampled call without a parent has no ids
                    keys["traceparent"] = sqlcomment.traceparent(
                        ctx.trace_id, ctx.span_id, ctx.trace_flags
                    )
            return sqlcomment.append(query, sqlcomment.render(keys), escape)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (sql comment)", exc)
            return query

    def _service_keys(self, route: str | None) -> dict[str, str]:
        import psycopg

        keys = {
            "application": self.config.service_name,
            "db_driver": f"psycopg:{psycopg.__version__}",
        }
        if route:
            keys["route"] = route
        return keys

    def _service_comment(self, route: str | None) -> str:
        comment = self._service_comments.get(route)
        if comment is None:
            comment = sqlcomment.render(self._service_keys(route))
            if len(self._service_comments) < MAX_CACHED_COMMENTS:
                self._service_comments[route] = comment
        return comment

    def connect_span(self) -> Span | None:
        try:
            return self.tracer.start_span("connect", kind=SpanKind.CLIENT)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (connect)", exc)
            return None

    def connected(self, span: Span | None, conn: Any, error: BaseException | None) -> None:
        if span is None:
            return
        try:
            if span.is_recording():
                if conn is not None:
                    span.set_attributes(self._connection_attributes(conn))
                if error is not None:
                    span.set_attribute("error.type", _error_code(error))
                    span.set_status(Status(StatusCode.ERROR, _error_code(error)))
            span.end()
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg hook (connect)", exc)

    def _attributes(
        self, conn: Any, fp: Fingerprint, params: Any, batch_size: int | None
    ) -> dict[str, Any]:
        """The span's attributes. Those of a query shape on a connection are built once and
        shared: the SDK copies them into each span and never changes the dict it is given."""
        by_query = self._connection(conn).by_query
        key = fp.id
        attrs = by_query.get(key)
        if attrs is None:
            attrs = dict(self._connection_attributes(conn))
            attrs["db.operation.name"] = fp.operation
            attrs["db.query.text"] = fp.normalized
            attrs["db.query.summary"] = fp.summary
            if fp.table:
                attrs["db.collection.name"] = fp.table
            if self.config.database_semconv_dup:
                attrs["db.statement"] = fp.normalized
            if len(by_query) < MAX_CACHED_ATTRIBUTES:
                by_query[key] = attrs
        many = batch_size is not None and batch_size > 1
        capture = self.config.capture_parameters and params is not None and batch_size is None
        if many or capture:
            attrs = dict(attrs)
            if many:
                attrs["db.operation.batch.size"] = batch_size
            if capture:
                attrs.update(_parameters(params))
        return attrs

    def _connection(self, conn: Any) -> _PerConnection:
        known = self._per_connection.get(conn)
        if known is None:
            known = self._per_connection[conn] = _PerConnection()
        return known

    def _connection_attributes(self, conn: Any) -> dict[str, Any]:
        """What stays true of a connection: asked of libpq once, kept while the connection lives."""
        known = self._connection(conn)
        cached = known.attrs
        if cached is None:
            info = conn.info
            cached = {
                "db.system.name": "postgresql",
                "db.namespace": info.dbname,
                "server.address": info.host,
                "server.port": info.port,
            }
            if self.config.database_semconv_dup:
                cached.update({"db.system": "postgresql", "db.name": info.dbname})
            known.attrs = cached
        return cached


_KEEPS, _DROPS_ALL, _DROPS_UNDER_UNSAMPLED = "keeps", "drops all", "drops under unsampled"


def _drop_policy(sampler: Any) -> str:
    """Which spans `sampler` drops whatever their name, kind and attributes."""
    try:
        from opentelemetry.sdk.trace import sampling
    except ImportError:
        return _KEEPS

    def always_drops(s: Any) -> bool:
        # Exactly the SDK's static sampler (a subclass may decide otherwise).
        static = getattr(type(s), "should_sample", None) is sampling.StaticSampler.should_sample
        return static and getattr(s, "_decision", None) is sampling.Decision.DROP

    if always_drops(sampler):
        return _DROPS_ALL
    parent_based = (
        getattr(type(sampler), "should_sample", None) is sampling.ParentBased.should_sample
    )
    if parent_based and all(
        always_drops(getattr(sampler, name, None))
        for name in ("_remote_parent_not_sampled", "_local_parent_not_sampled")
    ):
        return _DROPS_UNDER_UNSAMPLED
    return _KEEPS


def _raw_cursor_class() -> type:
    """psycopg's raw-cursor mixin; psycopg 3.1 has none, and then no cursor is raw."""
    try:
        from psycopg.raw_cursor import RawCursorMixin
    except ImportError:
        return type("NoRawCursors", (), {})
    return RawCursorMixin


def _route_of(span: Any) -> str | None:
    """The HTTP route of the request being served, if its span is recording."""
    attributes = getattr(span, "attributes", None)
    route = attributes.get("http.route") if attributes else None
    return route if isinstance(route, str) else None


def _scope_name(span: Any) -> str:
    scope = getattr(span, "instrumentation_scope", None)
    return scope.name if scope is not None else ""


def _is_contrib(span: Any) -> bool:
    """Is `span` the contrib psycopg instrumentation's, covering this very call?"""
    return bool(span.is_recording()) and _scope_name(span) == CONTRIB_SCOPE


def _cover_if_database_span(span: Any) -> None:
    """An ORM's database span around this call: the processor must not count it again."""
    if not span.is_recording() or _scope_name(span).startswith("pgotel"):
        return
    attributes = getattr(span, "attributes", None) or {}
    if "db.system.name" in attributes or "db.system" in attributes:
        ctx = span.get_span_context()
        coverage.cover(ctx.trace_id, ctx.span_id)


def _annotate_contrib_span(error: BaseException) -> None:
    """Contrib's span stands for a failed call: give it the SQLSTATE contrib leaves out, so the
    processor records the same code sampled or not."""
    try:
        current = trace.get_current_span()
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate and _is_contrib(current):
            current.set_attribute("db.response.status_code", sqlstate)
    except Exception:
        pass


def _method(cls: type, name: str) -> Callable[..., Any]:
    """The function `name` resolves to on `cls` (from whichever class defines it)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            func: Callable[..., Any] = vars(klass)[name]
            return func
    raise AttributeError(name)


def _owner(cls: type, name: str) -> type | None:
    """The class in `cls`'s MRO that defines `name` (a private psycopg method may move)."""
    return next((klass for klass in cls.__mro__ if name in vars(klass)), None)


def _query_text(query: Any, conn: Any) -> str | bytes:
    if isinstance(query, (str, bytes)):
        return query
    as_string = getattr(query, "as_string", None)
    if as_string is not None:  # psycopg.sql.Composable
        return str(as_string(conn))
    return type(query).__name__


def _ids(span: Span) -> tuple[int, int]:
    ctx = span.get_span_context()
    if not ctx.trace_flags & 0x01:
        return 0, 0
    return ctx.trace_id, ctx.span_id


def _error_code(error: BaseException) -> str:
    """The SQLSTATE of a database error, else the exception's class name."""
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate
    return type(error).__name__


_PARAMETER_REPR = reprlib.Repr()
_PARAMETER_REPR.maxstring = _PARAMETER_REPR.maxother = MAX_PARAMETER_CHARS
_PARAMETER_REPR.maxlevel = 2


def _parameters(params: Any) -> dict[str, str]:
    """`db.query.parameter.<key>` attributes (only with PGOTEL_CAPTURE_PARAMETERS=true).

    Values are cut while they are rendered: a 100 MB bytes value costs no more than a short one.
    """
    items = params.items() if hasattr(params, "items") else enumerate(params)
    return {
        f"db.query.parameter.{key}": _PARAMETER_REPR.repr(value)[:MAX_PARAMETER_CHARS]
        for key, value in items
    }


#: "The app passed no parameters": psycopg then applies its own default (or its own TypeError).
_UNSET: Any = object()


def _given(params: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The positional arguments after the query, exactly as the app gave them."""
    return args if params is _UNSET else (params, *args)


def _batch_size(params_seq: Any) -> int | None:
    return len(params_seq) if isinstance(params_seq, Sized) else None


# ---------------------------------------------------------------- wrappers


Wrapper = Callable[[Any, _Hooks], Any]


def _wrap_statement(many: bool) -> Wrapper:
    """`execute` (`many=False`) or `executemany`: one span and one engine record per call."""

    def wrap(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
        @functools.wraps(original)
        def run(self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any) -> Any:
            call, sent = hooks.begin(self, query, params, many)
            queued = hooks.queued(call, self._conn)
            try:
                result = original(self, sent, *_given(params, args), **kwargs)
            except BaseException as exc:
                if queued is None:
                    hooks.fail(call, exc)
                else:
                    hooks.pipelines.returned(queued, exc)
                raise
            if queued is None:
                hooks.finish(call, self)
            else:  # in a pipeline: completed when its results arrive
                hooks.pipelines.returned(queued, None)
            return result

        return run

    return wrap


def _wrap_statement_async(many: bool) -> Wrapper:
    def wrap(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
        @functools.wraps(original)
        async def run(
            self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any
        ) -> Any:
            call, sent = hooks.begin(self, query, params, many)
            queued = hooks.queued(call, self._conn)
            try:
                result = await original(self, sent, *_given(params, args), **kwargs)
            except BaseException as exc:  # CancelledError too: the span ends, the error propagates
                if queued is None:
                    hooks.fail(call, exc)
                else:
                    hooks.pipelines.returned(queued, exc)
                raise
            if queued is None:
                hooks.finish(call, self)
            else:
                hooks.pipelines.returned(queued, None)
            return result

        return run

    return wrap


def _wrap_declare(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    """A named cursor's execute (DECLARE): the call stays open for its fetches."""

    @functools.wraps(original)
    def declare(self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any) -> Any:
        call, sent = hooks.begin(self, query, params, False)
        try:
            result = original(self, sent, *_given(params, args), **kwargs)
        except BaseException as exc:
            hooks.fail(call, exc)
            raise
        hooks.cursor_runs.declared(self, call)
        return result

    return declare


def _wrap_declare_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def declare(
        self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any
    ) -> Any:
        call, sent = hooks.begin(self, query, params, False)
        try:
            result = await original(self, sent, *_given(params, args), **kwargs)
        except BaseException as exc:
            hooks.fail(call, exc)
            raise
        hooks.cursor_runs.declared(self, call)
        return result

    return declare


def _wrap_stream(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    """stream(): the span lasts until the rows run out or the consumer stops (not an error)."""

    @functools.wraps(original)
    def stream(self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any) -> Any:
        call, sent = hooks.begin(self, query, params, False)
        rows = 0
        try:
            for row in original(self, sent, *_given(params, args), **kwargs):
                rows += 1
                yield row
        except GeneratorExit:
            hooks.finish(call, self, rows)
            raise
        except BaseException as exc:
            hooks.fail(call, exc)
            raise
        hooks.finish(call, self, rows)

    return stream


def _wrap_stream_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def stream(self: Any, query: Any, params: Any = _UNSET, *args: Any, **kwargs: Any) -> Any:
        call, sent = hooks.begin(self, query, params, False)
        rows = 0
        inner = original(self, sent, *_given(params, args), **kwargs)
        try:
            async for row in inner:
                rows += 1
                yield row
        except GeneratorExit:
            try:
                # psycopg's stream cleans up (cancels, frees the connection) when it is closed:
                # now, as it would be without pgotel, not whenever the event loop finalizes it.
                await inner.aclose()
            finally:
                hooks.finish(call, self, rows)
            raise
        except BaseException as exc:
            hooks.fail(call, exc)
            raise
        hooks.finish(call, self, rows)

    return stream


def _wrap_connect(original: Any, hooks: _Hooks) -> Any:
    """Connection.connect (a classmethod): a `connect` span with the server it reached."""
    func = original.__func__

    @functools.wraps(func)
    def connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        span = hooks.connect_span()
        try:
            conn = func(cls, *args, **kwargs)
        except BaseException as exc:
            hooks.connected(span, None, exc)
            raise
        hooks.connected(span, conn, None)
        return conn

    return classmethod(connect)


def _wrap_connect_async(original: Any, hooks: _Hooks) -> Any:
    func = original.__func__

    @functools.wraps(func)
    async def connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        span = hooks.connect_span()
        try:
            conn = await func(cls, *args, **kwargs)
        except BaseException as exc:
            hooks.connected(span, None, exc)
            raise
        hooks.connected(span, conn, None)
        return conn

    return classmethod(connect)


def _pipeline_targets() -> list[tuple[type, str, Wrapper]]:
    """Where pipeline results are processed and pipelines end (psycopg's private
    `_process_results` where it exists: without it, statements in a pipeline end when
    `execute` returns)."""
    import psycopg

    base = _owner(psycopg.Pipeline, "_process_results")
    if base is None:
        return []
    return [
        (base, "_process_results", lambda o, h: wrap_process_results(o, h.pipelines)),
        (psycopg.Pipeline, "__exit__", lambda o, h: wrap_exit(o, h.pipelines)),
        (psycopg.AsyncPipeline, "__aexit__", lambda o, h: wrap_exit_async(o, h.pipelines)),
    ]


def _targets() -> list[tuple[type, str, Wrapper]]:
    """(class, method, wrapper) for every method that runs a statement."""
    import psycopg

    mixin = _owner(psycopg.ServerCursor, "_fetch_gen")  # where server-side fetches live
    fetches: list[tuple[type, str, Wrapper]] = []
    if mixin is not None:
        fetches = [
            (mixin, "_fetch_gen", lambda o, h: wrap_fetch_gen(o, h.cursor_runs)),
            (mixin, "_scroll_gen", lambda o, h: wrap_fetch_gen(o, h.cursor_runs)),
        ]
    return [
        *_pipeline_targets(),
        *fetches,
        (psycopg.ServerCursor, "close", lambda o, h: wrap_close(o, h.cursor_runs)),
        (psycopg.AsyncServerCursor, "close", lambda o, h: wrap_close_async(o, h.cursor_runs)),
        (psycopg.Transaction, "__exit__", wrap_block_exit),
        (psycopg.AsyncTransaction, "__aexit__", wrap_block_exit_async),
        (psycopg.Cursor, "execute", _wrap_statement(many=False)),
        (psycopg.Cursor, "executemany", _wrap_statement(many=True)),
        (psycopg.Cursor, "copy", wrap_copy),
        (psycopg.Cursor, "stream", _wrap_stream),
        (psycopg.ServerCursor, "execute", _wrap_declare),
        (psycopg.AsyncCursor, "execute", _wrap_statement_async(many=False)),
        (psycopg.AsyncCursor, "executemany", _wrap_statement_async(many=True)),
        (psycopg.AsyncCursor, "copy", wrap_copy_async),
        (psycopg.AsyncCursor, "stream", _wrap_stream_async),
        (psycopg.AsyncServerCursor, "execute", _wrap_declare_async),
        (psycopg.Connection, "connect", _wrap_connect),
        (psycopg.Connection, "commit", wrap_transaction_end("COMMIT")),
        (psycopg.Connection, "rollback", wrap_transaction_end("ROLLBACK")),
        (psycopg.AsyncConnection, "connect", _wrap_connect_async),
        (psycopg.AsyncConnection, "commit", wrap_transaction_end_async("COMMIT")),
        (psycopg.AsyncConnection, "rollback", wrap_transaction_end_async("ROLLBACK")),
    ]


class PsycopgInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument psycopg 3: `PsycopgInstrumentor().instrument(tracer_provider=..., engine=...)`.

    Both keywords are optional: the global TracerProvider and the process's
    engine (`pgotel.runtime.engine()`) are used by default.
    """

    # BaseInstrumentor is a singleton: the originals belong to the class.
    _originals: ClassVar[list[tuple[Any, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        from pgotel import __version__

        tracer = trace.get_tracer(SCOPE, __version__, kwargs.get("tracer_provider"))
        engine = kwargs.get("engine") or runtime.engine()
        hooks = _Hooks(tracer, engine, kwargs.get("settings") or settings())
        hooks.track_pipelines = bool(_pipeline_targets())
        originals: list[tuple[Any, str, Any]] = []
        for owner, name, wrap in _targets():
            original = vars(owner)[name]
            setattr(owner, name, wrap(original, hooks))
            originals.append((owner, name, original))
        # `psycopg.connect` is `Connection.connect` bound when psycopg was imported.
        import psycopg

        originals.append((psycopg, "connect", vars(psycopg)["connect"]))
        psycopg.connect = psycopg.Connection.connect
        PsycopgInstrumentor._originals = originals

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name, original in reversed(PsycopgInstrumentor._originals):
            setattr(owner, name, original)
        PsycopgInstrumentor._originals = []

    @staticmethod
    def instrument_connection(
        conn: Any,
        tracer_provider: Any = None,
        engine: Engine | None = None,
        settings_: Settings | None = None,
    ) -> Any:
        """Instrument one connection, whatever the global state: its statements get spans and
        engine records. Its `cursor_factory` becomes a subclass of the one it had (the only
        visible change); `uninstrument_connection` puts the original back. Returns `conn`."""
        from pgotel import __version__

        if PsycopgInstrumentor._originals:
            return conn  # psycopg is instrumented as a whole: this connection is covered already
        if getattr(conn.cursor_factory, "_pgotel_original", None) is not None:
            return conn  # already instrumented
        tracer = trace.get_tracer(SCOPE, __version__, tracer_provider)
        hooks = _Hooks(tracer, engine or runtime.engine(), settings_ or settings())
        base = conn.cursor_factory
        is_async = hasattr(base, "__aiter__")
        statement = _wrap_statement_async if is_async else _wrap_statement
        namespace = {
            "execute": statement(many=False)(_method(base, "execute"), hooks),
            "executemany": statement(many=True)(_method(base, "executemany"), hooks),
            "_pgotel_original": base,
        }
        conn.cursor_factory = type(base.__name__, (base,), namespace)
        return conn

    @staticmethod
    def uninstrument_connection(conn: Any) -> Any:
        """Give `conn` back the cursor factory it had before `instrument_connection`."""
        original = getattr(conn.cursor_factory, "_pgotel_original", None)
        if original is not None:
            conn.cursor_factory = original
        return conn
