"""psycopg_pool instrumentation: how long the app waits for a connection, and the pool's state.

`getconn` and `putconn` are wrapped on `ConnectionPool` and
`AsyncConnectionPool` (so `connection()`, and the null pools, are covered),
and their private `_connect`, where a pool opens its connections (timed for
`db.client.connection.create_time`).
Each checkout is one engine record of kind "pool" (its duration the wait, a
`PoolTimeout` its error), feeds the semantic-convention metrics, and, when the
wait reaches `PGOTEL_POOL_WAIT_EVENT_MS`, becomes an event on the current
span. The pool's size, idle and waiting figures are observed from
`pool.get_stats()` when metrics are collected.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable
from typing import Any, ClassVar

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.metrics import CallbackOptions, Observation

from pgotel import runtime
from pgotel._native import Engine
from pgotel.config import Settings, settings
from pgotel.faults import is_fatal, report_fault

SCOPE = "pgotel.instrumentation.psycopg_pool"
POOL_NAME = "db.client.connection.pool.name"
STATE = "db.client.connection.state"

_INSTRUMENTS = ("psycopg-pool >= 3.2",)


class _PoolHooks:
    """What happens around checkouts and returns. Never raises into the app."""

    def __init__(self, meter: metrics.Meter, engine: Engine, config: Settings) -> None:
        self.engine = engine
        self.wait_event_ns = int(config.pool_wait_event_ms * 1_000_000)
        self.pools: weakref.WeakSet[Any] = weakref.WeakSet()
        self.checked_out: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()
        self.wait_time = meter.create_histogram(
            "db.client.connection.wait_time", unit="s", description="Time to obtain a connection"
        )
        self.use_time = meter.create_histogram(
            "db.client.connection.use_time", unit="s", description="Time a connection was held"
        )
        self.create_time = meter.create_histogram(
            "db.client.connection.create_time",
            unit="s",
            description="Time to create a new connection",
        )
        self.timeouts = meter.create_counter(
            "db.client.connection.timeouts",
            unit="{timeout}",
            description="Checkouts that gave up waiting",
        )
        meter.create_observable_up_down_counter(
            "db.client.connection.count",
            callbacks=[self._observe(self._count)],
            unit="{connection}",
            description="Connections, by state",
        )
        for name, figure in (
            ("db.client.connection.max", lambda p, s: p.max_size),
            ("db.client.connection.idle.max", lambda p, s: p.max_size),
            ("db.client.connection.idle.min", lambda p, s: p.min_size),
            ("db.client.connection.pending_requests", lambda p, s: s.get("requests_waiting", 0)),
        ):
            meter.create_observable_up_down_counter(
                name, callbacks=[self._observe(self._single(figure))], unit="{connection}"
            )

    # ---------------------------------------------------------------- metrics

    def _observe(
        self, per_pool: Callable[[Any, dict[str, int]], Iterable[Observation]]
    ) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def callback(options: CallbackOptions) -> Iterable[Observation]:
            out: list[Observation] = []
            with self.lock:
                pools = list(self.pools)
            for pool in pools:
                try:
                    out.extend(per_pool(pool, pool.get_stats()))
                except Exception as exc:
                    report_fault(self.engine, "psycopg_pool metrics", exc)
            return out

        return callback

    @staticmethod
    def _count(pool: Any, stats: dict[str, int]) -> Iterable[Observation]:
        # psycopg counts connections being opened in pool_size: they show as used.
        size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
        return [
            Observation(idle, {POOL_NAME: pool.name, STATE: "idle"}),
            Observation(max(size - idle, 0), {POOL_NAME: pool.name, STATE: "used"}),
        ]

    @staticmethod
    def _single(
        figure: Callable[[Any, dict[str, int]], int],
    ) -> Callable[[Any, dict[str, int]], Iterable[Observation]]:
        return lambda pool, stats: [Observation(figure(pool, stats), {POOL_NAME: pool.name})]

    # ---------------------------------------------------------------- checkouts

    def waited(self, pool: Any, started_ns: int, conn: Any, error: BaseException | None) -> None:
        try:
            now = time.perf_counter_ns()
            waited_ns = now - started_ns
            name = pool.name
            with self.lock:
                self.pools.add(pool)
            code = type(error).__name__ if error is not None else None
            self.engine.record_named("pool", name, "checkout", waited_ns, code)
            attrs = {POOL_NAME: name}
            self.wait_time.record(waited_ns / 1e9, attrs)
            if error is not None and code == "PoolTimeout":
                self.timeouts.add(1, attrs)
            if conn is not None:
                self.checked_out[conn] = now
            if waited_ns >= self.wait_event_ns:
                span = trace.get_current_span()
                if span.is_recording():
                    event: dict[str, Any] = {POOL_NAME: name, "pgotel.wait_ms": waited_ns / 1e6}
                    if code:
                        event["error.type"] = code
                    span.add_event("db.client.connection.wait", event)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg_pool hook (getconn)", exc)

    def created(self, pool: Any, started_ns: int) -> None:
        """The pool opened a connection (its `_connect` returned): how long that took."""
        try:
            took = (time.perf_counter_ns() - started_ns) / 1e9
            self.create_time.record(took, {POOL_NAME: pool.name})
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg_pool hook (connect)", exc)

    def returned(self, pool: Any, conn: Any) -> None:
        try:
            taken = self.checked_out.pop(conn, None)
            if taken is not None:
                held = (time.perf_counter_ns() - taken) / 1e9
                self.use_time.record(held, {POOL_NAME: pool.name})
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "psycopg_pool hook (putconn)", exc)


def _wrap_getconn(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def getconn(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            conn = original(self, *args, **kwargs)
        except BaseException as exc:
            hooks.waited(self, started, None, exc)
            raise
        hooks.waited(self, started, conn, None)
        return conn

    return getconn


def _wrap_getconn_async(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def getconn(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            conn = await original(self, *args, **kwargs)
        except BaseException as exc:
            hooks.waited(self, started, None, exc)
            raise
        hooks.waited(self, started, conn, None)
        return conn

    return getconn


def _wrap_connect(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    """The pool's private `_connect`, the one place it opens connections (null pools too)."""

    @functools.wraps(original)
    def connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        conn = original(self, *args, **kwargs)
        hooks.created(self, started)
        return conn

    return connect


