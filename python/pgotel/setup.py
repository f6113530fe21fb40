"""One-call set-up: the SDK from OTEL_* settings, plus pgotel's processor, hooks and exporter.

`opentelemetry-instrument` reaches this through pgotel's configurator entry
point; an app that does not use the launcher calls `pgotel.configure()`.
Either way it runs once per process.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from pgotel import runtime
from pgotel.config import settings, use_keywords
from pgotel.errors import PgotelError

logger = logging.getLogger("pgotel")


@dataclass
class _Configured:
    local_exporter: Any | None
    prometheus: Any | None = None


_configured: _Configured | None = None
_lock = threading.Lock()


def configure(
    *,
    instrument: bool = True,
    auto_instrumentation_version: str | None = None,
    **settings_: object,
) -> None:
    """Set up tracing, metrics and pgotel for this process. Safe to call more than once.

    Reads every OTEL_* setting the SDK knows (exporters, sampler, resource) and
    every PGOTEL_* one; a bad value raises `pgotel.errors.ConfigError` here, at
    start-up, naming the variable. With `instrument`, the psycopg, psycopg_pool,
    graphql-core, redis, valkey and DataLoader instrumentations are turned on
    too, for the libraries that are installed (the launcher does that itself,
    through their entry points).

    Keyword arguments set pgotel's settings by their field names
    (`configure(slow_query_ms=50, sqlcommenter="service")`, see
    docs/configuration.md); they win over the environment and are validated
    the same way. Call it before the app's first query.
    """
    global _configured
    with _lock:
        if _configured is not None:
            return
        config = use_keywords(settings_) if settings_ else settings()
        engine = runtime.engine()
        _initialize_sdk(engine, auto_instrumentation_version)
        _bound_exit()
        exporter = None
        if config.local_exporter:
            exporter = _start_local_exporter(engine)
            if exporter is not None:
                # On a SIGTERM that ends the process, atexit never runs: flush from the handler.
                timeout = config.shutdown_timeout_s
                exporter.before_dying = lambda: _stop_sdk(timeout, time.monotonic() + timeout)
        prometheus = _start_prometheus(engine) if config.prometheus_port else None
        if config.health_port is not None:
            from pgotel import health_server

            health_server.start(config)
        if instrument:
            _instrument_installed_libraries()
        _configured = _Configured(local_exporter=exporter, prometheus=prometheus)


def shutdown(timeout_s: float | None = None) -> bool:
    """Write the last snapshot, then send what spans and metrics are left and stop the SDK.

    Waits at most `timeout_s` (default `PGOTEL_SHUTDOWN_TIMEOUT`), even with a
    collector that never answers, and returns whether everything was handed
    over in time. Runs at exit by itself.
    """

    if timeout_s is None:
        timeout_s = settings().shutdown_timeout_s
    deadline = time.monotonic() + timeout_s
    state = _configured
    tracked = sys.modules.get("pgotel.cache._track")
    if tracked is not None:
        tracked.collect()  # the tracked caches' last counts, into the last snapshot
    if state is not None and state.local_exporter is not None:
        state.local_exporter.shutdown(timeout_s=min(timeout_s, 1.0))
    if state is not None and state.prometheus is not None:
        state.prometheus.shutdown()
    return _stop_sdk(timeout_s, deadline)


def _stop_sdk(timeout_s: float, deadline: float) -> bool:
    """Shut the SDK's providers down (the last export), waiting until `deadline` at most."""
    from opentelemetry import metrics, trace

    providers = [trace.get_tracer_provider(), metrics.get_meter_provider()]
    done = threading.Event()

    def stop() -> None:
        for provider in providers:
            try:
                getattr(provider, "shutdown", lambda: None)()
            except Exception as exc:  # an unreachable collector must not stop the exit
                logger.warning("pgotel: shutdown of %s failed: %s", type(provider).__name__, exc)
        done.set()

    # The SDK's exporters can block for their whole retry budget: wait on them aside.
    threading.Thread(target=stop, name="pgotel-shutdown", daemon=True).start()
    if done.wait(max(0.0, deadline - time.monotonic())):
        return True
    logger.warning(
        "pgotel: spans and metrics not all sent within %.1fs (is the collector reachable?); "
        "going on without them",
        timeout_s,
    )
    return False


def _bound_exit() -> None:
    """Replace the SDK providers' exit hooks, which wait on the collector, with a bounded one."""
    from opentelemetry import metrics, trace

    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        handler = getattr(provider, "_atexit_handler", None)
        if handler is not None:
            atexit.unregister(handler)
            setattr(provider, "_atexit_handler", None)  # noqa: B010 (a private SDK field)
    atexit.register(shutdown)


def _initialize_sdk(engine: Any, auto_instrumentation_version: str | None) -> None:
    from opentelemetry.sdk._configuration import _initialize_components

    from pgotel import __version__
    from pgotel.exporters import watch
    from pgotel.processor import AggregatingSpanProcessor

    _initialize_components(
        auto_instrumentation_version=auto_instrumentation_version,
        span_processors=[AggregatingSpanProcessor(engine)],
        export_span_processor=watch.span_processor_factory(engine),
        resource_attributes={
            "telemetry.distro.name": "pgotel",
            "telemetry.distro.version": __version__,
        },
    )
    _export_engine_metrics(engine)


def _export_engine_metrics(engine: Any) -> None:
    from opentelemetry import metrics, trace

    from pgotel.exporters import otlp

    resource = getattr(trace.get_tracer_provider(), "resource", None)
    meter_provider = metrics.get_meter_provider()
    if resource is None or not hasattr(meter_provider, "_metric_readers"):
        return  # metrics are off (OTEL_METRICS_EXPORTER=none) or not the SDK's
    try:
        otlp.install(meter_provider, engine, resource)
    except Exception:  # the app runs on without engine metrics
        engine.count_internal_error()
        logger.warning("pgotel: engine metrics are off", exc_info=True)


def _start_local_exporter(engine: Any) -> Any:
    from pgotel.exporters import local

    try:
        return local.start(engine, settings())
    except (PgotelError, OSError) as exc:
        # The app comes first: no local snapshots, said loudly, and the app runs on.
        logger.error("pgotel: local snapshots are off: %s", exc)
        return None


def _start_prometheus(engine: Any) -> Any:
    from pgotel.exporters import prometheus

    return prometheus.start(engine, settings())


def _instrument_installed_libraries() -> None:
    for module, name in (
        ("pgotel.instrumentation.psycopg", "PsycopgInstrumentor"),
        ("pgotel.instrumentation.psycopg_pool", "PsycopgPoolInstrumentor"),
        ("pgotel.instrumentation.graphql", "GraphQLInstrumentor"),
        ("pgotel.instrumentation.redis", "RedisInstrumentor"),
        ("pgotel.instrumentation.redis", "ValkeyInstrumentor"),
        ("pgotel.instrumentation.dataloader", "StrawberryDataLoaderInstrumentor"),
        ("pgotel.instrumentation.dataloader", "AioDataLoaderInstrumentor"),
    ):
        try:
            instrumentor = getattr(__import__(module, fromlist=[name]), name)()
            if instrumentor._check_dependency_conflicts() is None:
                instrumentor.instrument()
        except ImportError:
            continue
