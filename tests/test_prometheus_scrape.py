"""A real Prometheus server scrapes pgotel's endpoint (when Debian's `prometheus` is installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pgotel import Engine
from pgotel.config import Settings
from pgotel.exporters.prometheus import PrometheusServer
from tests.test_metrics import _free_port

PROMETHEUS = shutil.which("prometheus")


def _query(port: int, promql: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as response:
        result: list[dict[str, object]] = json.load(response)["data"]["result"]
        return result


@pytest.mark.skipif(
    PROMETHEUS is None, reason="no prometheus binary (Debian: apt install prometheus)"
)
def test_a_real_prometheus_scrapes_the_engines_series(tmp_path: Path) -> None:
    engine = Engine(service="scraped")
    for i in range(25):
        engine.record_query(f"SELECT * FROM books WHERE id = {i}", 2_000_000)
    engine.record_query("SELECT * FROM books WHERE id = 0", 1_000, error="57014")
    ours, theirs = _free_port(), _free_port()
    config = Settings.from_env(
        {"PGOTEL_PROMETHEUS_PORT": str(ours), "PGOTEL_LOCAL_EXPORTER": "false"}
    )
    server = PrometheusServer(engine, config).start()
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: pgotel\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{ours}']\n"
    )
    prometheus = subprocess.Popen(
        [
            str(PROMETHEUS),
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{theirs}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not found:
            time.sleep(0.5)
            try:
                found = _query(theirs, "db_client_operation_duration_seconds_count")
            except OSError:
                continue  # not listening yet
        assert found, "prometheus never stored a sample"
        (series,) = found
        assert series["metric"]["db_query_summary"] == "SELECT books"  # type: ignore[index]
        assert series["value"][1] == "26"  # type: ignore[index]
        (up,) = _query(theirs, 'up{job="pgotel"}')
        assert up["value"][1] == "1"  # type: ignore[index]
        errors = _query(theirs, "pgotel_db_client_operation_errors_total")
        assert [e["value"][1] for e in errors] == ["1"]  # type: ignore[index]
    finally:
        prometheus.terminate()
        prometheus.communicate(timeout=30)
        server.shutdown()
