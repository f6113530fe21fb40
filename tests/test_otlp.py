"""End to end over OTLP: an app run by `opentelemetry-instrument` with env vars alone.

The app (examples/flask_app.py) serves GraphQL over HTTP; an OTLP receiver in
this process (gRPC and HTTP, see otlp_receiver.py) receives its spans and
metrics. The request carries a W3C traceparent, so every span must join it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.otlp_receiver import Receiver, attributes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


class App:
    """examples/flask_app.py under opentelemetry-instrument, in a subprocess."""

    def __init__(self, dsn: str, state: Path, env: dict[str, str]) -> None:
        launcher = Path(sys.executable).parent / "opentelemetry-instrument"
        self.proc = subprocess.Popen(
            [str(launcher), sys.executable, "-m", "examples.flask_app"],
            cwd=ROOT,
            env={
                **os.environ,
                "OTEL_SERVICE_NAME": "otlp-test",
                "OTEL_LOGS_EXPORTER": "none",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "OTEL_METRIC_EXPORT_INTERVAL": "300",
                "PGOTEL_STATE_DIR": str(state),
                "PGOTEL_SNAPSHOT_INTERVAL": "0.2",
                "PGOTEL_DEMO_DSN": dsn,
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise AssertionError(f"app did not start: {line!r} {self.proc.stderr.read()}")  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{int(line.split()[-1])}/graphql"

    def graphql(self, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = json.load(response)
            return result

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        _, stderr = self.proc.communicate(timeout=30)
        return stderr


def _ancestors(span: Any, by_id: dict[bytes, Any]) -> list[Any]:
    chain = []
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        chain.append(span)
    return chain


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_spans_and_metrics_reach_a_real_otlp_receiver(
    dsn: str, tmp_path: Path, receiver: Receiver, protocol: str
) -> None:
    endpoint = receiver.grpc_endpoint if protocol == "grpc" else receiver.http_endpoint
    app = App(
        dsn,
        tmp_path / "state",
        {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": protocol},
    )
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    try:
        traceparent = {"traceparent": f"00-{trace_id}-{caller}-01"}
        assert app.graphql("query Double { double(n: 21) }", traceparent) == {
            "data": {"double": 42}
        }
        for n in range(2):
            assert app.graphql(f"{{ double(n: {n}) }}")["data"] == {"double": 2 * n}
        failed = app.graphql("query Broken { broken }")
        assert failed["data"] is None and "division by zero" in failed["errors"][0]["message"]

        def traced() -> list[Any]:
            return [s for _, s in receiver.spans() if s.trace_id.hex() == trace_id]

        def complete() -> bool:
            # The server span can come in a later batch than its children.
            spans = traced()
            names = {s.name for s in spans}
            server = any(s.parent_span_id.hex() == caller for s in spans)
            return server and {"query Double", "SELECT"} <= names

        assert receiver.wait_for(complete), [s.name for s in traced()]
        spans = traced()
        by_id = {s.span_id: s for s in spans}
        (server,) = [s for s in spans if s.parent_span_id.hex() == caller]
        (operation,) = [s for s in spans if s.name == "query Double"]
        (query,) = [s for s in spans if s.name == "SELECT"]
        assert server in _ancestors(operation, by_id)
        assert operation in _ancestors(query, by_id)
        assert attributes(query.attributes)["db.system.name"] == "postgresql"
        resource, _ = receiver.spans()[0]
        assert resource["service.name"] == "otlp-test"
        assert resource["telemetry.distro.name"] == "pgotel"

        def engine_metric(name: str) -> Any:
            found = [m for scope, m in receiver.metrics() if scope == "pgotel" and m.name == name]
            return found[-1] if found else None

        def select_count() -> int:
            metric = engine_metric("db.client.operation.duration")
            points = metric.histogram.data_points if metric else []
            return sum(
                p.count
                for p in points
                if attributes(p.attributes).get("db.operation.name") == "SELECT"
            )

        # Three doubles and the division by zero, every call: the engine's counts.
        assert receiver.wait_for(lambda: select_count() == 4), select_count()
        errors = engine_metric("pgotel.db.client.operation.errors")
        codes = {attributes(p.attributes)["error.type"]: p.as_int for p in errors.sum.data_points}
        assert codes == {"22012": 1}
        assert engine_metric("pgotel.graphql.operation.duration") is not None
    finally:
        app.stop()
    (snapshot,) = (tmp_path / "state").glob("*.pgotel")
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
