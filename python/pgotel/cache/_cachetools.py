"""cachetools caches, tracked by swapping the instance's class for a subclass that counts.

The subclass counts lookups, misses (`__missing__`, and `get` of an absent key),
sets and evictions (`popitem`), then calls its class's own method, so the cache
does exactly what it did. `isinstance`, `repr`, copying and pickling are
unchanged (a copy or an unpickled cache is plain and not tracked).
"""

from __future__ import annotations

import copyreg
import threading
import weakref
from typing import Any

from pgotel._native import Engine
from pgotel.cache._counts import add, note_size
from pgotel.cache._keys import EVICT, HIT, MISS, SET


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


class CachetoolsTracker:
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
        add(engine, self.name, HIT, lookups - misses)
        add(engine, self.name, MISS, misses)
        add(engine, self.name, SET, sets)
        add(engine, self.name, EVICT, evictions)
        note_size(engine, self.name, cache.currsize)

    def restore(self) -> None:
        cache = self.ref()
        if cache is not None and type(cache) is _counting_classes.get(self.base):
            cache.__class__ = self.base
        _counts.pop(self.key, None)


def is_cachetools_cache(obj: Any) -> bool:
    """Is `obj` a cachetools cache (False when cachetools is not installed)?"""
    try:
        import cachetools
    except ImportError:
        return False
    return isinstance(obj, cachetools.Cache)
