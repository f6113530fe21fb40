"""pgotel.cache: the recording API, and lru_cache and cachetools caches followed by track()."""

from __future__ import annotations

import asyncio
import copy
import functools
import pickle
import threading
from typing import Any

import cachetools
import pytest

import pgotel.cache
from pgotel import Engine, merge_snapshots


def calls(engine: Engine) -> dict[str, int]:
    return {r["text"]: r["calls"] for r in merge_snapshots([engine.snapshot()]).rows("cache")}


def row(engine: Engine, text: str) -> dict[str, Any]:
    rows = merge_snapshots([engine.snapshot()]).rows("cache")
    return next(r for r in rows if r["text"] == text)


def test_record_keeps_hits_and_misses_apart_with_their_latency() -> None:
    engine = Engine()
    for _ in range(3):
        pgotel.cache.record("users", hit=True, duration_ns=1_000, engine=engine)
    pgotel.cache.record("users", hit=False, duration_ns=50_000, engine=engine)
    pgotel.cache.record("users", hit=False, engine=engine)  # untimed: counted only
    pgotel.cache.record("users", hit=False, error="TimeoutError", engine=engine)
    assert calls(engine) == {"users:hit": 3, "users:miss": 2, "users:error": 1}
    hit, miss = row(engine, "users:hit"), row(engine, "users:miss")
    assert (hit["operation"], hit["max_ns"]) == ("hit", 1_000)
    assert (miss["operation"], miss["min_ns"], miss["max_ns"]) == ("miss", 50_000, 50_000)
    assert row(engine, "users:error")["error_codes"] == [("TimeoutError", 1)]


def test_lookup_times_the_block_and_passes_exceptions_on() -> None:
    engine = Engine()
    store = {"a": 1}
    for key in ("a", "b", "a"):
        with pgotel.cache.lookup("store", engine=engine) as look:
            look.hit = store.get(key) is not None
    with pytest.raises(ZeroDivisionError), pgotel.cache.lookup("store", engine=engine):
        _ = 1 / 0
    assert calls(engine) == {"store:hit": 2, "store:miss": 1, "store:error": 1}
    assert row(engine, "store:hit")["p50_ns"] is not None


def test_count_and_size() -> None:
    engine = Engine()
    pgotel.cache.count("c", hits=5, misses=2, sets=2, evictions=1, engine=engine)
    pgotel.cache.record_size("c", 10, engine=engine)
    pgotel.cache.record_size("c", 7, engine=engine)
    assert calls(engine) == {"c:hit": 5, "c:miss": 2, "c:set": 2, "c:evict": 1, "c:size": 2}
    recent = merge_snapshots([engine.snapshot()]).samples("cache", slowest=False)
    assert next(s["rows"] for s in recent if s["text"] == "c:size") == 7


def test_a_broken_engine_never_reaches_the_app() -> None:
    class Broken:
        def count_named(self, *args: Any) -> int:
            raise RuntimeError("boom")

        record_named = count_named

        def count_internal_error(self) -> None:
            pass

    pgotel.cache.record("x", hit=True, engine=Broken())  # type: ignore[arg-type]
    pgotel.cache.count("x", hits=1, engine=Broken())  # type: ignore[arg-type]


def test_lru_cache_counts_come_from_cache_info() -> None:
    engine = Engine()

    @functools.lru_cache(maxsize=3)
    def square(x: int) -> int:
        return x * x

    assert pgotel.cache.track(square, name="squares", engine=engine) is square
    for x in (1, 2, 1, 3, 4, 5, 1):
        square(x)
    pgotel.cache.collect()
    info = square.cache_info()
    got = calls(engine)
    assert (got["squares:hit"], got["squares:miss"]) == (info.hits, info.misses) == (1, 6)
    assert got["squares:evict"] == 3  # six keys went in, three stay
    # Only the new counts go in on the next read; cache_clear() starts them over.
    square(1)
    square.cache_clear()
    square(9)
    pgotel.cache.collect()
    got = calls(engine)
    assert (got["squares:hit"], got["squares:miss"]) == (1, 7)
    assert row(engine, "squares:hit")["p50_ns"] is None  # counted, never timed
    pgotel.cache.untrack(square)


