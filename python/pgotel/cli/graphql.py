"""`pgotel graphql …`: the GraphQL operations of the instrumented processes."""

from __future__ import annotations

import click

from pgotel.cli.options import Output, Source, output_options, source_options
from pgotel.cli.render import Column, clock, count, duration, iso, render

SORTS = {
    "total": "total_ns",
    "calls": "calls",
    "p95": "p95_ns",
    "p99": "p99_ns",
    "errors": "errors",
}


@click.group()
def graphql() -> None:
    """GraphQL operations: calls, errors and latency per operation."""


@graphql.command()
@source_options
@output_options
@click.option("--sort", type=click.Choice(list(SORTS)), default="total", show_default=True)
def ops(source: Source, out: Output, sort: str) -> None:
    """Operations by total time, with quantiles and error counts."""
    rows = source.load().report.rows("graphql", source.window_minutes)
    rows.sort(key=lambda r: r[SORTS[sort]] or 0, reverse=True)
    for row in rows:
        # An operation's "rows" are the database statements it ran (all time).
        row["queries_per_operation"] = (
            round(row["rows"] / row["calls_all"], 1) if row["calls_all"] else 0
        )
    columns = [
        Column("OPERATION", "text", right=False, flexible=True),
        Column("CALLS", "calls", count),
        Column("ERR", "errors", count),
        Column("Q/OP", "queries_per_operation"),
        Column("TOTAL", "total_ns", duration),
        Column("P50", "p50_ns", duration),
        Column("P95", "p95_ns", duration),
        Column("P99", "p99_ns", duration),
        Column("MAX", "max_ns", duration),
    ]
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))


@graphql.command()
@source_options
@output_options
def slow(source: Source, out: Output) -> None:
    """The slowest operations, slowest first, with their queries and the trace to look at."""
    samples = source.load().report.samples("graphql", True, source.window_start_ns, out.limit)
    for s in samples:
        s["at"] = iso(s["at_ns"])
        s["queries"] = s.pop("rows")
    columns = [
        Column("DURATION", "duration_ns", duration),
        Column("TIME", "at_ns", clock),
        Column("QUERIES", "queries", count),
        Column("ERROR", "error", lambda e: e or "-", right=False),
        Column("TRACE ID", "trace_id", lambda t: t or "-", right=False),
        Column("PID", "pid"),
        Column("OPERATION", "text", right=False, flexible=True),
    ]
    click.echo(render(samples, columns, out.fmt, out.wide))


@graphql.command()
@source_options
@output_options
@click.option("--sort", type=click.Choice(list(SORTS)), default="total", show_default=True)
def resolvers(source: Source, out: Output, sort: str) -> None:
    """Resolver paths (`User.posts`) by total time: calls, errors, latency quantiles."""
    rows = source.load().report.rows("resolver", source.window_minutes)
    rows.sort(key=lambda r: r[SORTS[sort]] or 0, reverse=True)
    columns = [
        Column("RESOLVER", "text", right=False, flexible=True),
        Column("CALLS", "calls", count),
        Column("ERR", "errors", count),
        Column("TOTAL", "total_ns", duration),
        Column("MEAN", "mean_ns", duration),
        Column("P95", "p95_ns", duration),
        Column("P99", "p99_ns", duration),
        Column("MAX", "max_ns", duration),
    ]
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))


@graphql.command("n-plus-one")
@source_options
@output_options
def n_plus_one(source: Source, out: Output) -> None:
    """Queries repeated within one operation (N+1), most repeats first, with a trace to look at."""
    report = source.load().report
    rows = report.rows("n_plus_one", source.window_minutes)
    traces: dict[str, str] = {}
    for sample in report.samples("n_plus_one", True, source.window_start_ns, 10_000):
        if sample["trace_id"]:
            traces.setdefault(sample["id"], sample["trace_id"])
    for row in rows:
        row["repeats_per_operation"] = (
            round(row["rows"] / row["calls_all"], 1) if row["calls_all"] else 0
        )
        row["trace_id"] = traces.get(row["id"])
        # The resolver path that ran the query is kept in the key's summary.
        row["resolver"] = row["summary"] or None
    rows.sort(key=lambda r: r["rows"], reverse=True)
    columns = [
        Column("OPERATION", "operation", right=False),
        Column("RESOLVER", "resolver", lambda r: r or "-", right=False),
        Column(
            "TIMES",
            "calls",
            count,
        ),
        Column("REPEATS", "rows", count),
        Column("PER OP", "repeats_per_operation"),
        Column("TIME", "total_ns", duration),
        Column("TRACE ID", "trace_id", lambda t: t or "-", right=False),
        Column("QUERY", "text", right=False, flexible=True),
    ]
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))
