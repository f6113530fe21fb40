"""In-process caches followed through their own counts: lru_cache functions, cachetools caches.

Nothing is timed per lookup here (a dict lookup is cheaper than timing it).
Counts are read every `PGOTEL_SNAPSHOT_INTERVAL` seconds by a daemon thread,
at exit, and whenever `collect()` is called, and added to the engine as
untimed calls: hits, misses, sets, evictions, and the current size.

- Anything with `cache_info()` (`functools.lru_cache`, cachetools' `@cached(...,
  info=True)`): the counts come from `cache_info()`. Its evictions are derived:
  misses that did not grow the cache.
- A cachetools `Cache` (LRUCache, TTLCache, ...): the instance's class is swapped
  for a subclass of it that counts lookups, misses (`__missing__` and `get`),
  sets and evictions (`popitem`) and then does exactly what its class does.
  `isinstance`, `repr`, pickling and copying are unchanged (a copy or an
  unpickled cache is not tracked).
"""

from __future__ import annotations

import atexit
import copyreg
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pgotel import runtime
from pgotel._native import Engine
from pgotel.cache._keys import EVICT, HIT, KIND, MISS, SET, SIZE, key_name
from pgotel.faults import report_fault

C = TypeVar("C")

#: Tracked caches at most; past it `track()` leaves the cache alone and counts a fault.
MAX_TRACKED = 1024


class _Tracker(Protocol):
    name: str

    def alive(self) -> bool: ...
    def poll(self, engine: Engine) -> None: ...
    def rebase(self) -> None: ...


def _add(engine: Engine, name: str, outcome: str, n: int) -> None:
    if n > 0:
        engine.count_named(KIND, key_name(name, outcome), outcome, n)


def _size(engine: Engine, name: str, entries: int) -> None:
    engine.record_named(KIND, key_name(name, SIZE), SIZE, 0, None, max(int(entries), 0))


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
        _add(engine, self.name, HIT, hits)
        _add(engine, self.name, MISS, misses)
        # An unbounded cache never evicts; a missed key two threads computed at once is
        # counted twice by lru_cache but stored once: not an eviction either.
        if info.maxsize is not None and info.currsize >= info.maxsize:
            _add(engine, self.name, EVICT, evicted)
        _size(engine, self.name, info.currsize)


class _Counts:
    """A tracked cachetools cache's counts since it was tracked; they only grow.

    No lock: cachetools caches are not thread-safe, so an app that shares one between
    threads holds its own lock around every call, and the counting runs inside those
    calls. The reader only reads the numbers and keeps what it read last.
    """

    __slots__ = ("evictions", "lookups", "misses", "sets")

    def __init__(self) -> None:
        self.lookups = self.misses = self.sets = self.evictions = 0

    def now(self) -> tuple[int, int, int, int]:
        return (self.lookups, self.misses, self.sets, self.evictions)


# What object.__reduce_ex__ names as the constructor (undeclared in typeshed).
_NEWOBJ = getattr(copyreg, "__newobj__", None)
_RECONSTRUCTOR = getattr(copyreg, "_reconstructor", None)

