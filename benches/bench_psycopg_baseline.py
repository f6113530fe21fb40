"""The baseline later benchmarks compare with: raw psycopg against the official
OpenTelemetry psycopg instrumentation, on the same connection, same query."""

from __future__ import annotations

import psycopg
from opentelemetry import trace
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from benches.timing import best_per_call_ns, report
from pgotel import devdb

CALLS = 2000


def run() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with devdb.start() as server:
        raw = psycopg.connect(server.dsn, autocommit=True)
        PsycopgInstrumentor().instrument(tracer_provider=provider)
        try:
            traced = psycopg.connect(server.dsn, autocommit=True)
            tracer = trace.get_tracer("bench", tracer_provider=provider)

            def run_traced() -> None:
                with tracer.start_as_current_span("request"):
                    traced.execute("SELECT 1").fetchall()
                exporter.clear()

            results = best_per_call_ns(
                {
                    "raw psycopg": lambda: raw.execute("SELECT 1").fetchall(),
                    "opentelemetry-instrumentation-psycopg": run_traced,
                },
                CALLS,
            )
        finally:
            PsycopgInstrumentor().uninstrument()
    report("SELECT 1 round trip (unix socket, embedded PostgreSQL)", results, "raw psycopg")
