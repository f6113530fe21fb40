"""`pgotel db …`: what the database calls of the instrumented processes look like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pgotel.cli.options import (
    load_state,
    output_options,
    source_options,
    window_minutes,
    window_start_ns,
)
from pgotel.cli.render import Column, clock, count, duration, iso, render

#: SQLSTATE classes (the first two characters), as the PostgreSQL manual names them.
SQLSTATE_CLASSES = {
    "08": "connection exception",
    "0A": "feature not supported",
    "22": "data exception",
    "23": "integrity constraint violation",
    "25": "invalid transaction state",
    "28": "invalid authorization",
    "40": "transaction rollback",
    "42": "syntax error or access rule violation",
    "53": "insufficient resources",
    "54": "program limit exceeded",
    "55": "object not in prerequisite state",
    "57": "operator intervention",
    "58": "system error",
    "XX": "internal error",
}

SORTS = {
    "total": "total_ns",
    "calls": "calls",
    "mean": "mean_ns",
    "p95": "p95_ns",
    "p99": "p99_ns",
    "max": "max_ns",
    "errors": "errors",
}

QUERY = Column("QUERY", "text", right=False, flexible=True)


def _echo(rows: list[dict[str, Any]], columns: list[Column], fmt: str, wide: bool) -> None:
    click.echo(render(rows, columns, fmt, wide))


@click.group()
def db() -> None:
    """Database calls: top queries, slow and recent ones, errors, pools."""


@db.command()
@source_options
@output_options
@click.option("--sort", type=click.Choice(list(SORTS)), default="total", show_default=True)
def top(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    fmt: str,
    limit: int,
    wide: bool,
    sort: str,
) -> None:
    """Queries by total time (like pg_stat_statements, with quantiles)."""
    report = load_state(state_dir, service, pid).report
    rows = report.rows("query", window_minutes(window))
    rows.sort(key=lambda r: r[SORTS[sort]] or 0, reverse=True)
    _echo(
        rows[:limit],
        [
            Column("CALLS", "calls", count),
            Column("TOTAL", "total_ns", duration),
            Column("MEAN", "mean_ns", duration),
            Column("P50", "p50_ns", duration),
            Column("P95", "p95_ns", duration),
            Column("P99", "p99_ns", duration),
            Column("MAX", "max_ns", duration),
            Column("ERR", "errors", count),
            Column("ROWS", "rows", count),
            QUERY,
        ],
        fmt,
        wide,
    )


def _samples(
    state_dir: Path, service: str | None, pid: int | None, window: str, slowest: bool, limit: int
) -> list[dict[str, Any]]:
    report = load_state(state_dir, service, pid).report
    samples = report.samples("query", slowest, window_start_ns(window), limit)
    for s in samples:
        s["at"] = iso(s["at_ns"])
    return samples


@db.command()
@source_options
@output_options
def slow(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    fmt: str,
    limit: int,
    wide: bool,
) -> None:
    """The slowest calls, slowest first, with the trace id to look up."""
    samples = _samples(state_dir, service, pid, window, True, limit)
    columns = [
        Column("DURATION", "duration_ns", duration),
        Column("TIME", "at_ns", clock),
        Column("TRACE ID", "trace_id", lambda t: t or "-", right=False),
        Column("PID", "pid"),
        QUERY,
    ]
    _echo(samples, columns, fmt, wide)


@db.command()
@source_options
@output_options
def recent(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    fmt: str,
    limit: int,
    wide: bool,
) -> None:
    """The latest calls across processes, newest first."""
    samples = _samples(state_dir, service, pid, window, False, limit)
    columns = [
        Column("TIME", "at_ns", clock),
        Column("DURATION", "duration_ns", duration),
        Column("ERROR", "error", lambda e: e or "-", right=False),
        Column("ROWS", "rows", lambda r: "-" if r is None or r < 0 else count(r)),
        Column("PID", "pid"),
        QUERY,
    ]
    _echo(samples, columns, fmt, wide)


@db.command()
@source_options
@output_options
def errors(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    fmt: str,
    limit: int,
    wide: bool,
) -> None:
    """Failed calls by SQLSTATE (or error type) and query."""
    report = load_state(state_dir, service, pid).report
    rows = []
    for row in report.rows("query", window_minutes(window)):
        for code, n in row["error_codes"]:
            rows.append(
                {
                    "code": code,
                    "class": SQLSTATE_CLASSES.get(code[:2], "-") if len(code) == 5 else "-",
                    "errors": n,
                    "calls": row["calls"],
                    "id": row["id"],
                    "text": row["text"],
                }
            )
    rows.sort(key=lambda r: r["errors"], reverse=True)
    columns = [
        Column("CODE", "code", right=False),
        Column("CLASS", "class", right=False),
        Column("ERRORS", "errors", count),
        Column("CALLS", "calls", count),
        QUERY,
    ]
    _echo(rows[:limit], columns, fmt, wide)


@db.command()
@source_options
@output_options
def pool(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    fmt: str,
    limit: int,
    wide: bool,
) -> None:
    """Connection pools: checkouts, timeouts, and how long checkouts waited."""
    report = load_state(state_dir, service, pid).report
    rows = report.rows("pool", window_minutes(window))
    rows.sort(key=lambda r: r["calls"], reverse=True)
    columns = [
        Column("POOL", "text", right=False),
        Column("CHECKOUTS", "calls", count),
        Column("TIMEOUTS", "errors", count),
        Column("WAIT P50", "p50_ns", duration),
        Column("P95", "p95_ns", duration),
        Column("P99", "p99_ns", duration),
        Column("MAX", "max_ns", duration),
    ]
    _echo(rows[:limit], columns, fmt, wide)
