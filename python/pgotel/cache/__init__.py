"""Cache monitoring: hits, misses, latency, sets, evictions and size per cache, in the engine.

Any cache can report through `record()` or the `lookup()` context manager;
`track()` follows a `functools.lru_cache` function or a cachetools cache with
no change to what it does. The redis and DataLoader instrumentations report
here too. Every figure lands in the process's engine under kind "cache" (see
`pgotel.cache._keys` and docs/cache.md for the shape of the rows), so the
CLI, health and the snapshot files see it like any other figure.

None of the recording functions raises into the app: a failure inside is
counted (`pgotel health` shows it) and the call returns. `track()` raises
TypeError, at set-up, for something it cannot follow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pgotel import runtime
from pgotel._native import Engine
from pgotel.cache._counts import add, note_size
from pgotel.cache._keys import DELETE, ERROR, EVICT, HIT, KIND, MISS, SET, key_name
from pgotel.cache._track import collect, track, untrack
from pgotel.faults import is_fatal, report_fault

__all__ = ["Lookup", "collect", "count", "lookup", "record", "record_size", "track", "untrack"]


def record(
    name: str,
    *,
    hit: bool,
    duration_ns: int | None = None,
    error: str | None = None,
    engine: Engine | None = None,
) -> None:
    """Record one lookup of cache `name`: a hit or a miss, timed when `duration_ns` is given.

    A timed lookup adds to the latency quantiles of the cache's hits or misses; an untimed
    one is only counted. `error` (an error type or code) marks a lookup that failed: it is
    counted under the cache's errors, neither a hit nor a miss.
    """
    try:
        target = engine or runtime.engine()
        if error is not None:
            target.record_named(KIND, key_name(name, ERROR), ERROR, duration_ns or 0, error)
            return
        outcome = HIT if hit else MISS
        if duration_ns is None:
            target.count_named(KIND, key_name(name, outcome), outcome, 1)
        else:
            target.record_named(KIND, key_name(name, outcome), outcome, duration_ns)
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(engine, "pgotel.cache.record", exc)


def count(
    name: str,
    *,
    hits: int = 0,
    misses: int = 0,
    sets: int = 0,
    deletes: int = 0,
    evictions: int = 0,
    engine: Engine | None = None,
) -> None:
    """Add counts to cache `name` in one go (counts a cache keeps itself); never latency."""
    try:
        target = engine or runtime.engine()
        for outcome, n in (
            (HIT, hits),
            (MISS, misses),
            (SET, sets),
            (DELETE, deletes),
            (EVICT, evictions),
        ):
            add(target, name, outcome, n)
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(engine, "pgotel.cache.count", exc)


def record_size(name: str, entries: int, *, engine: Engine | None = None) -> None:
    """Note that cache `name` holds `entries` entries now (the newest note is its size)."""
    try:
        note_size(engine or runtime.engine(), name, entries)
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(engine, "pgotel.cache.record_size", exc)


@dataclass
class Lookup:
    """One lookup under way: set `hit` before the `with` block ends (left unset, a miss)."""

    name: str
    hit: bool | None = None


@contextmanager
def lookup(name: str, *, engine: Engine | None = None) -> Iterator[Lookup]:
    """Time one lookup of cache `name`; the block sets `.hit` on what it yields.

        with pgotel.cache.lookup("users") as look:
            user = cache.get(user_id)
            look.hit = user is not None

    An exception leaving the block is recorded as a failed lookup (its type the error) and
    goes on to the caller unchanged.
    """
    started = time.perf_counter_ns()
    look = Lookup(name)
    error: str | None = None
    try:
        yield look
    except BaseException as exc:
        error = type(exc).__name__
        raise
    finally:
        elapsed = time.perf_counter_ns() - started
        record(name, hit=bool(look.hit), duration_ns=elapsed, error=error, engine=engine)
