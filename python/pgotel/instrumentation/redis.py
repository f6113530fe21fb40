"""redis-py and valkey-py instrumentation: hits, misses, writes and latency per cache, and spans.

`execute_command` is wrapped on the sync and asyncio clients, and `execute` on
their pipelines, so every command the app sends is seen once. Each command is
one engine record of kind "cache" (see `pgotel.cache`): a read (`GET`, `HGET`,
...) is a hit or a miss by its result, timed; multi-key reads (`MGET`, `HMGET`,
`EXISTS`) count a hit or a miss per key, untimed; writes and deletes are timed
under "set" and "delete", anything else under "other", failures under "error".

The cache is named by the longest of `PGOTEL_REDIS_PREFIXES` a key starts with,
else "redis" ("valkey"). Key names go on spans only with
`PGOTEL_REDIS_CAPTURE_KEYS=true` (they can hold personal data); values never.
A span per command exists only when the trace is sampled.
"""

from __future__ import annotations

import functools
import sys
import time
import types
import weakref
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from pgotel import runtime
from pgotel._native import Engine
from pgotel.cache._keys import DELETE, ERROR, HIT, KIND, MISS, OTHER, SET, key_name
from pgotel.config import Settings, settings
from pgotel.faults import is_fatal, report_fault

SCOPE = "pgotel.instrumentation.redis"

#: The contrib instrumentation. When it is on too, its span covers each command: pgotel adds
#: no second one (whichever of the two wraps the other) and still counts the command.
CONTRIB_MODULE = "opentelemetry.instrumentation.redis"

# How a command's result says hit or miss.
READ = "read"  # one value: None is a miss
READ_COLLECTION = "collection"  # a hash, set or list: empty is a miss
READ_MANY = "many"  # one value per key (MGET) or per field (HMGET): None is a miss
EXISTS = "exists"  # the number of the keys that exist
WRITE = "write"
REMOVE = "remove"

COMMANDS: dict[str, str] = {
    **dict.fromkeys(
        ("GET", "GETEX", "GETDEL", "HGET", "LINDEX", "ZSCORE", "GETRANGE", "JSON.GET"), READ
    ),
    **dict.fromkeys(("HGETALL", "SMEMBERS", "LRANGE", "ZRANGE"), READ_COLLECTION),
    **dict.fromkeys(("MGET", "HMGET"), READ_MANY),
    "EXISTS": EXISTS,
    **dict.fromkeys(
        (
            "SET", "SETEX", "PSETEX", "SETNX", "MSET", "MSETNX", "GETSET", "APPEND", "HSET",
            "HSETNX", "HMSET", "LPUSH", "RPUSH", "SADD", "ZADD", "INCR", "INCRBY", "DECR",
            "DECRBY", "HINCRBY", "JSON.SET",
        ),
        WRITE,
    ),
    **dict.fromkeys(("DEL", "UNLINK", "HDEL", "SREM", "ZREM", "LREM", "JSON.DEL"), REMOVE),
}  # fmt: skip

#: Commands whose every argument is a key (the rest name one key, then fields or values).
ALL_KEYS = frozenset({"MGET", "EXISTS", "DEL", "UNLINK"})

#: Cache names kept per prefix lookup; past the cap each key is matched afresh.
MAX_CACHED_CACHE_NAMES = 4096


