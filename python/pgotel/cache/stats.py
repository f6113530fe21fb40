"""Per-cache figures from a merged report: what `pgotel cache stats` and health show.

The engine keeps one key per cache and outcome (see `pgotel.cache._keys`);
this puts them back together, one dict per cache, with plain values (counts,
nanoseconds, a ratio) so the CLI can render them as a table, JSON or CSV.
"""

from __future__ import annotations

from typing import Any

from pgotel._native import Report
from pgotel.cache._keys import (
    BATCH,
    DELETE,
    ERROR,
    EVICT,
    HIT,
    KIND,
    MISS,
    OTHER,
    SET,
    SIZE,
    split,
)

#: Samples read to find each process's newest size of each cache.
MAX_SIZE_SAMPLES = 100_000


def blank_row(name: str) -> dict[str, Any]:
    """A cache's row with nothing counted: every row has every field (CSV needs one header)."""
    return {
        "cache": name,
        "source": "app",
        "lookups": 0,
        "hits": 0,
        "misses": 0,
        "hit_ratio": None,
        "hit_p50_ns": None,
        "hit_p99_ns": None,
        "miss_p50_ns": None,
        "miss_p99_ns": None,
        "sets": 0,
        "deletes": 0,
        "evictions": 0,
        "errors": 0,
        "other": 0,
        "size": None,
        "batches": 0,
        "batch_keys": 0,
        "keys_per_batch": None,
        "batch_p50_ns": None,
        # Only PostgreSQL's statements (`--dsn`) have these.
        "fingerprint": None,
        "query": None,
    }


def cache_stats(report: Report, window_minutes: int | None = None) -> list[dict[str, Any]]:
    """One dict per cache, most lookups first, over the window (size: the newest seen)."""
    caches: dict[str, dict[str, Any]] = {}
    for row in report.rows(KIND, window_minutes):
        named = split(row["text"], row["operation"])
        if named is None:
            continue  # the overflow key, past the engine's key cap
        name, outcome = named
        c = caches.setdefault(name, blank_row(name))
        if outcome == HIT:
            c["hits"] += row["calls"]
            c["hit_p50_ns"], c["hit_p99_ns"] = row["p50_ns"], row["p99_ns"]
        elif outcome == MISS:
            c["misses"] += row["calls"]
            c["miss_p50_ns"], c["miss_p99_ns"] = row["p50_ns"], row["p99_ns"]
        elif outcome == SET:
            c["sets"] += row["calls"]
        elif outcome == DELETE:
            c["deletes"] += row["calls"]
        elif outcome == EVICT:
            c["evictions"] += row["calls"]
        elif outcome == ERROR:
            c["errors"] += row["calls"]
        elif outcome == OTHER:
            c["other"] += row["calls"]
        elif outcome == BATCH:
            c["source"] = "dataloader"
            c["batches"] += row["calls"]
            c["batch_keys"] += row["rows"]
            c["batch_p50_ns"] = row["p50_ns"]
            # Keys are counted since start: so are the batches they are shared by.
            if row["calls_all"]:
                c["keys_per_batch"] = round(row["rows"] / row["calls_all"], 1)
    for name, size in _sizes(report).items():
        caches.setdefault(name, blank_row(name))["size"] = size
    for c in caches.values():
        c["lookups"] = c["hits"] + c["misses"]
        if c["lookups"]:
            c["hit_ratio"] = round(c["hits"] / c["lookups"], 4)
    return sorted(caches.values(), key=lambda c: (-c["lookups"], c["cache"]))


def _sizes(report: Report) -> dict[str, int]:
    """Each cache's size: the newest size sample of each process, added up over processes."""
    newest: dict[tuple[str, int], tuple[int, int]] = {}
    for s in report.samples(KIND, slowest=False, limit=MAX_SIZE_SAMPLES):
        if not s["text"].endswith(":" + SIZE):
            continue
        key = (s["text"][: -len(SIZE) - 1], s["pid"])
        if key not in newest or newest[key][0] < s["at_ns"]:
            newest[key] = (s["at_ns"], max(s["rows"], 0))
    sizes: dict[str, int] = {}
    for (name, _pid), (_at, size) in newest.items():
        sizes[name] = sizes.get(name, 0) + size
    return sizes
