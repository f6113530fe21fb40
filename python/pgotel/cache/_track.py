"""In-process caches followed through their own counts: lru_cache functions, cachetools caches.

Nothing is timed per lookup here (a dict lookup is cheaper than timing it).
Counts are read every `PGOTEL_SNAPSHOT_INTERVAL` seconds by a daemon thread,
at exit, and whenever `collect()` is called, and added to the engine as
untimed calls: hits, misses, sets, evictions, and the current size.

- Anything with `cache_info()` (`functools.lru_cache`, cachetools' `@cached(...,
  info=True)`): the counts come from `cache_info()`. Its evictions are derived:
  misses that did not grow the cache.
- A cachetools `Cache` (LRUCache, TTLCache, ...): counted by a subclass of its
  class (`pgotel.cache._cachetools`).
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pgotel import runtime
from pgotel._native import Engine
from pgotel.cache._cachetools import CachetoolsTracker, is_cachetools_cache
from pgotel.cache._counts import add, note_size
from pgotel.cache._keys import EVICT, HIT, MISS
from pgotel.faults import report_fault

C = TypeVar("C")

#: Tracked caches at most; past it `track()` leaves the cache alone and counts a fault.
MAX_TRACKED = 1024


class _Tracker(Protocol):
    name: str

    def alive(self) -> bool: ...
    def poll(self, engine: Engine) -> None: ...
    def rebase(self) -> None: ...


class _InfoTracker:
    """A function with `cache_info()`: counts are the differences since the last poll."""

    def __init__(self, fn: Any, name: str, engine: Engine | None) -> None:
        self.name = name
        self.engine = engine
        self.ref = weakref.ref(fn)
        self.last = fn.cache_info()

    def alive(self) -> bool:
        return self.ref() is not None

    def rebase(self) -> None:
        fn = self.ref()
        if fn is not None:
            self.last = fn.cache_info()

    def poll(self, engine: Engine) -> None:
        fn = self.ref()
        if fn is None:
            return
        info = fn.cache_info()
        last, self.last = self.last, info
        if info.hits < last.hits or info.misses < last.misses:
            # cache_clear() started the counts again: all of them are new.
            hits, misses, evicted = info.hits, info.misses, 0
        else:
            hits, misses = info.hits - last.hits, info.misses - last.misses
            evicted = max(misses - max(info.currsize - last.currsize, 0), 0)
        add(engine, self.name, HIT, hits)
        add(engine, self.name, MISS, misses)
        # An unbounded cache never evicts; a missed key two threads computed at once is
        # counted twice by lru_cache but stored once: not an eviction either.
        if info.maxsize is not None and info.currsize >= info.maxsize:
            add(engine, self.name, EVICT, evicted)
        note_size(engine, self.name, info.currsize)


class _Registry:
    """The tracked caches and the thread that reads them."""

    def __init__(self) -> None:
        self.trackers: list[_Tracker] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()
        # One reading at a time: the thread's and an explicit collect() must not take the
        # same counts twice.
        self.reading = threading.Lock()
        self.hooked = False

    def add(self, tracker: _Tracker) -> None:
        with self.lock:
            self.trackers = [t for t in self.trackers if t.alive()]
            self.trackers.append(tracker)
            if not self.hooked:
                # Only a process that tracks a cache gets the exit and fork hooks.
                self.hooked = True
                atexit.register(self.collect)
                os.register_at_fork(after_in_child=self.after_fork)
            if self.thread is None:
                self.start()

    def start(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="pgotel-cache", daemon=True)
        self.thread.start()

    def run(self) -> None:
        from pgotel.config import settings

        try:
            interval = settings().snapshot_interval_s
        except Exception:
            interval = 5.0
        while not self.stop.wait(interval):
            self.collect()

    def collect(self) -> None:
        with self.lock:
            trackers = list(self.trackers)
        with self.reading:
            for tracker in trackers:
                engine = getattr(tracker, "engine", None)
                try:
                    engine = engine or runtime.engine()
                    tracker.poll(engine)
                except Exception as exc:
                    report_fault(engine, "pgotel.cache (reading a tracked cache)", exc)

    def after_fork(self) -> None:
        # The child's engine starts empty: only what the child does from now on counts.
        self.lock = threading.Lock()
        self.reading = threading.Lock()
        self.thread = None
        for tracker in self.trackers:
            try:
                tracker.rebase()
            except Exception as exc:
                report_fault(None, "pgotel.cache (after fork)", exc)
        if self.trackers:
            self.start()


_registry = _Registry()


def collect() -> None:
    """Read every tracked cache's counts into the engine now (also done every few seconds)."""
    _registry.collect()


def track(cache: C | None = None, *, name: str | None = None, engine: Engine | None = None) -> Any:
    """Follow `cache` as cache `name`; returns `cache` itself, unchanged in behaviour.

    `cache` is a function with `cache_info()` (`functools.lru_cache`, cachetools'
    `cached(..., info=True)`) or a cachetools `Cache`. Without `cache`, returns a
    decorator: `@track(name="users")` above `@functools.lru_cache`. The name defaults
    to the function's qualified name or the cache's class name.
    Raises TypeError for anything else (a mistake in the app's set-up, not at run time).
    """
    if cache is None:

        def decorator(target: C) -> C:
            track(target, name=name, engine=engine)
            return target

        return decorator
    if len(_registry.trackers) >= MAX_TRACKED:
        report_fault(engine, "pgotel.cache.track", OverflowError(f"over {MAX_TRACKED} caches"))
        return cache
    if any(getattr(t, "ref", lambda: None)() is cache for t in list(_registry.trackers)):
        return cache  # already tracked: counting it twice would double its figures
    tracker: _Tracker
    if callable(getattr(cache, "cache_info", None)):
        label = name or _function_name(cache)
        tracker = _InfoTracker(cache, label, engine)
    elif is_cachetools_cache(cache):
        tracker = CachetoolsTracker(cache, name or type(cache).__name__, engine)
    else:
        raise TypeError(
            "pgotel.cache.track() takes a function with cache_info() (functools.lru_cache) "
            f"or a cachetools Cache, not {type(cache).__name__}"
        )
    _registry.add(tracker)
    return cache


def untrack(cache: Any) -> None:
    """Stop following `cache` (a cachetools cache gets its own class back)."""
    with _registry.lock:
        kept: list[_Tracker] = []
        for t in _registry.trackers:
            target = getattr(t, "ref", lambda: None)()
            if target is cache:
                if isinstance(t, CachetoolsTracker):
                    t.restore()
            else:
                kept.append(t)
        _registry.trackers = kept


def _function_name(fn: Any) -> str:
    wrapped: Callable[..., Any] = getattr(fn, "__wrapped__", fn)
    module = getattr(wrapped, "__module__", None) or ""
    qualname = getattr(wrapped, "__qualname__", None) or type(fn).__name__
    return f"{module}.{qualname}" if module else qualname
