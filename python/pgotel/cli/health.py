"""`pgotel health` and `pgotel config`: is it healthy, and what is it set to."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from pgotel.cli.options import state_dir_option
from pgotel.config import Settings
from pgotel.health import Status, Thresholds, check

MARKS = {Status.HEALTHY: "ok", Status.DEGRADED: "DEGRADED", Status.UNHEALTHY: "UNHEALTHY"}


@click.command()
@state_dir_option
@click.option("--dsn", help="Also probe this database live (SELECT 1, with a timeout).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--stale-after", type=float, default=15.0, show_default=True, help="Seconds.")
@click.option("--error-ratio", type=float, default=0.05, show_default=True)
@click.option("--probe-ms", type=float, default=500.0, show_default=True)
@click.option(
    "--cache-hit-ratio",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="A cache with a lower hit ratio over the last 5 minutes is degraded.",
)
@click.option(
    "--cache-min-lookups",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="...once it had this many lookups in those minutes.",
)
def health(
    state_dir: Path,
    dsn: str | None,
    fmt: str,
    stale_after: float,
    error_ratio: float,
    probe_ms: float,
    cache_hit_ratio: float,
    cache_min_lookups: int,
) -> None:
    """One line per component and an overall status; exit 0 healthy, 1 degraded, 2 unhealthy."""
    limits = Thresholds(stale_after, error_ratio, probe_ms, cache_hit_ratio, cache_min_lookups)
    result = check(state_dir, dsn=dsn, thresholds=limits)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        for c in result.components:
            detail = "; ".join(c.reasons) or "-"
            click.echo(f"{c.name:<9} {MARKS[c.status]:<9} {detail}")
        click.echo(f"overall   {MARKS[result.status]}")
    sys.exit(int(result.status))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def config(fmt: str) -> None:
    """The effective settings of this environment, and where each came from."""
    settings = Settings.from_env()
    rows = []
    for name, field, value in settings.described():
        source = "environment" if os.environ.get(name, "").strip() else "default"
        rows.append({"variable": name, "setting": field, "value": str(value), "from": source})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["variable"]) for r in rows)
    for r in rows:
        click.echo(f"{r['variable']:<{width}}  {r['value']:<24}  ({r['from']})")
