"""What instrumenting GraphQL adds per operation, beside strawberry's own OpenTelemetry extension.

One strawberry query selects 50 fields over a list of 100 items (5,000
fields, one custom resolver: the list). Contenders: no instrumentation;
pgotel with resolver spans off, nontrivial (the default) and all; strawberry's
`OpenTelemetryExtensionSync` (no pgotel). Every contender traces with
ALWAYS_ON into a BatchSpanProcessor with a no-op exporter. Instrumentation is
process-wide, so each round turns each contender on, measures, and turns it
off; the best round stands for each.
"""

from __future__ import annotations

import functools
import time

import strawberry
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from strawberry.extensions.tracing import OpenTelemetryExtensionSync

from benches.timing import NullExporter
from pgotel import Engine
from pgotel.config import Settings
from pgotel.instrumentation.graphql import GraphQLInstrumentor

FIELDS = 50
ITEMS = 100
OPERATIONS = 8
ROUNDS = 5

Item = strawberry.type(
    type("Item", (), {"__annotations__": dict.fromkeys((f"f{i}" for i in range(FIELDS)), int)})
)
_ITEMS = [Item(**{f"f{i}": i for i in range(FIELDS)}) for _ in range(ITEMS)]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:  # type: ignore[valid-type]
        return _ITEMS


QUERY = "query Items { items { " + " ".join(f"f{i}" for i in range(FIELDS)) + " } }"


def _provider() -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(
        BatchSpanProcessor(NullExporter(), max_queue_size=1 << 16, schedule_delay_millis=50)
    )
    return provider


def _run(schema: strawberry.Schema) -> None:
    result = schema.execute_sync(QUERY)
    assert result.errors is None and len(result.data["items"]) == ITEMS  # type: ignore[index]


class _Contender:
    def __init__(self, schema: strawberry.Schema, spans: str | None = None) -> None:
        self.schema = schema
        self.spans = spans

    def measure(self) -> float:
        """ns per operation, this round."""
        if self.spans is not None:
            GraphQLInstrumentor().instrument(
                tracer_provider=_provider(),
                engine=Engine(),
                settings=Settings.from_env({"PGOTEL_GRAPHQL_RESOLVER_SPANS": self.spans}),
            )
        try:
            _run(self.schema)  # warm caches
            start = time.perf_counter_ns()
            for _ in range(OPERATIONS):
                _run(self.schema)
            return (time.perf_counter_ns() - start) / OPERATIONS
        finally:
            if self.spans is not None:
                GraphQLInstrumentor().uninstrument()


def run() -> dict[str, float]:
    plain = strawberry.Schema(query=Query)
    extension = functools.partial(OpenTelemetryExtensionSync, tracer_provider=_provider())
    traced = strawberry.Schema(query=Query, extensions=[extension])
    contenders: dict[str, _Contender] = {
        "uninstrumented": _Contender(plain),
        "pgotel, resolver spans off": _Contender(plain, "off"),
        "pgotel, resolver spans nontrivial (default)": _Contender(plain, "nontrivial"),
        "pgotel, resolver spans all": _Contender(plain, "all"),
        "strawberry OpenTelemetryExtensionSync": _Contender(traced),
    }
    best = {name: float("inf") for name in contenders}
    for _ in range(ROUNDS):
        for name, contender in contenders.items():
            best[name] = min(best[name], contender.measure())
    base = best["uninstrumented"]
    print(f"\nstrawberry, one query: {FIELDS} fields x {ITEMS} items, ALWAYS_ON, best of {ROUNDS}")
    for name, ns in best.items():
        added = ns - base
        print(
            f"  {name:<46} {ns / 1e6:8.2f} ms/op  added {added / 1e6:+7.2f} ms"
            f"  ({added / base:+7.1%} of uninstrumented)"
        )
    return best


if __name__ == "__main__":
    run()
