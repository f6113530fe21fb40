"""The engine's aggregates as metric series, for OTLP and Prometheus alike.

The engine already holds every call's count, sum, min, max and latency
sketch, sampled or not. This module turns a `Report` (one process's engine,
or many processes merged) into plain series; `otlp.py` hands them to the
SDK's metric exporter and `prometheus.py` prints them. Both see the same
numbers, and both are exact at any trace sampling ratio.

Series are cumulative since the engine started. Keys that share every
attribute (two query shapes with the same summary) are summed into one
series, which keeps the cardinality at or below the engine's key cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pgotel._native import Report

#: Semantic-convention bucket bounds for database and request durations, in seconds.
DURATION_BOUNDS_S: tuple[float, ...] = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
DURATION_BOUNDS_NS = [round(b * 1e9) for b in DURATION_BOUNDS_S]

#: The attribute set of every series past the engine's key cap.
OVERFLOW: Mapping[str, Any] = {"otel.metric.overflow": True}

Attributes = tuple[tuple[str, Any], ...]


@dataclass
class HistogramPoint:
    count: int = 0
    sum: float = 0.0
    min: float | None = None
    max: float | None = None
    bucket_counts: list[int] = field(default_factory=list)

    def add(
        self, count: int, total: float, low: float | None, high: float | None, buckets: list[int]
    ) -> None:
        self.count += count
        self.sum += total
        if low is not None:
            self.min = low if self.min is None else min(self.min, low)
        if high is not None:
            self.max = high if self.max is None else max(self.max, high)
        if not self.bucket_counts:
            self.bucket_counts = list(buckets)
        else:
            self.bucket_counts = [a + b for a, b in zip(self.bucket_counts, buckets, strict=True)]


@dataclass
class Series:
    """One metric: a histogram (explicit buckets) or a monotonic counter."""

    name: str
    unit: str
    description: str
    histogram: bool
    #: Upper bucket bounds of a histogram, in `unit`; empty means one bucket.
    bounds: tuple[float, ...] = ()
    histograms: dict[Attributes, HistogramPoint] = field(default_factory=dict)
    counters: dict[Attributes, int] = field(default_factory=dict)

    def observe(
        self,
        attributes: Mapping[str, Any],
        count: int,
        total: float,
        low: float | None = None,
        high: float | None = None,
        buckets: list[int] | None = None,
    ) -> None:
        point = self.histograms.setdefault(_frozen(attributes), HistogramPoint())
        point.add(count, total, low, high, buckets if buckets is not None else [count])

    def increase(self, attributes: Mapping[str, Any], value: int) -> None:
        if value:
            key = _frozen(attributes)
            self.counters[key] = self.counters.get(key, 0) + value

    def empty(self) -> bool:
        return not self.histograms and not self.counters


def _frozen(attributes: Mapping[str, Any]) -> Attributes:
    return tuple(sorted(attributes.items()))


def _seconds(ns: int | None) -> float | None:
    return None if ns is None else ns / 1e9


def _query_attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    if row["overflow"]:
        return {"db.system.name": "postgresql", **OVERFLOW}
    attrs = {"db.system.name": "postgresql", "db.operation.name": row["operation"]}
    summary = row["summary"]
    if summary:
        attrs["db.query.summary"] = summary
        # "SELECT users" names one collection; a join's summary names several.
        words = summary.split()
        if len(words) == 2 and words[0] == row["operation"]:
            attrs["db.collection.name"] = words[1]
    return attrs


def _operation_name(key: str, kind: str) -> str | None:
    """The operation's own name in its engine key ("query Books" is "Books"), None when
    anonymous; a subscription's events ("subscription Feed event") are named as it is."""
    prefix = kind + " "
    if not key.startswith(prefix):
        return key  # "(parse error)" and "(validation error)" are kept as they are
    name = key[len(prefix) :]
    if kind == "subscription" and name.endswith(" event"):
        name = name[: -len(" event")]
    return None if name == "(anonymous)" else name


def _operation_attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    if row["overflow"]:
        return dict(OVERFLOW)
    attrs = {"graphql.operation.type": row["operation"]}
    name = _operation_name(row["text"], row["operation"])
    if name is not None:
        attrs["graphql.operation.name"] = name
    return attrs


def _resolver_attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    if row["overflow"]:
        return dict(OVERFLOW)
    parent, _, field = str(row["text"]).rpartition(".")
    return {"graphql.parent.name": parent, "graphql.field.name": field}


def _durations(
    report: Report, kind: str, name: str, description: str, attributes: Any
) -> tuple[Series, list[tuple[dict[str, Any], dict[str, Any]]]]:
    series = Series(name, "s", description, True, DURATION_BOUNDS_S)
    rows = []
    for row in report.histograms(kind, DURATION_BOUNDS_NS):
        attrs = attributes(row)
        # The calls whose duration the sketch took: a rejected one (negative, or beyond the
        # sketch's range) is in no bucket, so it cannot be in the count (see pgotel.engine.events).
        series.observe(
            attrs,
            sum(row["bucket_counts"]),
            row["total_ns"] / 1e9,
            _seconds(row["min_ns"]),
            _seconds(row["max_ns"]),
            row["bucket_counts"],
        )
        rows.append((row, attrs))
    return series, rows