def _wrap_connect_async(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        conn = await original(self, *args, **kwargs)
        hooks.created(self, started)
        return conn

    return connect


def _wrap_putconn(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    @functools.wraps(original)
    def putconn(self: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
        hooks.returned(self, conn)
        return original(self, conn, *args, **kwargs)

    return putconn


def _wrap_putconn_async(original: Callable[..., Any], hooks: _PoolHooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def putconn(self: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
        hooks.returned(self, conn)
        return await original(self, conn, *args, **kwargs)

    return putconn


class PsycopgPoolInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument psycopg_pool.

    `PsycopgPoolInstrumentor().instrument(meter_provider=..., engine=...)`; both
    keywords are optional (the global MeterProvider, the process's engine).
    """

    _originals: ClassVar[list[tuple[type, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return _INSTRUMENTS

    def _instrument(self, **kwargs: Any) -> None:
        import psycopg_pool

        from pgotel import __version__

        meter = metrics.get_meter(SCOPE, __version__, kwargs.get("meter_provider"))
        engine = kwargs.get("engine") or runtime.engine()
        hooks = _PoolHooks(meter, engine, kwargs.get("settings") or settings())
        targets: list[tuple[type, str, Callable[[Any, _PoolHooks], Any]]] = [
            (psycopg_pool.ConnectionPool, "getconn", _wrap_getconn),
            (psycopg_pool.ConnectionPool, "putconn", _wrap_putconn),
            (psycopg_pool.AsyncConnectionPool, "getconn", _wrap_getconn_async),
            (psycopg_pool.AsyncConnectionPool, "putconn", _wrap_putconn_async),
        ]
        if "_connect" in vars(psycopg_pool.ConnectionPool):
            targets.append((psycopg_pool.ConnectionPool, "_connect", _wrap_connect))
        if "_connect" in vars(psycopg_pool.AsyncConnectionPool):
            targets.append((psycopg_pool.AsyncConnectionPool, "_connect", _wrap_connect_async))
        originals = []
        for owner, name, wrap in targets:
            original = vars(owner)[name]
            setattr(owner, name, wrap(original, hooks))
            originals.append((owner, name, original))
        PsycopgPoolInstrumentor._originals = originals

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name, original in PsycopgPoolInstrumentor._originals:
            setattr(owner, name, original)
        PsycopgPoolInstrumentor._originals = []