class _Hooks:
    """What happens around each command. Never raises into the app."""

    def __init__(self, tracer: trace.Tracer, engine: Engine, config: Settings, system: str) -> None:
        self.tracer = tracer
        self.engine = engine
        self.system = system
        self.prefixes = config.redis_prefixes
        self.capture_keys = config.redis_capture_keys
        self._names: dict[Any, str] = {}
        self._servers: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()

    def cache_of(self, key: Any) -> str:
        """The cache a key belongs to: its longest configured prefix, else the system's name."""
        if not self.prefixes:
            return self.system
        cacheable = type(key) is str or type(key) is bytes  # a memoryview is not hashable
        name = self._names.get(key) if cacheable else None
        if name is not None:
            return name
        text = _text(key)
        name = next((p for p in self.prefixes if text.startswith(p)), self.system)
        if cacheable and len(self._names) < MAX_CACHED_CACHE_NAMES:
            self._names[key] = name
        return name

    def start(self, client: Any, name: str, args: Sequence[Any]) -> Span | None:
        try:
            if self.system == "redis" and _contrib_active():
                return None
            attrs = dict(self._server(client))
            attrs["db.operation.name"] = name
            if self.capture_keys:
                attrs["db.query.text"] = _query_text(name, args)
            return self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attrs)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "redis hook (start)", exc)
            return None

    def _server(self, client: Any) -> dict[str, Any]:
        pool = client.connection_pool
        attrs = self._servers.get(pool)
        if attrs is None:
            kwargs = pool.connection_kwargs
            attrs = {"db.system.name": self.system, "db.namespace": str(kwargs.get("db", 0))}
            if kwargs.get("path"):
                attrs["server.address"] = str(kwargs["path"])
            else:
                attrs["server.address"] = str(kwargs.get("host", "localhost"))
                attrs["server.port"] = int(kwargs.get("port", 6379))
            self._servers[pool] = attrs
        return attrs

    def finish(
        self,
        span: Span | None,
        name: str,
        args: Sequence[Any],
        result: Any,
        error: BaseException | None,
        duration_ns: int,
    ) -> None:
        """Record one command: in the engine always, on its span when there is one."""
        try:
            outcome, cache = self.record(name, args, result, error, duration_ns, span)
            if span is not None:
                if span.is_recording():
                    span.set_attribute("pgotel.cache.name", cache)
                    span.set_attribute("pgotel.cache.outcome", outcome)
                    if error is not None:
                        span.set_attribute("error.type", type(error).__qualname__)
                        span.set_status(Status(StatusCode.ERROR))  # no message: it may quote data
                span.end()
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "redis hook (finish)", exc)

    def record(
        self,
        name: str,
        args: Sequence[Any],
        result: Any,
        error: BaseException | None,
        duration_ns: int,
        span: Span | None = None,
    ) -> tuple[str, str]:
        """Record one command's outcome; returns (outcome, cache name)."""
        keys = args[1:] if name in ALL_KEYS else args[1:2]
        cache = self.cache_of(keys[0]) if keys else self.system
        trace_id = span_id = 0
        if span is not None:
            ctx = span.get_span_context()
            if ctx.trace_flags.sampled:
                trace_id, span_id = ctx.trace_id, ctx.span_id
        if error is not None or isinstance(result, BaseException):
            failure = error or result
            code = type(failure).__name__
            self.engine.record_named(
                KIND, key_name(cache, ERROR), ERROR, duration_ns, code, -1, trace_id, span_id
            )
            return ERROR, cache
        what = COMMANDS.get(name)
        if what in (READ_MANY, EXISTS):
            self._count_keys(what, name, args, result)
            return "read", cache
        if what == READ:
            outcome = HIT if result is not None else MISS
        elif what == READ_COLLECTION:
            outcome = HIT if result else MISS
        elif what == WRITE:
            outcome = SET
        elif what == REMOVE:
            outcome = DELETE
        else:
            outcome = OTHER
        self.engine.record_named(
            KIND, key_name(cache, outcome), outcome, duration_ns, None, -1, trace_id, span_id
        )
        return outcome, cache

    def _count_keys(self, what: str, name: str, args: Sequence[Any], result: Any) -> None:
        hits: dict[str, int] = {}
        misses: dict[str, int] = {}
        if what == EXISTS:
            keys = args[1:]
            # EXISTS says how many keys exist, not which: attribute them to the first key's cache.
            cache = self.cache_of(keys[0]) if keys else self.system
            found = int(result)
            hits[cache] = found
            misses[cache] = max(len(keys) - found, 0)
        elif name == "HMGET":
            cache = self.cache_of(args[1])
            found = sum(v is not None for v in result)
            hits[cache] = found
            misses[cache] = len(result) - found
        else:
            for key, value in zip(args[1:], result, strict=False):
                cache = self.cache_of(key)
                bucket = hits if value is not None else misses
                bucket[cache] = bucket.get(cache, 0) + 1
        for outcome, counts in ((HIT, hits), (MISS, misses)):
            for cache, n in counts.items():
                if n > 0:
                    self.engine.count_named(KIND, key_name(cache, outcome), outcome, n)


def _contrib_active() -> bool:
    """Is opentelemetry-instrumentation-redis instrumenting redis-py in this process?"""
    module = sys.modules.get(CONTRIB_MODULE)
    instrumentor = getattr(module, "RedisInstrumentor", None)
    instance = getattr(instrumentor, "_instance", None)
    return bool(getattr(instance, "_is_instrumented_by_opentelemetry", False))


def _text(key: Any) -> str:
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key).decode("utf-8", "replace")
    return str(key)


def _command_name(args: Sequence[Any]) -> str:
    if not args:
        return "?"
    first = args[0]
    if isinstance(first, bytes):
        first = first.decode("ascii", "replace")
    name = str(first)
    return name if name.isupper() else name.upper()


def _query_text(name: str, args: Sequence[Any]) -> str:
    """The command with its key names (PGOTEL_REDIS_CAPTURE_KEYS), every value as `?`."""
    keys = args[1:] if name in ALL_KEYS else args[1:2]
    parts = [name]
    parts += [_text(key) for key in keys]
    parts += ["?"] * (len(args) - 1 - len(keys))
    return " ".join(parts)


def _unbound(original: Any) -> Callable[..., Any]:
    """`original` as a plain `(self, *args)` callable. A plain function already is one; a
    descriptor (the contrib instrumentation's wrapt wrapper) must be bound to `self` first."""
    if type(original) is types.FunctionType:  # not isinstance: a wrapt proxy passes that
        return original

    @functools.wraps(original)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return original.__get__(self, type(self))(*args, **kwargs)

    return call