def _errors(
    name: str, description: str, rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]
) -> Series:
    series = Series(name, "{error}", description, False)
    for row, attrs in rows:
        for code, n in row["error_codes"]:
            series.increase({**attrs, "error.type": code}, n)
    return series


def _caches(report: Report) -> tuple[Series, Series]:
    """Cache calls by outcome, and the latency of timed hits and misses (docs/cache.md)."""
    from pgotel.cache._keys import HIT, MISS, SIZE, split

    calls = Series(
        "pgotel.cache.operations",
        "{operation}",
        "Cache calls by outcome (hit, miss, set, delete, evict, error, other, batch).",
        False,
    )
    durations = Series(
        "pgotel.cache.operation.duration",
        "s",
        "Duration of timed cache hits and misses.",
        True,
        DURATION_BOUNDS_S,
    )
    for row in report.histograms("cache", DURATION_BOUNDS_NS):
        outcome = row["operation"]
        named = None if row["overflow"] else split(row["text"], outcome)
        if named is None:
            attrs: dict[str, Any] = dict(OVERFLOW)
        else:
            attrs = {"pgotel.cache.name": named[0], "pgotel.cache.outcome": outcome}
        if outcome != SIZE:
            calls.increase(attrs, row["calls"])
        timed = sum(row["bucket_counts"])  # untimed calls (counts read in bulk) have no latency
        if outcome in (HIT, MISS) and timed:
            durations.observe(
                attrs,
                timed,
                row["total_ns"] / 1e9,
                _seconds(row["min_ns"]),
                _seconds(row["max_ns"]),
                row["bucket_counts"],
            )
    return calls, durations


def collect(report: Report) -> list[Series]:
    """Every series the engine's aggregates make, empty ones left out."""
    queries, query_rows = _durations(
        report,
        "query",
        "db.client.operation.duration",
        "Duration of database client operations, every call (not only sampled ones).",
        _query_attributes,
    )
    returned = Series(
        "db.client.response.returned_rows",
        "{row}",
        "Rows returned or affected per operation; the engine keeps their total, so one bucket.",
        True,
    )
    for row, attrs in query_rows:
        returned.observe(attrs, row["calls"], float(row["rows"]))
    operations, operation_rows = _durations(
        report,
        "graphql",
        "pgotel.graphql.operation.duration",
        "Duration of GraphQL operations executed, every call.",
        _operation_attributes,
    )
    n_plus_one = Series(
        "pgotel.graphql.n_plus_one",
        "{operation}",
        "GraphQL operation executions that ran one query shape at least the N+1 threshold times.",
        False,
    )
    for row in report.histograms("n_plus_one", []):
        if row["overflow"]:
            attrs = dict(OVERFLOW)
        else:
            attrs = {"db.query.summary": row["summary"]}
            # An N+1 row's operation is its operation's engine key ("query Shelf").
            name = _operation_name(row["operation"], row["operation"].split(" ", 1)[0])
            if name is not None:
                attrs["graphql.operation.name"] = name
        n_plus_one.increase(attrs, row["calls"])
    resolvers, resolver_rows = _durations(
        report,
        "resolver",
        "pgotel.graphql.resolver.duration",
        "Duration of GraphQL field resolvers, per Type.field, every call (spans or not).",
        _resolver_attributes,
    )
    database, _ = _durations(
        report,
        "graphql_db",
        "pgotel.graphql.operation.database.duration",
        "Database time of each GraphQL operation execution (its statements' durations summed).",
        _operation_attributes,
    )
    cache_calls, cache_durations = _caches(report)
    engine = Series(
        "pgotel.engine.events",
        "{event}",
        "What the engine counted about itself: records, overflowed keys, "
        "rejected durations and caught internal errors.",
        False,
    )
    for event, value in report.counters.items():
        engine.increase({"pgotel.event": event}, value)
    found = [
        queries,
        _errors(
            "pgotel.db.client.operation.errors",
            "Failed database operations by error.type (SQLSTATE or exception class).",
            query_rows,
        ),
        returned,
        operations,
        _errors(
            "pgotel.graphql.operation.errors",
            "GraphQL operations that ended with errors, by error.type.",
            operation_rows,
        ),
        n_plus_one,
        resolvers,
        _errors(
            "pgotel.graphql.resolver.errors", "Resolvers that raised, by error.type.", resolver_rows
        ),
        database,
        cache_calls,
        cache_durations,
        engine,
    ]
    return [s for s in found if not s.empty()]
