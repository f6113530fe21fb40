"""The engine's series added to every export of the SDK's periodic metric reader.

The SDK's histogram instruments only see what is recorded through them; the
engine already holds every call. Rather than record each call twice, the
metric exporter that `OTEL_METRICS_EXPORTER` chose is wrapped: each time the
reader exports, the wrapper appends a `pgotel` scope with the engine's series
(see `metrics.py`) to the batch, then lets the real exporter send it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import Histogram as HistogramInstrument
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    NumberDataPoint,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from pgotel import __version__
from pgotel._native import Engine, merge_snapshots
from pgotel.exporters import metrics
from pgotel.exporters.watch import ExportHealth

logger = logging.getLogger("pgotel")

SCOPE = InstrumentationScope("pgotel", __version__)


class EngineMetricExporter(MetricExporter):
    """A metric exporter that sends the engine's series along with the SDK's own."""

    def __init__(self, inner: MetricExporter, engine: Engine, resource: Resource) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner
        self.engine = engine
        #: Counts exports (batches), not points: a metric batch is resent whole next time.
        self.health = ExportHealth(engine, "metrics")
        self.resource = resource
        self.delta = (inner._preferred_temporality or {}).get(
            HistogramInstrument
        ) == AggregationTemporality.DELTA
        self._last: dict[tuple[str, Any], tuple[int, float, list[int]]] = {}
        self._last_start = 0
        self._last_time = 0

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        try:
            metrics_data = self._with_engine(metrics_data)
        except Exception:  # the SDK's own metrics still go out
            self.engine.count_internal_error()
            logger.warning("pgotel: engine metrics left out of this export", exc_info=True)
        try:
            result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        except Exception:
            self.health.produced()
            self.health.exported(1, ok=False)
            raise
        self.health.produced()
        self.health.exported(1, ok=result is MetricExportResult.SUCCESS)
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis=timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)

    def _with_engine(self, data: MetricsData) -> MetricsData:
        report = merge_snapshots([self.engine.snapshot()])
        start = report.processes[0]["started_ns"]
        if start != self._last_start:  # a new engine (a forked child): start afresh
            self._last.clear()
            self._last_start = self._last_time = start
        now = time.time_ns()
        begin = self._last_time if self.delta else start
        found = [self._metric(s, begin, now) for s in metrics.collect(report)]
        self._last_time = now
        scope = ScopeMetrics(scope=SCOPE, metrics=found, schema_url="")
        if not data.resource_metrics:
            return MetricsData([ResourceMetrics(self.resource, [scope], "")])
        first, *rest = data.resource_metrics
        scopes = list(first.scope_metrics)
        for i, existing in enumerate(scopes):
            if existing.scope.name == SCOPE.name:  # the engine gauges of `install`
                scope = replace(existing, metrics=[*existing.metrics, *found])
                del scopes[i]
                break
        grown = replace(first, scope_metrics=[*scopes, scope])
        return MetricsData([grown, *rest])

    def _metric(self, series: metrics.Series, begin: int, now: int) -> Metric:
        temporality = (
            AggregationTemporality.DELTA if self.delta else AggregationTemporality.CUMULATIVE
        )
        data: Histogram | Sum
        if series.histogram:
            points = []
            for attrs, p in series.histograms.items():
                count, total, buckets = self._since_last(series.name, attrs, p)
                points.append(
                    HistogramDataPoint(
                        attributes=dict(attrs),
                        start_time_unix_nano=begin,
                        time_unix_nano=now,
                        count=count,
                        sum=total,
                        bucket_counts=buckets,
                        explicit_bounds=list(series.bounds),
                        # min and max are all-time; an interval's are unknown.
                        min=None if self.delta else p.min,  # type: ignore[arg-type]
                        max=None if self.delta else p.max,  # type: ignore[arg-type]
                    )
                )
            data = Histogram(data_points=points, aggregation_temporality=temporality)
        else:
            numbers = []
            for attrs, value in series.counters.items():
                count, _, _ = self._since_last(
                    series.name, attrs, metrics.HistogramPoint(count=value)
                )
                numbers.append(NumberDataPoint(dict(attrs), begin, now, count))
            data = Sum(numbers, temporality, is_monotonic=True)
        return Metric(series.name, series.description, series.unit, data)

    def _since_last(
        self, name: str, attrs: Any, point: metrics.HistogramPoint
    ) -> tuple[int, float, list[int]]:
        if not self.delta:
            return point.count, point.sum, point.bucket_counts
        key = (name, attrs)
        count, total, buckets = self._last.get(key, (0, 0.0, [0] * len(point.bucket_counts)))
        self._last[key] = (point.count, point.sum, point.bucket_counts)
        return (
            point.count - count,
            point.sum - total,
            [a - b for a, b in zip(point.bucket_counts, buckets, strict=True)],
        )


def install(meter_provider: Any, engine: Engine, resource: Resource) -> int:
    """Send the engine's series with every periodic export of `meter_provider`.

    Also registers the engine's own gauges, which keep the SDK exporting even
    when no other instrument exists. Returns how many readers were wrapped.
    """
    meter = meter_provider.get_meter(SCOPE.name, __version__)

    def observe(_options: CallbackOptions) -> list[Observation]:
        stats = engine.stats()
        return [
            Observation(stats["keys"], {"pgotel.state": "used"}),
            Observation(stats["max_keys"], {"pgotel.state": "limit"}),
        ]

    meter.create_observable_gauge(
        "pgotel.engine.keys", [observe], "{key}", "Keys the engine holds, and its cap."
    )
    return wrap_metric_readers(meter_provider, engine, resource)


def wrap_metric_readers(meter_provider: Any, engine: Engine, resource: Resource) -> int:
    """Wrap the exporter of each periodic reader of `meter_provider`; returns how many."""
    readers = getattr(meter_provider, "_metric_readers", ())
    wrapped = 0
    for reader in readers:
        inner = getattr(reader, "_exporter", None)
        if isinstance(reader, PeriodicExportingMetricReader) and isinstance(inner, MetricExporter):
            if not isinstance(inner, EngineMetricExporter):
                reader._exporter = EngineMetricExporter(inner, engine, resource)
            wrapped += 1
    return wrapped
