"""Opt-in /healthz and /readyz, asked over real HTTP (urllib), in-process and under the launcher."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pgotel import Engine
from pgotel.config import Settings
from pgotel.exporters.local import prepare_state_dir, write_atomic
from pgotel.health_server import HealthServer, start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/json"
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _settings(state: Path, port: int | None) -> Settings:
    env = {"PGOTEL_STATE_DIR": str(state)}
    if port is not None:
        env["PGOTEL_HEALTH_PORT"] = str(port)
    return Settings.from_env(env)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[HealthServer, Path]]:
    state = prepare_state_dir(tmp_path / "state")
    server = start(_settings(state, _free_port()))
    assert server is not None
    server.cache_s = 0.0  # every probe reads the state dir anew
    try:
        yield server, state
    finally:
        server.shutdown()
        server.server_close()


def test_liveness_and_readiness(served: tuple[HealthServer, Path]) -> None:
    server, state = served
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"  # loopback unless PGOTEL_HEALTH_HOST says otherwise
    assert _get(port, "/healthz") == (
        200,
        {"schema_version": 1, "status": "alive", "pid": os.getpid()},
    )
    # Nothing written yet: not ready.
    code, body = _get(port, "/readyz")
    assert (code, body["status"]) == (503, "unhealthy")
    assert "no snapshots" in body["components"][0]["reasons"][0]
    engine = Engine()
    engine.record_query("SELECT 1", 1000)
    write_atomic(state / f"web-{os.getpid()}-abcd.pgotel", engine.snapshot())
    code, body = _get(port, "/readyz?verbose=1")
    assert (code, body["status"], body["schema_version"]) == (200, "healthy", 1)
    assert [c["component"] for c in body["components"]] == [
        "exporter",
        "otlp",
        "engine",
        "database",
        "pool",
        "cache",
    ]
    # Degraded still serves: ready, with the reasons.
    for _ in range(10):
        engine.record_query("INSERT INTO t VALUES (1)", 1000, "23505")
    write_atomic(state / f"web-{os.getpid()}-abcd.pgotel", engine.snapshot())
    code, body = _get(port, "/readyz")
    assert (code, body["status"]) == (200, "degraded")
    assert _get(port, "/nothing")[0] == 404


def test_probes_share_one_answer_within_the_cache_time(
    served: tuple[HealthServer, Path],
) -> None:
    server, state = served
    port = server.server_address[1]
    server.cache_s = 3600.0
    assert _get(port, "/readyz")[0] == 503  # nothing written yet
    write_atomic(state / f"web-{os.getpid()}-abcd.pgotel", Engine().snapshot())
    assert _get(port, "/readyz")[0] == 503  # the same answer, not read again
    server.cache_s = 0.0
    assert _get(port, "/readyz")[0] == 200


def test_off_by_default_and_a_busy_port_does_not_stop_the_app(tmp_path: Path) -> None:
    assert start(_settings(tmp_path, None)) is None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert start(_settings(tmp_path, taken.getsockname()[1])) is None


def test_bad_port_settings_are_refused_at_start_up() -> None:
    from pgotel.errors import ConfigError

    for bad in ("0", "70000", "http"):
        with pytest.raises(ConfigError, match="PGOTEL_HEALTH_PORT"):
            Settings.from_env({"PGOTEL_HEALTH_PORT": bad})


APP = "import time\nprint('up', flush=True)\ntime.sleep(60)\n"


def test_under_opentelemetry_instrument(tmp_path: Path) -> None:
    """The launcher's configurator starts the endpoints; nothing listens without the setting."""
    state = tmp_path / "state"
    port = _free_port()
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "PGOTEL_STATE_DIR": str(state),
        "PGOTEL_HEALTH_PORT": str(port),
    }
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    app = subprocess.Popen([str(launcher), sys.executable, "-c", APP], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                code, body = _get(port, "/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or app.poll() is not None:
                    pytest.fail("the app never served /healthz")
                time.sleep(0.1)
        assert (code, body["pid"]) == (200, app.pid)
        code, body = _get(port, "/readyz")
        assert "components" in body and code in (200, 503)
    finally:
        app.terminate()
        app.wait(timeout=30)
    # Without the setting, the same app opens no port.
    del env["PGOTEL_HEALTH_PORT"]
    with subprocess.Popen(
        [str(launcher), sys.executable, "-c", APP], env=env, stdout=subprocess.PIPE, text=True
    ) as quiet:
        try:
            assert quiet.stdout is not None and quiet.stdout.readline() == "up\n"
            with pytest.raises(urllib.error.URLError):
                _get(port, "/healthz")
        finally:
            quiet.terminate()
