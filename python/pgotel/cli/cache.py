"""`pgotel cache …`: hit ratios, latency and sizes of the caches the instrumented processes use."""

from __future__ import annotations

from typing import Any

import click

from pgotel.cache.stats import cache_stats
from pgotel.cli.options import Output, Source, output_options, source_options
from pgotel.cli.render import Column, count, duration, render

SORTS = {
    "lookups": "lookups",
    "hit-ratio": "hit_ratio",
    "misses": "misses",
    "miss-p99": "miss_p99_ns",
    "errors": "errors",
}


def _ratio(value: Any) -> str:
    return "-" if value is None else f"{value:.1%}"


def _maybe(show: Any) -> Any:
    return lambda v: "-" if v is None else show(v)


@click.group()
def cache() -> None:
    """Caches: redis, in-process caches, DataLoaders and PostgreSQL's buffer cache."""


@cache.command()
@source_options
@output_options
@click.option("--sort", type=click.Choice(list(SORTS)), default="lookups", show_default=True)
@click.option(
    "--dsn", help="Also read this database's buffer cache hit ratios (pg_stat_* views), live."
)
@click.option(
    "--redis",
    "redis_url",
    help="Also read this Redis or valkey server's own hits, misses, evictions and keys, live.",
)
def stats(source: Source, out: Output, sort: str, dsn: str | None, redis_url: str | None) -> None:
    """Per cache: lookups, hit ratio, hit and miss latency, sets, evictions, size."""
    view = source.load()
    rows = cache_stats(view.report, source.window_minutes)
    key = SORTS[sort]
    if sort == "hit-ratio":
        # The lowest ratio first: that is the cache to look at. No lookups: last.
        rows.sort(key=lambda r: 2.0 if r[key] is None else r[key])
    else:
        rows.sort(key=lambda r: r[key] or 0, reverse=True)
    rows = rows[: out.limit]
    if dsn is not None:
        from pgotel.cache.postgres import probe

        known = frozenset(r["id"] for r in view.report.rows("query"))
        try:
            rows += probe(dsn, limit=out.limit, known_ids=known)
        except Exception as exc:  # psycopg.Error, or no psycopg: one line, the rest still shown
            click.echo(f"pgotel: could not read the database's cache figures: {exc}", err=True)
    if redis_url is not None:
        from pgotel.cache.redis_server import probe as probe_redis

        try:
            rows += probe_redis(redis_url)
        except Exception as exc:  # redis.RedisError, or no redis-py: one line, the rest shown
            click.echo(f"pgotel: could not read the Redis server's figures: {exc}", err=True)
    columns = [
        Column("CACHE", "cache", right=False, flexible=True),
        Column("SOURCE", "source", right=False),
        Column("LOOKUPS", "lookups", count),
        Column("HIT%", "hit_ratio", _ratio),
        Column("HIT P50", "hit_p50_ns", duration),
        Column("HIT P99", "hit_p99_ns", duration),
        Column("MISS P50", "miss_p50_ns", duration),
        Column("MISS P99", "miss_p99_ns", duration),
        Column("SETS", "sets", count),
        Column("EVICT", "evictions", count),
        Column("SIZE", "size", _maybe(count)),
        Column("ERR", "errors", count),
        Column("BATCHES", "batches", count),
        Column("PER BATCH", "keys_per_batch", _maybe(str)),
    ]
    click.echo(render(rows, columns, out.fmt, out.wide))
