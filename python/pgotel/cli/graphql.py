"""`pgotel graphql …`: the GraphQL operations of the instrumented processes."""

from __future__ import annotations

from typing import Any

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
    report = source.load().report
    rows = report.rows("graphql", source.window_minutes, SORTS[sort], out.limit)
    # Each execution's statement time, recorded beside the operation under the same name.
    database = {r["text"]: r for r in report.rows("graphql_db", source.window_minutes)}
    for row in rows:
        # An operation's "rows" are the database statements it ran (all time).
        row["queries_per_operation"] = (
            round(row["rows"] / row["calls_all"], 1) if row["calls_all"] else 0
        )
        db = database.get(row["text"], {})
        row["db_total_ns"] = db.get("total_ns")
        row["db_mean_ns"] = db.get("mean_ns")
        row["db_max_ns"] = db.get("max_ns")
    columns = [
        Column("OPERATION", "text", right=False, flexible=True),
        Column("CALLS", "calls", count),
        Column("ERR", "errors", count),
        Column("Q/OP", "queries_per_operation"),
        Column("DB/OP", "db_mean_ns", duration),
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
    """The slowest operations, slowest first, with their queries, slowest resolvers and the trace
    to look at."""
    report = source.load().report
    samples = report.samples("graphql", True, source.window_start_ns, out.limit)
    by_trace = _samples_by_trace(report, {s["trace_id"] for s in samples if s["trace_id"]})
    for s in samples:
        s["at"] = iso(s["at_ns"])
        s["queries"] = s.pop("rows")
        found = by_trace.get(s["trace_id"] or "", {})
        s["resolvers"] = _slowest_resolvers(found.get("resolver", []))
        queries = found.get("query", [])
        s["db_ns_sampled"] = sum(q["duration_ns"] for q in queries) if queries else None
        # Exact when the execution's own database record was kept among its samples.
        exact = [d for d in found.get("graphql_db", []) if d["span_id"] == s["span_id"]]
        s["db_ns"] = exact[0]["duration_ns"] if exact else None
    columns = [
        Column("DURATION", "duration_ns", duration),
        Column("TIME", "at_ns", clock),
        Column("QUERIES", "queries", count),
        Column("DB TIME", "db_ns", duration),
        Column("ERROR", "error", lambda e: e or "-", right=False),
        Column("TRACE ID", "trace_id", lambda t: t or "-", right=False),
        Column("PID", "pid"),
        Column("OPERATION", "text", right=False),
        Column("SLOWEST RESOLVERS", "resolvers", _resolvers_text, right=False, flexible=True),
    ]
    click.echo(render(samples, columns, out.fmt, out.wide))


#: Resolvers named per slow operation.
SLOWEST_RESOLVERS = 3


def _samples_by_trace(report: Any, traces: set[str]) -> dict[str, dict[str, list[Any]]]:
    """The kept resolver and query samples of each of `traces` (slowest and recent, once each)."""
    found: dict[str, dict[str, list[Any]]] = {}
    if not traces:
        return found
    for kind in ("resolver", "query", "graphql_db"):
        seen: set[tuple[str, int, str | None]] = set()
        for slowest in (True, False):
            for sample in report.samples(kind, slowest, 0, 1_000_000):
                trace_id = sample["trace_id"]
                mark = (sample["id"], sample["at_ns"], sample["span_id"])
                if trace_id in traces and mark not in seen:
                    seen.add(mark)
                    found.setdefault(trace_id, {}).setdefault(kind, []).append(sample)
    return found


def _slowest_resolvers(samples: list[Any]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for sample in samples:
        entry = totals.setdefault(
            sample["text"], {"path": sample["text"], "calls": 0, "total_ns": 0}
        )
        entry["calls"] += 1
        entry["total_ns"] += sample["duration_ns"]
    ranked = sorted(totals.values(), key=lambda e: e["total_ns"], reverse=True)
    return ranked[:SLOWEST_RESOLVERS]


def _resolvers_text(resolvers: list[dict[str, Any]]) -> str:
    if not resolvers:
        return "-"
    return ", ".join(
        f"{r['path']} {duration(r['total_ns'])}" + (f" x{r['calls']}" if r["calls"] > 1 else "")
        for r in resolvers
    )


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
        row["resolver"] = row["origin"] or None  # the resolver path that ran the query
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
