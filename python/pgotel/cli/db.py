"""`pgotel db …`: what the database calls of the instrumented processes look like."""

from __future__ import annotations

from typing import Any

import click

from pgotel.cli.options import Output, Source, output_options, source_options
from pgotel.cli.render import Column, clock, count, duration, iso, render
from pgotel.health import pool_timeouts

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


def _echo(rows: list[dict[str, Any]], columns: list[Column], out: Output) -> None:
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))


@click.group()
def db() -> None:
    """Database calls: top queries, slow and recent ones, errors, pools."""


@db.command()
@source_options
@output_options
@click.option("--sort", type=click.Choice(list(SORTS)), default="total", show_default=True)
def top(source: Source, out: Output, sort: str) -> None:
    """Queries by total time (like pg_stat_statements, with quantiles)."""
    # Sorted and cut natively: of 10,000 queries only the shown ones become dicts.
    rows = source.load().report.rows("query", source.window_minutes, SORTS[sort], out.limit)
    columns = [
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
    ]
    _echo(rows, columns, out)


def _samples(source: Source, out: Output, slowest: bool) -> list[dict[str, Any]]:
    report = source.load().report
    samples = report.samples("query", slowest, source.window_start_ns, out.limit)
    for s in samples:
        s["at"] = iso(s["at_ns"])
    return samples


@db.command()
@source_options
@output_options
def slow(source: Source, out: Output) -> None:
    """The slowest calls, slowest first, with the trace id to look up."""
    columns = [
        Column("DURATION", "duration_ns", duration),
        Column("TIME", "at_ns", clock),
        Column("TRACE ID", "trace_id", lambda t: t or "-", right=False),
        Column("PID", "pid"),
        QUERY,
    ]
    _echo(_samples(source, out, slowest=True), columns, out)


@db.command()
@source_options
@output_options
def recent(source: Source, out: Output) -> None:
    """The latest calls across processes, newest first."""
    columns = [
        Column("TIME", "at_ns", clock),
        Column("DURATION", "duration_ns", duration),
        Column("ERROR", "error", lambda e: e or "-", right=False),
        Column("ROWS", "rows", lambda r: "-" if r is None or r < 0 else count(r)),
        Column("PID", "pid"),
        QUERY,
    ]
    _echo(_samples(source, out, slowest=False), columns, out)


@db.command()
@source_options
@output_options
def errors(source: Source, out: Output) -> None:
    """Failed calls by SQLSTATE (or error type) and query."""
    rows = []
    for row in source.load().report.rows("query", source.window_minutes):
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
    _echo(rows, columns, out)


@db.command()
@source_options
@output_options
def pool(source: Source, out: Output) -> None:
    """Connection pools: checkouts, timeouts, and how long checkouts waited."""
    rows = source.load().report.rows("pool", source.window_minutes)
    rows.sort(key=lambda r: r["calls"], reverse=True)
    for row in rows:
        row["timeouts"] = pool_timeouts(row)
    columns = [
        Column("POOL", "text", right=False),
        Column("CHECKOUTS", "calls", count),
        Column("TIMEOUTS", "timeouts", count),
        Column("FAILED", "errors", count),
        Column("WAIT P50", "p50_ns", duration),
        Column("P95", "p95_ns", duration),
        Column("P99", "p99_ns", duration),
        Column("MAX", "max_ns", duration),
    ]
    _echo(rows, columns, out)
