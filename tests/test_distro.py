"""Zero-code set-up: `opentelemetry-instrument` and env vars alone, in a real subprocess."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from pgotel import merge_snapshots

APP = textwrap.dedent(
    """
    import sys
    import psycopg
    from opentelemetry import trace

    with psycopg.connect(sys.argv[1]) as conn:
        for i in range(7):
            conn.execute("SELECT %s::int * 2", (i,))
    # A database span from another instrumentation: aggregated by pgotel's processor.
    with trace.get_tracer("opentelemetry.instrumentation.asyncpg").start_as_current_span("q") as s:
        s.set_attribute("db.system.name", "postgresql")
        s.set_attribute("db.query.text", "SELECT * FROM other WHERE id = 1")
    print("done", flush=True)
    """
)


def _run(dsn: str, state: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OTEL_SERVICE_NAME": "books-test",
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "PGOTEL_STATE_DIR": str(state),
        **extra_env,
    }
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    return subprocess.run(
        [str(launcher), sys.executable, "-c", APP, dsn],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _spans(stdout: str) -> list[dict[str, object]]:
    """The console exporter prints one JSON object per span."""
    spans, depth, buffer = [], 0, ""
    for line in stdout.splitlines():
        if line.startswith("{") and depth == 0:
            buffer = ""
        depth += line.count("{") - line.count("}")
        buffer += line + "\n"
        if depth == 0 and buffer.strip().startswith("{"):
            spans.append(json.loads(buffer))
            buffer = ""
    return spans


def test_opentelemetry_instrument_alone_sets_everything_up(dsn: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    out = _run(dsn, state, {})
    assert out.returncode == 0, out.stderr
    assert "done" in out.stdout
    spans = _spans(out.stdout)
    queries = [s for s in spans if s["name"] == "SELECT"]
    assert len(queries) == 7
    resource = queries[0]["resource"]["attributes"]  # type: ignore[index]
    assert resource["telemetry.distro.name"] == "pgotel"
    assert resource["service.name"] == "books-test"
    (snapshot,) = state.glob("*.pgotel")
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    rows = {r["text"]: r for r in merge_snapshots([snapshot.read_bytes()]).rows()}
    assert rows["SELECT $1::int * $2"]["calls"] == 7
    assert rows["SELECT * FROM other WHERE id = $1"]["calls"] == 1
    (process,) = merge_snapshots([snapshot.read_bytes()]).processes
    assert process["service"] == "books-test"


def test_unsampled_the_aggregates_are_the_same(dsn: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    out = _run(dsn, state, {"OTEL_TRACES_SAMPLER": "always_off"})
    assert out.returncode == 0, out.stderr
    assert _spans(out.stdout) == []
    (snapshot,) = state.glob("*.pgotel")
    rows = {r["text"]: r for r in merge_snapshots([snapshot.read_bytes()]).rows()}
    assert rows["SELECT $1::int * $2"]["calls"] == 7


def test_a_bad_setting_stops_pgotel_at_start_up_not_the_app(dsn: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    out = _run(dsn, state, {"PGOTEL_SLOW_QUERY_MS": "soon"})
    # The launcher reports the configuration error at start-up and runs the app uninstrumented.
    assert out.returncode == 0 and "done" in out.stdout
    assert "PGOTEL_SLOW_QUERY_MS='soon' is not valid" in out.stderr
    assert not state.exists() or list(state.glob("*.pgotel")) == []


def test_an_unsafe_state_dir_turns_snapshots_off_not_the_app(dsn: str, tmp_path: Path) -> None:
    state = tmp_path / "open"
    state.mkdir()
    state.chmod(0o777)
    out = _run(dsn, state, {})
    assert out.returncode == 0, out.stderr
    assert "local snapshots are off" in out.stderr and "world-writable" in out.stderr
    assert len(_spans(out.stdout)) >= 7
    assert list(state.glob("*.pgotel")) == []
