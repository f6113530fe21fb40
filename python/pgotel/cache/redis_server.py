"""A Redis (or valkey) server's own view of its cache, read live: hits, misses, evictions, keys.

`INFO stats` counts keyspace hits and misses and evicted keys since the
server started (or `CONFIG RESETSTAT`), for every client, not only this
service; `INFO keyspace` gives the keys per database. Rows have the shape of
`pgotel.cache.stats.cache_stats()`.
"""

from __future__ import annotations

from typing import Any

from pgotel.cache.stats import blank_row

TIMEOUT_S = 5.0
SOURCE = "redis server"


def probe(url: str) -> list[dict[str, Any]]:
    """One row for the server at `url`. Raises `redis.RedisError` when it cannot be read."""
    import redis

    with redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
    ) as client:
        stats = client.info("stats")
        keyspace = client.info("keyspace")
        kwargs = client.connection_pool.connection_kwargs
    where = kwargs.get("path") or f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    row = blank_row(f"server {where}")
    row["source"] = SOURCE
    row["hits"] = int(stats.get("keyspace_hits", 0))
    row["misses"] = int(stats.get("keyspace_misses", 0))
    row["lookups"] = row["hits"] + row["misses"]
    if row["lookups"]:
        row["hit_ratio"] = round(row["hits"] / row["lookups"], 4)
    row["evictions"] = int(stats.get("evicted_keys", 0))
    row["size"] = sum(int(db.get("keys", 0)) for db in keyspace.values() if isinstance(db, dict))
    return [row]
