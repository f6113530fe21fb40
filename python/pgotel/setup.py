"""One-call set-up: the SDK from OTEL_* settings, plus pgotel's processor, hooks and exporter.

`opentelemetry-instrument` reaches this through pgotel's configurator entry
point; an app that does not use the launcher calls `pgotel.configure()`.
Either way it runs once per process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from pgotel import runtime
from pgotel.config import settings
from pgotel.errors import PgotelError

logger = logging.getLogger("pgotel")

#: How long `shutdown()` waits for spans and metrics to go out, at most.
SHUTDOWN_TIMEOUT_S = 5.0


@dataclass
class _Configured:
    local_exporter: Any | None


_configured: _Configured | None = None
_lock = threading.Lock()


def configure(*, instrument: bool = True, auto_instrumentation_version: str | None = None) -> None:
    """Set up tracing, metrics and pgotel for this process. Safe to call more than once.

    Reads every OTEL_* setting the SDK knows (exporters, sampler, resource) and
    every PGOTEL_* one; a bad value raises `pgotel.errors.ConfigError` here, at
    start-up, naming the variable. With `instrument`, the psycopg, psycopg_pool
    and graphql-core instrumentations are turned on too, for the libraries that
    are installed (the launcher does that itself, through their entry points).
    """
    global _configured
    with _lock:
        if _configured is not None:
            return
        config = settings()
        engine = runtime.engine()
        _initialize_sdk(engine, auto_instrumentation_version)
        exporter = None
        if config.local_exporter:
            exporter = _start_local_exporter(engine)
        if config.health_port is not None:
            from pgotel import health_server

            health_server.start(config)
        if instrument:
            _instrument_installed_libraries()
        _configured = _Configured(local_exporter=exporter)


def shutdown(timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
    """Write the last snapshot and flush spans and metrics, waiting at most `timeout_s`."""
    from opentelemetry import metrics, trace

    state = _configured
    if state is not None and state.local_exporter is not None:
        state.local_exporter.shutdown(timeout_s=min(timeout_s, 1.0))
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        flush = getattr(provider, "force_flush", None)
        if flush is not None:
            try:
                flush(int(timeout_s * 1000))
            except Exception as exc:  # an unreachable collector must not stop the exit
                logger.warning("pgotel: flush at shutdown failed: %s", exc)


def _initialize_sdk(engine: Any, auto_instrumentation_version: str | None) -> None:
    from opentelemetry.sdk._configuration import _initialize_components

    from pgotel import __version__
    from pgotel.processor import AggregatingSpanProcessor

    _initialize_components(
        auto_instrumentation_version=auto_instrumentation_version,
        span_processors=[AggregatingSpanProcessor(engine)],
        resource_attributes={
            "telemetry.distro.name": "pgotel",
            "telemetry.distro.version": __version__,
        },
    )


def _start_local_exporter(engine: Any) -> Any:
    from pgotel.exporters import local

    try:
        return local.start(engine, settings())
    except (PgotelError, OSError) as exc:
        # The app comes first: no local snapshots, said loudly, and the app runs on.
        logger.error("pgotel: local snapshots are off: %s", exc)
        return None


def _instrument_installed_libraries() -> None:
    for module, name in (
        ("pgotel.instrumentation.psycopg", "PsycopgInstrumentor"),
        ("pgotel.instrumentation.psycopg_pool", "PsycopgPoolInstrumentor"),
        ("pgotel.instrumentation.graphql", "GraphQLInstrumentor"),
    ):
        try:
            instrumentor = getattr(__import__(module, fromlist=[name]), name)()
            if instrumentor._check_dependency_conflicts() is None:
                instrumentor.instrument()
        except ImportError:
            continue
