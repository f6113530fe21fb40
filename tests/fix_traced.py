"""The `traced` fixture: psycopg instrumented with an in-memory span exporter and an engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Sampler

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.psycopg import PsycopgInstrumentor


@dataclass
class Traced:
    exporter: InMemorySpanExporter
    engine: Engine
    provider: TracerProvider

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def rows(self) -> dict[str, dict[str, Any]]:
        return {r["text"]: r for r in merge_snapshots([self.engine.snapshot()]).rows()}


def instrument_psycopg(sampler: Sampler = ALWAYS_ON, env: dict[str, str] | None = None) -> Traced:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    engine = Engine()
    PsycopgInstrumentor().instrument(
        tracer_provider=provider, engine=engine, settings=Settings.from_env(env or {})
    )
    return Traced(exporter, engine, provider)


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = instrument_psycopg()
    yield t
    PsycopgInstrumentor().uninstrument()