#: Counts of each tracked cachetools cache, by id (caches are unhashable mappings).
_counts: dict[int, _Counts] = {}
_counting_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def _counting_class(base: Any) -> type:
    """A subclass of the cachetools class `base` that counts, then does what `base` does."""
    with _classes_lock:
        made = _counting_classes.get(base)
        if made is not None:
            return made

        # The class's own methods, called directly: cheaper than super() on every lookup.
        getitem, missing, get = base.__getitem__, base.__missing__, base.get
        setitem, popitem = base.__setitem__, base.popitem
        counts_of = _counts.get

        class Counting(base):  # type: ignore[misc]
            # Counting is inlined: these run on every lookup of the app's cache.
            def __getitem__(self, key: Any) -> Any:
                counts = counts_of(id(self))
                if counts is not None:
                    counts.lookups += 1
                return getitem(self, key)

            def __missing__(self, key: Any) -> Any:
                counts = counts_of(id(self))
                if counts is not None:
                    counts.misses += 1
                return missing(self, key)

            def get(self, key: Any, default: Any = None) -> Any:
                if key not in self:
                    # Cache.get answers a missing key without __getitem__: count it here.
                    counts = counts_of(id(self))
                    if counts is not None:
                        counts.lookups += 1
                        counts.misses += 1
                return get(self, key, default)

            def __setitem__(self, key: Any, value: Any) -> None:
                counts = counts_of(id(self))
                if counts is not None:
                    counts.sets += 1
                setitem(self, key, value)

            def popitem(self) -> Any:
                counts = counts_of(id(self))
                if counts is not None:
                    counts.evictions += 1
                return popitem(self)

            def __copy__(self) -> Any:
                copied = super().__copy__()
                if type(copied) is Counting:
                    copied.__class__ = base
                return copied

            def __reduce_ex__(self, protocol: Any) -> Any:
                # Pickled and copied as the plain class: the copy is not tracked.
                reduced = super().__reduce_ex__(protocol)
                if not isinstance(reduced, tuple):
                    return reduced
                if reduced[0] is _NEWOBJ:
                    return (_RECONSTRUCTOR, (base, object, None), *reduced[2:])
                if reduced[0] is _RECONSTRUCTOR:  # protocols 0 and 1
                    return (reduced[0], (base, *reduced[1][1:]), *reduced[2:])
                return reduced

        if not hasattr(base, "__copy__"):
            del Counting.__copy__  # copy.copy() then goes through __reduce_ex__
        Counting.__name__ = base.__name__
        Counting.__qualname__ = base.__qualname__
        Counting.__module__ = base.__module__
        _counting_classes[base] = Counting
        return Counting


class _CachetoolsTracker:
    def __init__(self, cache: Any, name: str, engine: Engine | None) -> None:
        self.name = name
        self.engine = engine
        self.ref = weakref.ref(cache)
        self.key = id(cache)
        self.base = type(cache)
        _counts[self.key] = counts = _Counts()
        self.last = counts.now()
        try:
            cache.__class__ = _counting_class(self.base)
        except TypeError as exc:  # a subclass whose layout forbids it (__slots__ without __dict__)
            _counts.pop(self.key, None)
            raise TypeError(f"cannot track this {self.base.__name__}: {exc}") from None
        weakref.finalize(cache, _counts.pop, self.key, None)

    def alive(self) -> bool:
        return self.ref() is not None

    def rebase(self) -> None:
        counts = _counts.get(self.key)
        if counts is not None:
            self.last = counts.now()

    def poll(self, engine: Engine) -> None:
        cache = self.ref()
        counts = _counts.get(self.key)
        if cache is None or counts is None:
            return
        now = counts.now()
        lookups, misses, sets, evictions = (a - b for a, b in zip(now, self.last, strict=True))
        self.last = now
        _add(engine, self.name, HIT, lookups - misses)
        _add(engine, self.name, MISS, misses)
        _add(engine, self.name, SET, sets)
        _add(engine, self.name, EVICT, evictions)
        _size(engine, self.name, cache.currsize)

    def restore(self) -> None:
        cache = self.ref()
        if cache is not None and type(cache) is _counting_classes.get(self.base):
            cache.__class__ = self.base
        _counts.pop(self.key, None)


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
    elif _is_cachetools_cache(cache):
        tracker = _CachetoolsTracker(cache, name or type(cache).__name__, engine)
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
                if isinstance(t, _CachetoolsTracker):
                    t.restore()
            else:
                kept.append(t)
        _registry.trackers = kept


def _function_name(fn: Any) -> str:
    wrapped: Callable[..., Any] = getattr(fn, "__wrapped__", fn)
    module = getattr(wrapped, "__module__", None) or ""
    qualname = getattr(wrapped, "__qualname__", None) or type(fn).__name__
    return f"{module}.{qualname}" if module else qualname


def _is_cachetools_cache(obj: Any) -> bool:
    try:
        import cachetools
    except ImportError:
        return False
    return isinstance(obj, cachetools.Cache)