def test_track_as_a_decorator_with_the_default_name() -> None:
    engine = Engine()

    @pgotel.cache.track(engine=engine)
    @functools.lru_cache
    def double(x: int) -> int:
        return 2 * x

    double(1)
    double(1)
    pgotel.cache.collect()
    name = f"{__name__}.test_track_as_a_decorator_with_the_default_name.<locals>.double"
    assert calls(engine)[f"{name}:hit"] == 1
    pgotel.cache.untrack(double)


def test_lru_cache_exact_under_8_threads_and_100_tasks() -> None:
    engine = Engine()

    @functools.cache
    def ident(x: int) -> int:
        return x

    pgotel.cache.track(ident, name="ident", engine=engine)
    ident(0)

    def work() -> None:
        for _ in range(1000):
            ident(0)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def task(n: int) -> None:
        ident(0)
        await asyncio.sleep(0)
        ident(1000 + n)

    async def main() -> None:
        await asyncio.gather(*(task(n) for n in range(100)))

    asyncio.run(main())
    pgotel.cache.collect()
    got = calls(engine)
    assert (got["ident:hit"], got["ident:miss"]) == (8000 + 100, 1 + 100)
    pgotel.cache.untrack(ident)


def _cachetools_script(cache: cachetools.Cache) -> list[Any]:
    out: list[Any] = []
    for key in ("a", "b", "c", "a", "d"):
        cache[key] = key.upper()
        out.append(sorted(cache.items()))
    for key in ("a", "d", "zz"):
        out.append(cache.get(key, "default"))
        try:
            out.append(cache[key])
        except KeyError as exc:
            out.append(("KeyError", str(exc)))
    out.append(cache.pop("d"))
    out.append((repr(cache), cache.currsize, cache.maxsize, len(cache)))
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda: cachetools.LRUCache(maxsize=2),
        lambda: cachetools.LFUCache(maxsize=2),
        lambda: cachetools.TTLCache(maxsize=2, ttl=600),
        lambda: cachetools.Cache(maxsize=2),
    ],
)
def test_cachetools_behaviour_is_unchanged(make: Any) -> None:
    plain = _cachetools_script(make())
    tracked = make()
    base = type(tracked)
    pgotel.cache.track(tracked, name="tracked", engine=Engine())
    assert type(tracked) is not base and isinstance(tracked, base)
    assert type(tracked).__name__ == base.__name__
    assert _cachetools_script(tracked) == plain
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(tracked, protocol))
        assert type(again) is base and sorted(again.items()) == sorted(tracked.items())
    assert type(copy.copy(tracked)) is base
    pgotel.cache.untrack(tracked)
    assert type(tracked) is base


def test_cachetools_counts() -> None:
    engine = Engine()
    cache: cachetools.LRUCache[str, int] = cachetools.LRUCache(maxsize=2)
    pgotel.cache.track(cache, name="lru", engine=engine)
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3  # evicts "a"
    assert cache.get("a") is None
    assert cache.get("b") == 2
    assert cache["c"] == 3
    with pytest.raises(KeyError):
        cache["zz"]
    pgotel.cache.collect()
    assert calls(engine) == {
        "lru:set": 3,
        "lru:evict": 1,
        "lru:hit": 2,
        "lru:miss": 2,
        "lru:size": 1,
    }
    recent = merge_snapshots([engine.snapshot()]).samples("cache", slowest=False)
    assert next(s["rows"] for s in recent if s["text"] == "lru:size") == 2
    pgotel.cache.untrack(cache)


def test_cachetools_exact_under_8_threads_and_100_tasks() -> None:
    engine = Engine()
    cache: cachetools.LRUCache[int, int] = cachetools.LRUCache(maxsize=1000)
    pgotel.cache.track(cache, name="shared", engine=engine)
    lock = threading.Lock()  # cachetools caches need one when threads share them

    def get(key: int) -> int:
        with lock:
            try:
                return cache[key]
            except KeyError:
                cache[key] = key
                return key

    def work() -> None:
        for i in range(200):
            assert get(i % 10) == i % 10  # ten keys shared by all threads

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def task(n: int) -> None:
        assert cache.get(n % 10) == n % 10
        await asyncio.sleep(0)
        assert cache.get(100 + n) is None

    async def main() -> None:
        await asyncio.gather(*(task(n) for n in range(100)))

    asyncio.run(main())
    pgotel.cache.collect()
    got = calls(engine)
    assert (got["shared:hit"], got["shared:miss"]) == (8 * 200 - 10 + 100, 10 + 100)
    assert got["shared:set"] == 10
    pgotel.cache.untrack(cache)


