"""The engine's aggregates as metrics: series, the OTLP exporter wrapper, and Prometheus."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import Histogram as HistogramInstrument
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExporter,
    MetricExportResult,
    MetricsData,
)
from opentelemetry.sdk.resources import Resource
from prometheus_client.parser import text_string_to_metric_families

from pgotel import Engine, fingerprint, merge_snapshots
from pgotel.config import Settings
from pgotel.exporters import metrics, prometheus
from pgotel.exporters.local import write_atomic
from pgotel.exporters.otlp import EngineMetricExporter


def _engine(**kwargs: Any) -> Engine:
    engine = Engine(service="svc", **kwargs)
    for ms in (0.5, 2, 3, 40, 700):
        engine.record_query("SELECT * FROM users WHERE id = 1", int(ms * 1e6))
    engine.record_query("SELECT * FROM users WHERE id = 2", 1_200_000, error="57014")
    engine.record_query("INSERT INTO orders VALUES (1)", 3_000_000, rows=1)
    engine.record_named("graphql", "Books", "query", 9_000_000)
    return engine


def _series(engine: Engine) -> dict[str, metrics.Series]:
    report = merge_snapshots([engine.snapshot()])
    return {s.name: s for s in metrics.collect(report)}


def test_series_carry_every_call_with_semantic_convention_attributes() -> None:
    found = _series(_engine())
    duration = found["db.client.operation.duration"]
    points = {dict(a)["db.query.summary"]: p for a, p in duration.histograms.items()}
    users = points["SELECT users"]
    assert users.count == 6
    assert users.bucket_counts == [1, 3, 0, 1, 0, 0, 1, 0, 0, 0]
    assert users.sum == pytest.approx(0.7467)
    assert (users.min, users.max) == (0.0005, 0.7)
    (attrs,) = [a for a in duration.histograms if dict(a)["db.query.summary"] == "SELECT users"]
    assert dict(attrs) == {
        "db.system.name": "postgresql",
        "db.operation.name": "SELECT",
        "db.query.summary": "SELECT users",
        "db.collection.name": "users",
    }
    errors = found["pgotel.db.client.operation.errors"].counters
    assert {dict(a)["error.type"]: n for a, n in errors.items()} == {"57014": 1}
    rows = found["db.client.response.returned_rows"].histograms
    assert {dict(a)["db.query.summary"]: p.sum for a, p in rows.items()}["INSERT orders"] == 1
    (op,) = found["pgotel.graphql.operation.duration"].histograms
    assert dict(op) == {"graphql.operation.name": "Books", "graphql.operation.type": "query"}


def test_keys_past_the_cap_become_one_overflow_series() -> None:
    engine = Engine(max_keys=1)
    for table in ("a", "b", "c"):
        engine.record_query(f"SELECT * FROM {table}", 1000)
    duration = _series(engine)["db.client.operation.duration"].histograms
    overflow = [p for a, p in duration.items() if dict(a).get("otel.metric.overflow") is True]
    assert len(duration) == 2 and overflow[0].count == 2


class _Keep(MetricExporter):
    """A real SDK exporter base that keeps what it is given."""

    def __init__(self, temporality: AggregationTemporality) -> None:
        super().__init__(preferred_temporality={HistogramInstrument: temporality})
        self.exports: list[MetricsData] = []

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **_: Any) -> Any:
        self.exports.append(metrics_data)
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **_: Any) -> None:
        pass


def _exported_counts(data: MetricsData, name: str) -> list[int]:
    (rm,) = data.resource_metrics
    (scope,) = [s for s in rm.scope_metrics if s.scope.name == "pgotel"]
    (metric,) = [m for m in scope.metrics if m.name == name]
    return sorted(p.count for p in metric.data.data_points)  # type: ignore[union-attr]


@pytest.mark.parametrize("temporality", list(AggregationTemporality)[1:])
def test_the_wrapper_sends_cumulative_or_delta_as_the_exporter_prefers(
    temporality: AggregationTemporality,
) -> None:
    engine = _engine()
    inner = _Keep(temporality)
    wrapper = EngineMetricExporter(inner, engine, Resource.create({"service.name": "svc"}))
    name = "db.client.operation.duration"
    wrapper.export(MetricsData([]))
    engine.record_query("INSERT INTO orders VALUES (2)", 1_000)
    wrapper.export(MetricsData([]))
    first, second = (_exported_counts(d, name) for d in inner.exports)
    assert first == [1, 6]
    delta = temporality == AggregationTemporality.DELTA
    assert second == ([0, 1] if delta else [2, 6])
    assert inner.exports[0].resource_metrics[0].resource.attributes["service.name"] == "svc"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_prometheus_serves_every_process_of_the_service_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    config = Settings.from_env(
        {
            "PGOTEL_STATE_DIR": str(tmp_path),
            "PGOTEL_PROMETHEUS_PORT": str(port),
            "OTEL_SERVICE_NAME": "svc",
        }
    )
    tmp_path.chmod(0o700)
    # Another worker of the service, and a process of another service, wrote snapshots.
    write_atomic(tmp_path / "host-999991-aa.pgotel", _engine().snapshot())
    write_atomic(tmp_path / "host-999992-bb.pgotel", Engine(service="other").snapshot())
    engine = _engine()
    first = prometheus.PrometheusServer(engine, config).start()
    deadline = time.monotonic() + 10
    while first.server is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = prometheus.PrometheusServer(Engine(), config).start()
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        while second.bind_failures == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.server is not None and second.server is None
        assert first.server.server_address[0] == "127.0.0.1"
        status, text = _get(url)
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(text)}
        duration = families["db_client_operation_duration_seconds"]
        counts = {
            s.labels["db_query_summary"]: s.value
            for s in duration.samples
            if s.name.endswith("_count")
        }
        assert counts == {"SELECT users": 12, "INSERT orders": 2}
        infinite = [s for s in duration.samples if s.labels.get("le") == "+Inf"]
        assert sorted(s.value for s in infinite) == [2, 12]
        errors = families["pgotel_db_client_operation_errors"]
        assert [s.value for s in errors.samples] == [2]
        assert _get(f"http://127.0.0.1:{port}/other")[0] == 404
    finally:
        first.shutdown()
        second.shutdown()


def test_prometheus_is_off_unless_a_port_is_set(tmp_path: Path) -> None:
    config = Settings.from_env({"PGOTEL_STATE_DIR": str(tmp_path)})
    assert config.prometheus_port is None and config.prometheus_host == "127.0.0.1"
    assert prometheus.start(Engine(), config) is None


def test_label_values_are_escaped_for_the_text_format() -> None:
    engine = Engine()
    engine.record_named("graphql", 'Odd "name"\\\nx', "query", 1000)
    text = prometheus.exposition(metrics.collect(merge_snapshots([engine.snapshot()])))
    (family,) = [
        f
        for f in text_string_to_metric_families(text)
        if f.name == "pgotel_graphql_operation_duration_seconds"
    ]
    assert family.samples[0].labels["graphql_operation_name"] == 'Odd "name"\\\nx'


def test_cache_series_count_every_call_and_time_only_timed_ones() -> None:
    engine = Engine()
    for _ in range(3):
        engine.record_named("cache", "users:hit", "hit", 20_000)
    engine.record_named("cache", "users:miss", "miss", 2_000_000)
    engine.count_named("cache", "users:hit", "hit", 5)  # lru_cache-style counts, untimed
    engine.record_named("cache", "users:size", "size", 0, rows=40)
    found = _series(engine)
    calls = {
        dict(a)["pgotel.cache.outcome"]: n
        for a, n in found["pgotel.cache.operations"].counters.items()
    }
    assert calls == {"hit": 8, "miss": 1}
    durations = {
        dict(a)["pgotel.cache.outcome"]: p
        for a, p in found["pgotel.cache.operation.duration"].histograms.items()
    }
    assert durations["hit"].count == 3 and durations["miss"].count == 1
    assert durations["hit"].bucket_counts[0] == 3


def test_resolver_and_operation_database_series() -> None:
    engine = Engine()
    for ms in (1, 2, 3):
        engine.record_named("resolver", "Query.books", "query", ms * 1_000_000)
    engine.record_named("resolver", "Book.author", "query", 500_000, "ValueError")
    engine.record_named("graphql_db", "query Shelf", "query", 4_000_000, None, 11)
    found = _series(engine)
    resolvers = {
        (dict(a)["graphql.parent.name"], dict(a)["graphql.field.name"]): p.count
        for a, p in found["pgotel.graphql.resolver.duration"].histograms.items()
    }
    assert resolvers == {("Query", "books"): 3, ("Book", "author"): 1}
    (errors,) = found["pgotel.graphql.resolver.errors"].counters.items()
    assert dict(errors[0])["error.type"] == "ValueError" and errors[1] == 1
    (db,) = found["pgotel.graphql.operation.database.duration"].histograms.items()
    assert dict(db[0])["graphql.operation.name"] == "Shelf" and db[1].sum == 0.004


def test_histogram_counts_match_their_buckets_when_a_duration_was_rejected() -> None:
    # Found by review: a call whose duration the sketch rejects (a span of another
    # instrumentation that ends before it starts, the wall clock stepped back) counted in the
    # histogram's count but in no bucket: Prometheus' +Inf bucket and _count disagreed, and the
    # OTLP point's count was not the sum of its bucket counts.
    from opentelemetry.sdk.trace import TracerProvider

    from pgotel.processor import AggregatingSpanProcessor

    engine = _engine()
    provider = TracerProvider()
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    tracer = provider.get_tracer("some.orm")
    attrs = {"db.system.name": "postgresql", "db.query.text": "SELECT * FROM users WHERE id = 3"}
    span = tracer.start_span("SELECT users", attributes=attrs, start_time=2_000_000_000)
    span.end(end_time=1_000_000_000)
    assert engine.stats()["rejected"] == 1
    (queries,) = [
        s
        for s in metrics.collect(merge_snapshots([engine.snapshot()]))
        if s.name == "db.client.operation.duration"
    ]
    for point in queries.histograms.values():
        assert point.count == sum(point.bucket_counts)
    families = {f.name: f for f in text_string_to_metric_families(prometheus.exposition([queries]))}
    samples = families["db_client_operation_duration_seconds"].samples
    for sample in samples:
        if sample.name.endswith("_count"):
            labels = dict(sample.labels)
            inf = [
                s.value
                for s in samples
                if s.name.endswith("_bucket")
                and s.labels.get("le") == "+Inf"
                and {k: v for k, v in s.labels.items() if k != "le"} == labels
            ]
            assert inf == [sample.value]


def test_graphql_metric_attributes_carry_the_operation_name_not_the_engine_key() -> None:
    # Found by review: the engine keys GraphQL operations as "query Books" and N+1 patterns
    # under that key too; the metrics put the whole key in graphql.operation.name, where the
    # spans (and the semantic conventions) have "Books".
    from graphql import build_schema, graphql_sync

    from pgotel.instrumentation.graphql import GraphQLInstrumentor

    engine = Engine()
    GraphQLInstrumentor().instrument(engine=engine)
    try:
        schema = build_schema("type Query { hello: String }")
        for document in ("query Books { hello }", "{ hello }", "mutation M { x }"):
            graphql_sync(schema, document, root_value={"hello": "hi"})
    finally:
        GraphQLInstrumentor().uninstrument()
    engine.record_n_plus_one(
        "query Shelf", fingerprint("SELECT * FROM books WHERE author_id = 1"), 12, 9_000
    )
    found = {s.name: s for s in metrics.collect(merge_snapshots([engine.snapshot()]))}
    operations = [dict(a) for a in found["pgotel.graphql.operation.duration"].histograms]
    assert {"graphql.operation.type": "query", "graphql.operation.name": "Books"} in operations
    assert {"graphql.operation.type": "query"} in operations  # anonymous: no name
    (n_plus_one,) = found["pgotel.graphql.n_plus_one"].counters
    assert dict(n_plus_one)["graphql.operation.name"] == "Shelf"


def test_a_forked_child_lets_go_of_the_prometheus_port_and_retries_it(tmp_path: Path) -> None:
    port = _free_port()
    config = Settings.from_env(
        {
            "PGOTEL_PROMETHEUS_PORT": str(port),
            "PGOTEL_LOCAL_EXPORTER": "false",
            "PGOTEL_SNAPSHOT_INTERVAL": "0.05",
        }
    )
    server = prometheus.PrometheusServer(Engine(), config).start()
    deadline = time.monotonic() + 10
    while server.server is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.server is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            while server.bind_failures == 0 and time.monotonic() < deadline:
                time.sleep(0.02)  # the parent still serves: the child's bind fails, and retries
            os.write(write, f"{server.server} {server.bind_failures > 0}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        assert pipe.read() == "None True"
    assert _get(f"http://127.0.0.1:{port}/metrics")[0] == 200  # the parent serves on
    server.shutdown()
