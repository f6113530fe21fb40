"""`pgotel health`: components, overall status, exit codes; `pgotel config`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pgotel import Engine
from pgotel.cli import cli
from pgotel.exporters.local import prepare_state_dir, write_atomic
from pgotel.health import Status, check


def _write(directory: Path, engine: Engine) -> None:
    prepare_state_dir(directory)
    write_atomic(directory / f"web-{os.getpid()}-{id(engine):x}.pgotel", engine.snapshot())


def _health(directory: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        cli, ["health", "--state-dir", str(directory), "--format", "json", *extra]
    )
    return result.exit_code, json.loads(result.stdout)


def _by_name(report: dict) -> dict[str, dict]:
    return {c["component"]: c for c in report["components"]}


def test_no_snapshots_is_unhealthy_with_exit_2(tmp_path: Path) -> None:
    code, report = _health(tmp_path / "nothing")
    assert (code, report["status"]) == (2, "unhealthy")
    assert "no snapshots" in _by_name(report)["exporter"]["reasons"][0]


def test_a_live_quiet_process_is_healthy(tmp_path: Path) -> None:
    engine = Engine()
    for i in range(100):
        engine.record_query(f"SELECT {i}", 1000)
    _write(tmp_path, engine)
    code, report = _health(tmp_path)
    assert (code, report["status"]) == (0, "healthy")
    assert "100 calls recorded" in _by_name(report)["engine"]["reasons"][0]
    table = CliRunner().invoke(cli, ["health", "--state-dir", str(tmp_path)])
    assert table.exit_code == 0
    assert table.stdout.splitlines()[-1] == "overall   ok"


def test_failures_timeouts_and_engine_trouble_degrade(tmp_path: Path) -> None:
    engine = Engine(max_keys=1)
    for _ in range(10):
        engine.record_query("INSERT INTO t VALUES (1)", 1000, "23505")
    engine.record_query("SELECT 1", 1000)  # a second key: over the cap
    engine.record_query("SELECT 2", -5)  # a duration the sketch refuses
    engine.record_named("pool", "main", "checkout", 5_000_000, "PoolTimeout")
    engine.count_internal_error()
    _write(tmp_path, engine)
    code, report = _health(tmp_path)
    assert (code, report["status"]) == (1, "degraded")
    parts = _by_name(report)
    assert parts["database"]["status"] == "degraded"
    assert "10 of 12 calls failed" in parts["database"]["reasons"][0]
    assert parts["pool"]["status"] == "degraded"
    reasons = " ".join(parts["engine"]["reasons"])
    assert "1 internal errors" in reasons and "key cap reached" in reasons and "rejected" in reasons


def test_a_process_that_stopped_writing_is_unhealthy(tmp_path: Path) -> None:
    _write(tmp_path, Engine())
    later = check(tmp_path, now_ns=None).components[0]
    assert later.status is Status.HEALTHY
    import time

    stale = check(tmp_path, now_ns=time.time_ns() + 60 * 1_000_000_000)
    assert stale.status is Status.UNHEALTHY
    assert "no process wrote in 60s" in stale.components[0].reasons[0]


def test_the_live_probe(dsn: str, tmp_path: Path) -> None:
    _write(tmp_path, Engine())
    code, report = _health(tmp_path, "--dsn", dsn)
    assert code == 0
    assert "probe: PostgreSQL" in " ".join(_by_name(report)["database"]["reasons"])
    code, report = _health(tmp_path, "--dsn", "host=/nonexistent port=1 connect_timeout=1")
    assert code == 2
    assert "probe failed" in _by_name(report)["database"]["reasons"][0]


def test_config_shows_values_and_where_they_came_from() -> None:
    env = {**os.environ, "PGOTEL_MAX_KEYS": "500"}
    out = subprocess.run(
        [sys.executable, "-m", "pgotel", "config", "--format", "json"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    rows = {r["variable"]: r for r in json.loads(out.stdout)}
    assert (rows["PGOTEL_MAX_KEYS"]["value"], rows["PGOTEL_MAX_KEYS"]["from"]) == (
        "500",
        "environment",
    )
    assert rows["PGOTEL_SQLCOMMENTER"]["from"] == "default"


def test_a_bad_setting_is_one_line_not_a_traceback() -> None:
    env = {**os.environ, "PGOTEL_MAX_KEYS": "lots"}
    out = subprocess.run(
        [sys.executable, "-m", "pgotel", "config"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 2
    assert out.stderr.startswith("pgotel: PGOTEL_MAX_KEYS='lots' is not valid: ")
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_lost_connections_with_and_without_a_sqlstate_but_not_timeouts(tmp_path: Path) -> None:
    # Found by tests/test_db_faults.py: a socket closed under the call is psycopg's
    # OperationalError with no SQLSTATE, and was not seen as a lost connection; a statement
    # timeout (57014) was, though the connection stays up.
    engine = Engine()
    for _ in range(100):
        engine.record_query("SELECT 1", 1000)
    engine.record_query("SELECT 1", 1000, "OperationalError")
    engine.record_query("SELECT 1", 1000, "57P01")
    engine.record_query("SELECT pg_sleep(1)", 1000, "57014")
    _write(tmp_path, engine)
    reasons = " ".join(_by_name(_health(tmp_path)[1])["database"]["reasons"])
    assert "2 calls lost their connection" in reasons
    assert "1 statements timed out or were cancelled (57014)" in reasons
