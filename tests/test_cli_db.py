"""`pgotel db …` on snapshot files written by real engines."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgotel import Engine
from pgotel.cli import cli
from pgotel.cli.options import EXIT_ONLY_STOPPED
from pgotel.exporters.local import prepare_state_dir, write_atomic

TRACE = 0x0AF7651916CD43DD8448EB211C80319C


@dataclass
class State:
    directory: Path
    pids: tuple[int, int]


def _write_as_child(directory: Path, factor: int) -> int:
    """Fork a real writer process (snapshots carry their writer's pid); return its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            engine = Engine(service="books", slow_threshold_ns=50_000_000)
            for i in range(100):
                engine.record_query(
                    f"SELECT * FROM books WHERE id = {i}", 100_000 * factor, None, 1
                )
            engine.record_query(
                "SELECT count(*) FROM reviews", 200_000_000 * factor, None, 1, TRACE, 7
            )
            engine.record_query("INSERT INTO books VALUES (1)", 1_000_000, "23505", 0)
            engine.record_named("pool", "main", "checkout", 2_000_000 * factor, None)
            engine.record_named("pool", "main", "checkout", 30_000_000, "PoolTimeout")
            write_atomic(directory / f"web-{os.getpid()}-abcd.pgotel", engine.snapshot())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.fixture
def state(tmp_path: Path) -> State:
    """Two processes' snapshots: a fast lookup, a slow report, failing inserts, a pool."""
    directory = prepare_state_dir(tmp_path / "state")
    pids = (_write_as_child(directory, 1), _write_as_child(directory, 3))
    return State(directory, pids)


def run(*args: str, code: int = EXIT_ONLY_STOPPED) -> str:
    """The fixture's writers have exited: an answer from them is a post-mortem (exit code 4)."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.stdout


def test_db_top_table(state: State) -> None:
    out = run("db", "top", "--state-dir", str(state.directory), "--wide")
    lines = out.splitlines()
    assert lines[0].split() == [
        "CALLS", "TOTAL", "MEAN", "P50", "P95", "P99", "MAX", "ERR", "ROWS", "QUERY",
    ]  # fmt: skip
    # Quantiles take the lower rank: of two calls, p95 is the first.
    assert lines[1].split() == [
        "2", "800.00ms", "400.00ms", "200.00ms", "200.00ms", "200.00ms", "600.00ms", "0", "2",
        "SELECT", "count(*)", "FROM", "reviews",
    ]  # fmt: skip
    assert lines[2].split()[:2] == ["200", "40.00ms"]
    assert lines[2].endswith("SELECT * FROM books WHERE id = $1")
    assert lines[3].split()[:8] == [
        "2",
        "2.00ms",
        "1.00ms",
        "1.00ms",
        "1.00ms",
        "1.00ms",
        "1.00ms",
        "2",
    ]


def test_db_top_sorts_and_limits_and_speaks_json_and_csv(state: State) -> None:
    rows = json.loads(
        run(
            "db",
            "top",
            "--state-dir",
            str(state.directory),
            "--format",
            "json",
            "--sort",
            "calls",
            "--limit",
            "1",
        )
    )
    (row,) = rows
    assert (row["calls"], row["text"]) == (200, "SELECT * FROM books WHERE id = $1")
    assert row["p50_ns"] == 100_000 and row["p99_ns"] == pytest.approx(300_000, rel=0.01)
    table = list(
        csv.DictReader(
            io.StringIO(run("db", "top", "--state-dir", str(state.directory), "--format", "csv"))
        )
    )
    assert {r["text"] for r in table} == {
        "SELECT count(*) FROM reviews",
        "SELECT * FROM books WHERE id = $1",
        "INSERT INTO books VALUES ($1)",
    }


def test_db_slow_names_trace_and_process(state: State) -> None:
    samples = json.loads(
        run("db", "slow", "--state-dir", str(state.directory), "--format", "json", "--limit", "2")
    )
    assert [s["duration_ns"] for s in samples] == [600_000_000, 200_000_000]
    assert [s["pid"] for s in samples] == [state.pids[1], state.pids[0]]
    assert samples[0]["trace_id"] == f"{TRACE:032x}"
    table = run("db", "slow", "--state-dir", str(state.directory), "--limit", "1")
    assert f"{TRACE:032x}" in table and "600.00ms" in table


def test_db_recent_errors_and_pool(state: State) -> None:
    recent = json.loads(
        run("db", "recent", "--state-dir", str(state.directory), "--format", "json")
    )
    assert recent == sorted(recent, key=lambda s: s["at_ns"], reverse=True)
    errors = json.loads(
        run("db", "errors", "--state-dir", str(state.directory), "--format", "json")
    )
    assert [(e["code"], e["class"], e["errors"]) for e in errors] == [
        ("23505", "integrity constraint violation", 2)
    ]
    (pool,) = json.loads(run("db", "pool", "--state-dir", str(state.directory), "--format", "json"))
    assert (pool["text"], pool["calls"], pool["errors"]) == ("main", 4, 2)
    assert "TIMEOUTS" in run("db", "pool", "--state-dir", str(state.directory))


def test_filters_by_pid_and_service(state: State) -> None:
    rows = json.loads(
        run(
            "db",
            "top",
            "--state-dir",
            str(state.directory),
            "--format",
            "json",
            "--pid",
            str(state.pids[0]),
        )
    )
    assert sum(r["calls"] for r in rows) == 102
    assert (
        json.loads(
            run(
                "db",
                "top",
                "--state-dir",
                str(state.directory),
                "--format",
                "json",
                "--service",
                "other",
                code=0,  # a filter that matches nothing: an empty answer
            )
        )
        == []
    )


def test_empty_and_damaged_state_are_explained_not_fatal(tmp_path: Path, state: State) -> None:
    for missing_or_empty in (tmp_path / "none", prepare_state_dir(tmp_path / "empty")):
        empty = CliRunner().invoke(cli, ["db", "top", "--state-dir", str(missing_or_empty)])
        assert empty.exit_code == 3  # nothing to read: distinct from an answer and an error
        assert empty.stdout == ""
        assert "no snapshots in" in empty.stderr
    (state.directory / "web-1003-ffff.pgotel").write_bytes(b"PGOTEL\x00S\x01\x00")
    damaged = CliRunner().invoke(
        cli, ["db", "top", "--state-dir", str(state.directory), "--format", "json"]
    )
    assert damaged.exit_code == EXIT_ONLY_STOPPED  # the fixture's writers have exited
    assert "skipped web-1003-ffff.pgotel: truncated snapshot" in damaged.output


@pytest.mark.parametrize(
    ("ns", "shown"),
    [(None, "-"), (999, "999ns"), (999_499, "999µs"), (999_500, "1.00ms"), (999_995_000, "1.00s")],
)
def test_durations_read_well_at_unit_edges(ns: int | None, shown: str) -> None:
    from pgotel.cli.render import duration

    assert duration(ns) == shown


def test_only_stopped_writers_still_answer_with_a_note(state: State) -> None:
    """The fixture's writers have exited: the answer stands, and stderr says they stopped."""
    result = CliRunner().invoke(cli, ["db", "top", "--state-dir", str(state.directory)])
    assert result.exit_code == EXIT_ONLY_STOPPED
    assert "SELECT count(*) FROM reviews" in result.stdout
    assert "every process that wrote to" in result.stderr and "has stopped" in result.stderr
    live = Engine()
    live.record_query("SELECT 1", 1000)
    write_atomic(state.directory / f"web-{os.getpid()}-live.pgotel", live.snapshot())
    result = CliRunner().invoke(cli, ["db", "top", "--state-dir", str(state.directory)])
    assert "has stopped" not in result.stderr and result.exit_code == 0
