"""`pgotel graphql …`: the GraphQL operations of the instrumented processes."""

from __future__ import annotations

import click

from pgotel.cli.options import Output, Source, output_options, source_options
from pgotel.cli.render import Column, count, duration, render

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
    columns = [
        Column("OPERATION", "text", right=False, flexible=True),
        Column("CALLS", "calls", count),
        Column("ERR", "errors", count),
        Column("TOTAL", "total_ns", duration),
        Column("P50", "p50_ns", duration),
        Column("P95", "p95_ns", duration),
        Column("P99", "p99_ns", duration),
        Column("MAX", "max_ns", duration),
    ]
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))
