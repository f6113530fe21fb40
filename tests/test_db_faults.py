"""The database fails under the app: a server restart mid-load, an exhausted pool, statement
timeouts. Every failure is counted as the app saw it, and shows in the CLI and in health."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from opentelemetry.sdk.trace import TracerProvider
from psycopg_pool import ConnectionPool, PoolTimeout

from pgotel import Engine, merge_snapshots
from pgotel.cli import cli
from pgotel.config import Settings
from pgotel.exporters.local import write_atomic
from pgotel.health import Status, Thresholds, check
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from pgotel.instrumentation.psycopg_pool import PsycopgPoolInstrumentor

#: `make soak` raises this: restarts in a row under the same load.
RESTARTS = int(os.environ.get("PGOTEL_SOAK_RESTARTS", "1"))
MINUTE_NS = 60 * 1_000_000_000


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine()
    settings = Settings.from_env({})
    PsycopgInstrumentor().instrument(
        tracer_provider=TracerProvider(), engine=engine, settings=settings
    )
    PsycopgPoolInstrumentor().instrument(engine=engine, settings=settings)
    yield engine
    PsycopgPoolInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()


class Seen:
    """What the app saw, counted under a lock from many threads."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.lock = threading.Lock()

    def add(self, outcome: str, exc: BaseException | None = None) -> None:
        with self.lock:
            self.counts[outcome] += 1
            if exc is not None:
                self.codes[getattr(exc, "sqlstate", None) or type(exc).__name__] += 1

    def __getitem__(self, outcome: str) -> int:
        with self.lock:
            return self.counts[outcome]

    def wait_until(self, outcome: str, at_least: int, timeout: float = 60.0) -> None:
        """Wait until `outcome` was seen `at_least` times (fails the test after `timeout`)."""
        deadline = time.monotonic() + timeout
        while self[outcome] < at_least:
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting for {at_least} {outcome!r}: {self.counts}")
            time.sleep(0.01)


def _rows(engine: Engine, kind: str) -> dict[str, dict[str, Any]]:
    return {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows(kind)}


