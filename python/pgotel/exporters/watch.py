"""What the OTLP exporters did: exported, failed, dropped, last success, for `pgotel health`.

The SDK's batch span processor drops spans when its queue is full and logs
once; an exporter that fails says so in the log. Neither reaches a person on
call. pgotel wraps both: every figure is kept in the engine as a named value
(`exporter.<signal>.<figure>`), which snapshots carry to the CLI, and one
warning is logged when loss starts and one when exports recover.

Invariant for spans: produced = exported + failed + dropped + still queued.
The SDK's processor drops silently inside its queue, so `dropped` is what
the invariant leaves over, worked out each time an export ends (when no span
is between the queue and the exporter): never more than the true figure, and
exact once the queue is flushed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from pgotel._native import Engine

logger = logging.getLogger("pgotel")

FIGURES = ("produced", "exported", "failed", "dropped", "last_success_ns", "last_failure_ns")


class ExportHealth:
    """The figures of one signal's exporter, mirrored into the engine's named values."""

    def __init__(self, engine: Engine, signal: str) -> None:
        self.engine = engine
        self.signal = signal
        self.figures = dict.fromkeys(FIGURES, 0)
        self._lock = threading.Lock()
        self._failing = False
        self._publish()
        # A forked child counts from zero (its engine was reset) with a lock of its own: the
        # parent's could be held by its exporter thread, which the child does not have.
        # Weakly: the hook stays registered for good and must not keep this object alive.
        after_fork = weakref.WeakMethod(self._after_fork)

        def in_child() -> None:
            method = after_fork()
            if method is not None:
                method()

        os.register_at_fork(after_in_child=in_child)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self.figures = dict.fromkeys(FIGURES, 0)
        self._failing = False

    def produced(self, n: int = 1) -> None:
        """Called by the app's threads: counts only; the exporter's thread publishes."""
        with self._lock:
            self.figures["produced"] += n

    def dropped(self, n: int = 1) -> None:
        """Spans dropped before the queue (it was full): counted, and the loss is warned of."""
        with self._lock:
            self.figures["dropped"] += n
        self._warn_loss(f"queue full, {self.signal} dropped")

    def exported(self, n: int, ok: bool, queued: int | None = None) -> None:
        """One export ended; `queued` is what the processor still holds, when known."""
        with self._lock:
            f = self.figures
            f["exported" if ok else "failed"] += n
            f["last_success_ns" if ok else "last_failure_ns"] = time.time_ns()
            dropped = f["dropped"]
            if queued is not None:
                left = f["produced"] - f["exported"] - f["failed"] - queued
                f["dropped"] = max(dropped, left)
            more_dropped = f["dropped"] > dropped
        if more_dropped:
            self._warn_loss(f"queue full, {self.signal} dropped")
        if ok and self._failing and not more_dropped:
            self._failing = False
            logger.warning("pgotel: %s export recovered", self.signal)
        elif not ok:
            self._warn_loss(f"{self.signal} export failed")
        self._publish()

    def _warn_loss(self, what: str) -> None:
        if not self._failing:
            self._failing = True
            logger.warning("pgotel: %s; further loss is counted (see `pgotel health`)", what)

    def _publish(self) -> None:
        with self._lock:
            figures = list(self.figures.items())
        for figure, value in figures:
            self.engine.set_value(f"exporter.{self.signal}.{figure}", value)


class WatchedSpanExporter(SpanExporter):
    """Counts what the wrapped exporter sent and what it failed to send."""

    def __init__(self, inner: SpanExporter, health: ExportHealth) -> None:
        self.inner = inner
        self.health = health
        #: How many spans the processor still holds (set by the processor).
        self.queued: Callable[[], int | None] = lambda: None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception:  # the processor would log it; count it as a failure too
            result = SpanExportResult.FAILURE
            logger.debug("pgotel: span exporter raised", exc_info=True)
        self.health.exported(len(spans), result is SpanExportResult.SUCCESS, self.queued())
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return bool(self.inner.force_flush(timeout_millis))


class WatchedBatchSpanProcessor(BatchSpanProcessor):
    """The SDK's batch processor, counting the spans it takes in and drops."""

    def __init__(self, exporter: SpanExporter, health: ExportHealth, **options: Any) -> None:
        watched = WatchedSpanExporter(exporter, health)
        super().__init__(watched, **options)
        self.health = health
        # The SDK's queue (a private field): without it, drops cannot be told apart.
        queue = getattr(getattr(self, "_batch_processor", None), "_queue", None)
        self._queue = queue
        if queue is not None:
            watched.queued = lambda: len(queue)

    def on_end(self, span: ReadableSpan) -> None:
        queue = self._queue
        sampled = span.context is not None and span.context.trace_flags.sampled
        if sampled and queue is not None and len(queue) >= (queue.maxlen or len(queue) + 1):
            # Full (the collector is behind or gone): drop this span here, counted, rather
            # than have the SDK drop its oldest one and build a log record on the app's thread.
            self.health.produced()
            self.health.dropped()
            return
        super().on_end(span)
        # Counted once queued, so a span is never counted before it can be seen in the queue.
        if sampled:
            self.health.produced()


def span_processor_factory(engine: Engine) -> Any:
    """What `_initialize_components(export_span_processor=...)` calls with each span exporter.

    The figures appear with the first exporter: with `OTEL_TRACES_EXPORTER=none` there are
    none, and `pgotel health` says no OTLP exporter runs rather than "0 exported".
    """
    made: list[ExportHealth] = []

    def make(exporter: SpanExporter) -> BatchSpanProcessor:
        if not made:
            made.append(ExportHealth(engine, "spans"))
        return WatchedBatchSpanProcessor(exporter, made[0])

    return make