def _wrap_execute_command(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        name = _command_name(args)
        span = hooks.start(self, name, args)
        started = time.perf_counter_ns()
        try:
            result = original(self, *args, **options)
        except BaseException as exc:
            hooks.finish(span, name, args, None, exc, time.perf_counter_ns() - started)
            raise
        hooks.finish(span, name, args, result, None, time.perf_counter_ns() - started)
        return result

    return execute_command


def _wrap_execute_command_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        name = _command_name(args)
        span = hooks.start(self, name, args)
        started = time.perf_counter_ns()
        try:
            result = await original(self, *args, **options)
        except BaseException as exc:
            hooks.finish(span, name, args, None, exc, time.perf_counter_ns() - started)
            raise
        hooks.finish(span, name, args, result, None, time.perf_counter_ns() - started)
        return result

    return execute_command


def _pipeline_commands(pipeline: Any) -> list[tuple[str, Sequence[Any]]]:
    return [(_command_name(args), args) for args, _options in pipeline.command_stack]


def _pipeline_done(
    hooks: _Hooks,
    span: Span | None,
    commands: list[tuple[str, Sequence[Any]]],
    results: Any,
    error: BaseException | None,
    duration_ns: int,
) -> None:
    """Record each command of a pipeline; the pipeline's time is shared out evenly."""
    try:
        share = duration_ns // max(len(commands), 1)
        if error is not None or not isinstance(results, list) or len(results) != len(commands):
            results = [error] * len(commands)
        for (name, args), result in zip(commands, results, strict=True):
            hooks.record(name, args, result, None, share, span)
        if span is not None:
            span.set_attribute("db.operation.batch.size", len(commands))
            if error is not None:
                span.set_attribute("error.type", type(error).__qualname__)
                span.set_status(Status(StatusCode.ERROR))  # no message: it may quote data
            span.end()
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(hooks.engine, "redis hook (pipeline)", exc)


def _wrap_pipeline_execute(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        commands = _pipeline_commands(self)
        span = hooks.start(self, "PIPELINE", ()) if commands else None
        started = time.perf_counter_ns()
        try:
            results = original(self, *args, **kwargs)
        except BaseException as exc:
            _pipeline_done(hooks, span, commands, None, exc, time.perf_counter_ns() - started)
            raise
        _pipeline_done(hooks, span, commands, results, None, time.perf_counter_ns() - started)
        return results

    return execute


def _wrap_pipeline_execute_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        commands = _pipeline_commands(self)
        span = hooks.start(self, "PIPELINE", ()) if commands else None
        started = time.perf_counter_ns()
        try:
            results = await original(self, *args, **kwargs)
        except BaseException as exc:
            _pipeline_done(hooks, span, commands, None, exc, time.perf_counter_ns() - started)
            raise
        _pipeline_done(hooks, span, commands, results, None, time.perf_counter_ns() - started)
        return results

    return execute


class _ClientInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Shared by the redis and valkey instrumentors: the same client code, other names."""

    #: The import package, its client class name, the `db.system.name` and default cache name.
    package: ClassVar[str]
    client: ClassVar[str]
    system: ClassVar[str]
    _originals: ClassVar[list[tuple[type, str, Any]]]

    def _instrument(self, **kwargs: Any) -> None:
        import importlib

        from pgotel import __version__

        sync = importlib.import_module(f"{self.package}.client")
        asyncio = importlib.import_module(f"{self.package}.asyncio.client")
        tracer = trace.get_tracer(SCOPE, __version__, kwargs.get("tracer_provider"))
        engine = kwargs.get("engine") or runtime.engine()
        hooks = _Hooks(tracer, engine, kwargs.get("settings") or settings(), self.system)
        targets: list[tuple[type, str, Callable[[Any, _Hooks], Any]]] = [
            (getattr(sync, self.client), "execute_command", _wrap_execute_command),
            (sync.Pipeline, "execute", _wrap_pipeline_execute),
            (getattr(asyncio, self.client), "execute_command", _wrap_execute_command_async),
            (asyncio.Pipeline, "execute", _wrap_pipeline_execute_async),
        ]
        originals = []
        for owner, name, wrap in targets:
            original = vars(owner).get(name)
            if original is None:  # a client version without it: nothing to wrap there
                continue
            setattr(owner, name, wrap(_unbound(original), hooks))
            originals.append((owner, name, original))
        type(self)._originals = originals

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name, original in type(self)._originals:
            setattr(owner, name, original)
        type(self)._originals = []


class RedisInstrumentor(_ClientInstrumentor):
    """Instrument redis-py: `RedisInstrumentor().instrument(tracer_provider=..., engine=...)`."""

    package = "redis"
    client = "Redis"
    system = "redis"
    _originals: ClassVar[list[tuple[type, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("redis >= 4.5",)


class ValkeyInstrumentor(_ClientInstrumentor):
    """Instrument valkey-py, the client forked from redis-py, the same way."""

    package = "valkey"
    client = "Valkey"
    system = "valkey"
    _originals: ClassVar[list[tuple[type, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("valkey >= 6",)
