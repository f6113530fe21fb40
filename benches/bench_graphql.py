"""What instrumenting GraphQL adds per operation, beside strawberry's own OpenTelemetry extension.

One strawberry query selects 50 fields over a list of 100 items (5,000
fields, one custom resolver: the list). Contenders: no instrumentation;
pgotel with resolver spans off, nontrivial (the default) and all; strawberry's
`OpenTelemetryExtensionSync` (no pgotel). Every contender traces with
ALWAYS_ON into a BatchSpanProcessor with a no-op exporter. Instrumentation is
process-wide, so each round turns each contender on, measures, and turns it
off; the fastest operation of all rounds stands for each (on a shared machine,
the one least disturbed by its neighbours).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

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
OPERATIONS = 20
ROUNDS = 7

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


def _strawberry(schema: strawberry.Schema) -> Callable[[], None]:
    def run() -> None:
        result = schema.execute_sync(QUERY)
        assert result.errors is None and len(result.data["items"]) == ITEMS  # type: ignore[index]

    return run


def _graphql_core() -> Callable[[], None]:
    """The same query on plain graphql-core: cheaper fields, so a stricter ratio."""
    from graphql import build_schema, graphql_sync

    fields = " ".join(f"f{i}: Int!" for i in range(FIELDS))
    schema = build_schema(f"type Item {{ {fields} }} type Query {{ items: [Item!]! }}")
    rows = [{f"f{i}": i for i in range(FIELDS)} for _ in range(ITEMS)]

    def items(_: Any, info: Any) -> list[dict[str, int]]:
        return rows

    schema.query_type.fields["items"].resolve = items  # type: ignore[union-attr]

    def run() -> None:
        result = graphql_sync(schema, QUERY)
        assert result.errors is None and len(result.data["items"]) == ITEMS  # type: ignore[index]

    return run


class _Contender:
    def __init__(self, run: Callable[[], None], spans: str | None = None) -> None:
        self.run = run
        self.spans = spans

    def measure(self) -> float:
        """ns of this round's fastest operation (the one least disturbed by neighbours)."""
        if self.spans is not None:
            GraphQLInstrumentor().instrument(
                tracer_provider=_provider(),
                engine=Engine(),
                settings=Settings.from_env({"PGOTEL_GRAPHQL_RESOLVER_SPANS": self.spans}),
            )
        try:
            self.run()  # warm caches
            fastest = float("inf")
            for _ in range(OPERATIONS):
                start = time.perf_counter_ns()
                self.run()
                fastest = min(fastest, time.perf_counter_ns() - start)
            return fastest
        finally:
            if self.spans is not None:
                GraphQLInstrumentor().uninstrument()


def _compare(title: str, contenders: dict[str, _Contender]) -> dict[str, float]:
    best = {name: float("inf") for name in contenders}
    for _ in range(ROUNDS):
        for name, contender in contenders.items():
            best[name] = min(best[name], contender.measure())
    base = best["uninstrumented"]
    print(
        f"\n{title}: {FIELDS} fields x {ITEMS} items, ALWAYS_ON, fastest of {ROUNDS} x {OPERATIONS}"
    )
    for name, ns in best.items():
        added = ns - base
        print(
            f"  {name:<46} {ns / 1e6:8.2f} ms/op  added {added / 1e6:+7.2f} ms"
            f"  ({added / base:+7.1%} of uninstrumented)"
        )
    return best


def run() -> dict[str, float]:
    plain = _strawberry(strawberry.Schema(query=Query))
    extension = functools.partial(OpenTelemetryExtensionSync, tracer_provider=_provider())
    traced = _strawberry(strawberry.Schema(query=Query, extensions=[extension]))
    best = _compare(
        "strawberry, one query",
        {
            "uninstrumented": _Contender(plain),
            "pgotel, resolver spans off": _Contender(plain, "off"),
            "pgotel, resolver spans nontrivial (default)": _Contender(plain, "nontrivial"),
            "pgotel, resolver spans all": _Contender(plain, "all"),
            "strawberry OpenTelemetryExtensionSync": _Contender(traced),
        },
    )
    core = _graphql_core()
    _compare(
        "graphql-core, the same query",
        {
            "uninstrumented": _Contender(core),
            "pgotel, resolver spans off": _Contender(core, "off"),
            "pgotel, resolver spans nontrivial (default)": _Contender(core, "nontrivial"),
        },
    )
    return best


if __name__ == "__main__":
    run()
