"""Worker churn: gunicorn recycling its workers (max_requests) under opentelemetry-instrument.

The snapshot files stay bounded, the merged totals never go backwards, and they end equal
to the requests served (docs/reliability.md). `make soak` sets PGOTEL_SOAK_REQUESTS=10000.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from pgotel import merge_snapshots
from pgotel.state import read_state
from tests.test_metrics import _free_port

REQUESTS = int(os.environ.get("PGOTEL_SOAK_REQUESTS", "500"))
MAX_REQUESTS = 50
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent
QUERY = "SELECT $1::int + $2"


class Gunicorn:
    """tests/wsgi_app.py served by gunicorn, run by opentelemetry-instrument."""

    def __init__(self, dsn: str, state: Path, retention_s: float) -> None:
        port = _free_port()
        self.log = state.parent / "gunicorn.log"
        launcher = Path(sys.executable).parent / "opentelemetry-instrument"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with self.log.open("w") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [
                    str(launcher),
                    str(gunicorn),
                    f"--workers={WORKERS}",
                    f"--max-requests={MAX_REQUESTS}",
                    "--max-requests-jitter=0",
                    f"--bind=127.0.0.1:{port}",
                    "tests.wsgi_app:app",
                ],
                cwd=ROOT,
                env={
                    **os.environ,
                    "OTEL_TRACES_EXPORTER": "none",
                    "OTEL_METRICS_EXPORTER": "none",
                    "OTEL_LOGS_EXPORTER": "none",
                    "PGOTEL_STATE_DIR": str(state),
                    "PGOTEL_SNAPSHOT_INTERVAL": "0.1",
                    "PGOTEL_SNAPSHOT_RETENTION": str(retention_s),
                    "PGOTEL_CHURN_DSN": dsn,
                },
                # A file, not a pipe: a recycling master logs a few lines per worker, and a full
                # pipe nobody reads would block it.
                stderr=log,
            )
        self.url = f"http://127.0.0.1:{port}/"
        self.first = 0
        deadline = time.monotonic() + 60
        while True:
            try:
                self.first = self.get()  # the pid that served the start-up probe
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.proc.kill()
                    self.proc.wait()
                    pytest.fail(f"gunicorn did not start: {self.log.read_text()}")
                time.sleep(0.1)

    def get(self) -> int:
        with urllib.request.urlopen(self.url, timeout=30) as response:
            assert response.status == 200
            return int(response.read())

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        return self.log.read_text()


def _total(state: Path) -> tuple[int, int]:
    """(files, calls of the app's query) as the CLI reads them."""
    view = read_state(state)
    calls = sum(r["calls"] for r in view.report.rows() if r["text"] == QUERY)
    return len(view.files), calls


@pytest.mark.parametrize("retention_s", [3600, 1])
def test_worker_churn_keeps_files_bounded_and_totals_monotonic(
    dsn: str, tmp_path: Path, retention_s: float
) -> None:
    state = tmp_path / "state"
    server = Gunicorn(dsn, state, retention_s)
    served: Counter[int] = Counter({server.first: 1})  # the start-up probe was served too
    polls: list[tuple[int, int]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            polls.append(_total(state))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for _ in range(REQUESTS - 1):
            served[server.get()] += 1
    finally:
        done.set()
        poller.join()
    total = sum(served.values())
    most = max(files for files, _ in polls)
    print(f"figures: {total} requests, {len(served)} workers served, at most {most} files")
    assert total == REQUESTS
    # Workers were recycled, each after exactly max_requests (sync workers, no jitter).
    assert len(served) >= REQUESTS // MAX_REQUESTS
    assert max(served.values()) <= MAX_REQUESTS
    # The live workers write on their interval: wait for their last requests to land.
    deadline = time.monotonic() + 60
    while _total(state)[1] != total and retention_s > 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if retention_s > 60:
            totals = [calls for _, calls in polls]
            assert totals == sorted(totals), "a merged total went backwards"
            files, calls = _total(state)
            assert calls == total
            # One file per worker that served, and at most one per idle process (the master, a
            # worker started but not yet asked): nothing else.
            assert len(served) <= files <= len(served) + WORKERS + 1
            per_pid = {}
            for path in read_state(state).files:
                report = merge_snapshots([path.read_bytes()])
                (process,) = report.processes
                per_pid[process["pid"]] = sum(
                    r["calls"] for r in report.rows() if r["text"] == QUERY
                )
            # Each worker's file holds exactly the requests it served (the master's none).
            assert {pid: n for pid, n in per_pid.items() if n} == dict(served)
        else:
            # Dead workers' files go once the retention ends: only live processes remain.
            def dead_files() -> int:
                pids = [p["pid"] for p in read_state(state).report.processes]
                return sum(not _alive(pid) for pid in pids)

            deadline = time.monotonic() + 60
            while dead_files() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert dead_files() == 0
            assert _total(state)[0] <= WORKERS + 1
            if len(served) >= 100:  # the soak: many more workers than files at any time
                assert max(files for files, _ in polls) <= len(served) // 2
    finally:
        stderr = server.stop()
    assert "Traceback" not in stderr, stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