def _state(engine: Engine, tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    write_atomic(state / f"host-{os.getpid()}-x.pgotel", engine.snapshot())
    return state


def _component(state: Path, name: str, now_ns: int | None = None) -> tuple[Status, str]:
    # A long staleness limit: moving the clock forward must not make our one writer stale.
    health = check(state, thresholds=Thresholds(stale_after_s=3600), now_ns=now_ns)
    (c,) = [c for c in health.components if c.name == name]
    return c.status, " ".join(c.reasons)


def test_a_server_restart_mid_load_is_counted_and_everything_recovers(
    engine: Engine, tmp_path: Path
) -> None:
    from pgotel import devdb

    seen = Seen()
    stop = threading.Event()
    with (
        devdb.start() as server,
        ConnectionPool(
            server.dsn, min_size=4, max_size=4, name="restart", kwargs={"autocommit": True}
        ) as pool,
    ):
        pool.wait()

        def work() -> None:
            while not stop.is_set():
                try:
                    with pool.connection(timeout=0.3) as conn:
                        try:
                            conn.execute("SELECT %s::int", (1,))
                            seen.add("ok")
                        except psycopg.Error as exc:
                            seen.add("failed", exc)
                except PoolTimeout:
                    seen.add("checkout failed")

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for _ in range(RESTARTS):
                seen.wait_until("ok", seen["ok"] + 200)
                server.pause()
                seen.wait_until("checkout failed", seen["checkout failed"] + 4)
                server.resume()
                # The pool reconnects by itself: the app's queries succeed again.
                seen.wait_until("ok", seen["ok"] + 200)
        finally:
            stop.set()
            for t in threads:
                t.join()
        with pool.connection() as conn:
            assert conn.execute("SELECT 2").fetchone() == (2,)

    print(f"figures: {RESTARTS} restart(s), {dict(seen.counts)}, codes {dict(seen.codes)}")
    # The engine lost no count: every call the app made is there, failures with their code.
    query = _rows(engine, "query")["SELECT $1::int"]
    assert seen["failed"] >= 1
    assert query["calls"] == seen["ok"] + seen["failed"]
    assert query["errors"] == seen["failed"]
    assert dict(query["error_codes"]) == dict(seen.codes)
    assert set(seen.codes) <= {"57P01", "08006", "OperationalError"}, seen.codes
    checkouts = _rows(engine, "pool")["restart"]
    # Every checkout of the load, and the one after it.
    assert checkouts["calls"] == seen["ok"] + seen["failed"] + seen["checkout failed"] + 1
    assert dict(checkouts["error_codes"]) == {"PoolTimeout": seen["checkout failed"]}

    # Health: degraded now, healthy again once the failures leave the 5-minute window.
    state = _state(engine, tmp_path)
    status, reasons = _component(state, "database")
    # Found by this test: a connection that broke with no SQLSTATE was not a lost connection.
    lost = seen["failed"]
    assert status is Status.DEGRADED, (reasons, seen.codes)
    assert f"{lost:,} calls lost their connection" in reasons, (reasons, seen.codes)
    assert _component(state, "pool")[0] is Status.DEGRADED
    result = CliRunner().invoke(cli, ["health", "--state-dir", str(state)])
    assert result.exit_code == 1 and "lost their connection" in result.output
    later = time.time_ns() + 6 * MINUTE_NS
    for name in ("database", "pool", "engine"):
        assert _component(state, name, later)[0] is Status.HEALTHY, name


def test_an_exhausted_pool_and_statement_timeouts_are_counted_and_shown(
    dsn: str, engine: Engine, tmp_path: Path
) -> None:
    seen = Seen()
    options = {"autocommit": True, "options": "-c statement_timeout=100"}
    with ConnectionPool(dsn, min_size=1, max_size=1, name="tiny", kwargs=options) as pool:
        pool.wait()

        def slow() -> None:
            try:
                with pool.connection(timeout=0.05) as conn:
                    try:
                        conn.execute("SELECT pg_sleep(1)")
                        seen.add("ok")
                    except psycopg.Error as exc:
                        seen.add("failed", exc)
            except PoolTimeout as exc:
                seen.add("checkout failed", exc)

        held = pool.getconn()  # the one connection is taken: the first round must time out
        first = [threading.Thread(target=slow) for _ in range(3)]
        for t in first:
            t.start()
        for t in first:
            t.join()
        assert seen["checkout failed"] == 3
        pool.putconn(held)
        # Then slow queries and short checkouts race: whatever each saw must be counted.
        rest = [threading.Thread(target=slow) for _ in range(6)]
        for t in rest:
            t.start()
        for t in rest:
            t.join()
    assert seen["failed"] >= 1 and seen["ok"] == 0
    print(f"figures: {dict(seen.counts)}, codes {dict(seen.codes)}")

    sleep = _rows(engine, "query")["SELECT pg_sleep($1)"]
    assert (sleep["calls"], dict(sleep["error_codes"])) == (
        seen["failed"],
        {"57014": seen["failed"]},
    )
    tiny = _rows(engine, "pool")["tiny"]
    assert tiny["calls"] == 1 + seen["failed"] + seen["checkout failed"]  # and the held one
    assert dict(tiny["error_codes"]) == {"PoolTimeout": seen["checkout failed"]}

    state = _state(engine, tmp_path)
    args = ["--state-dir", str(state)]
    (row,) = json.loads(CliRunner().invoke(cli, ["db", "pool", *args, "--format", "json"]).output)
    assert (row["text"], row["timeouts"]) == ("tiny", seen["checkout failed"])
    table = CliRunner().invoke(cli, ["db", "pool", *args]).output
    assert "TIMEOUTS" in table and "tiny" in table
    errors = json.loads(CliRunner().invoke(cli, ["db", "errors", *args, "--format", "json"]).output)
    assert {(r["code"], r["errors"]) for r in errors} >= {("57014", seen["failed"])}
    result = CliRunner().invoke(cli, ["health", *args, "--format", "json"])
    assert result.exit_code == 1
    parts = {c["component"]: c for c in json.loads(result.output)["components"]}
    assert parts["pool"]["status"] == "degraded"
    assert f"({seen['checkout failed']} timeouts)" in parts["pool"]["reasons"][0]
    database = " ".join(parts["database"]["reasons"])
    # A statement timeout is not a lost connection (found by this test: class 57 was).
    assert f"{seen['failed']} statements timed out or were cancelled (57014)" in database
    assert "lost their connection" not in database