def test_cachetools_cached_function_counts_one_miss_per_computation() -> None:
    engine = Engine()
    cache: cachetools.LRUCache[Any, int] = cachetools.LRUCache(maxsize=1000)
    computed = [0]
    lock = threading.Lock()

    @cachetools.cached(cache, lock=lock)
    def ident(x: int) -> int:
        with lock:
            computed[0] += 1
        return x

    pgotel.cache.track(cache, name="cached", engine=engine)

    def work() -> None:
        for i in range(200):
            ident(i % 10)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pgotel.cache.collect()
    got = calls(engine)
    # Two threads may miss one key at once and both compute it: each is a miss.
    assert got["cached:miss"] == computed[0] >= 10
    assert got["cached:hit"] + got["cached:miss"] >= 8 * 200
    pgotel.cache.untrack(cache)


def test_track_refuses_what_it_cannot_follow() -> None:
    with pytest.raises(TypeError, match="cache_info"):
        pgotel.cache.track({"a": 1}, name="dict")


def test_lru_cache_behaviour_is_unchanged() -> None:
    def make() -> Any:
        @functools.lru_cache(maxsize=4)
        def f(x: int) -> tuple[int, int]:
            if x < 0:
                raise ValueError(x)
            return (x, x * x)

        return f

    def script(f: Any) -> list[Any]:
        out: list[Any] = []
        for x in (1, 2, 1, 3, -1, 4, 5, 6, 1, 2):
            try:
                out.append(f(x))
            except ValueError as exc:
                out.append(("ValueError", exc.args))
        out.append(f.cache_info())
        f.cache_clear()
        out.append(f.cache_info())
        return out

    plain = script(make())
    tracked = make()
    assert pgotel.cache.track(tracked, name="f", engine=Engine()) is tracked
    assert script(tracked) == plain
    pgotel.cache.untrack(tracked)


def test_a_forked_child_counts_from_the_fork() -> None:
    import os

    engine = Engine()

    @functools.lru_cache
    def ident(x: int) -> int:
        return x

    pgotel.cache.track(ident, name="forked", engine=engine)
    for _ in range(5):
        ident(1)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            engine.reset()  # as the runtime's engine is reset in a child
            ident(1)
            ident(2)
            pgotel.cache.collect()
            got = calls(engine)
            os.write(write, f"{got.get('forked:hit', 0)} {got.get('forked:miss', 0)}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "1 1"  # the parent's five hits are not the child's
    pgotel.cache.untrack(ident)


def test_tracking_twice_counts_once() -> None:
    engine = Engine()

    @functools.lru_cache
    def ident(x: int) -> int:
        return x

    pgotel.cache.track(ident, name="once", engine=engine)
    pgotel.cache.track(ident, name="once", engine=engine)
    ident(1)
    ident(1)
    pgotel.cache.collect()
    assert calls(engine)["once:hit"] == 1
    pgotel.cache.untrack(ident)


def test_cachetools_cached_with_info_is_read_from_cache_info() -> None:
    engine = Engine()

    @cachetools.cached(cachetools.LRUCache(maxsize=2), info=True)
    def ident(x: int) -> int:
        return x

    pgotel.cache.track(ident, name="info", engine=engine)
    for x in (1, 1, 2, 3, 1):
        ident(x)
    pgotel.cache.collect()
    got = calls(engine)
    assert (got["info:hit"], got["info:miss"], got["info:evict"]) == (1, 4, 2)
    pgotel.cache.untrack(ident)


def test_a_lookup_that_fills_the_cache_times_the_miss() -> None:
    engine = Engine()
    store: dict[int, int] = {}
    for key in (1, 1, 1):
        with pgotel.cache.lookup("priced", engine=engine) as look:
            value = store.get(key)
            look.hit = value is not None
            if value is None:
                store[key] = key  # the load, timed as part of the miss
    hit, miss = row(engine, "priced:hit"), row(engine, "priced:miss")
    assert (hit["calls"], miss["calls"]) == (2, 1)
    assert hit["p50_ns"] is not None and miss["p50_ns"] is not None
