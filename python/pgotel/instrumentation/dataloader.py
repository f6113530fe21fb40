"""GraphQL DataLoader instrumentation: loads, cache hits, batches and batch sizes per loader.

strawberry's `DataLoader` and aiodataloader's are wrapped at the class: each
`load()` counts a hit (a future for that key was already cached) or a miss,
untimed; each call of the batch function is one timed `batch` record of kind
"cache" whose `rows` are the keys it got. A loader is named by its batch
function's qualified name. A loader whose batches hold one key each does not
batch: `pgotel cache stats` shows it as PER BATCH 1.0.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)

from pgotel import runtime
from pgotel._native import Engine
from pgotel.cache._keys import BATCH, HIT, KIND, MISS, key_name
from pgotel.faults import is_fatal, report_fault


def loader_name(fn: Any, loader: Any) -> str:
    """A loader's cache name: its batch function's qualified name (a partial's function's)."""
    target = getattr(fn, "func", fn)  # functools.partial
    name = getattr(target, "__qualname__", None)
    return name if isinstance(name, str) else type(loader).__qualname__


class _Hooks:
    """Counting around loads and batches. Never raises into the app."""

    def __init__(self, engine: Engine, batch_fn: Callable[[Any], Any]) -> None:
        self.engine = engine
        self.batch_fn = batch_fn

    def loaded(self, loader: Any, hit: bool) -> None:
        try:
            name = loader_name(self.batch_fn(loader), loader)
            outcome = HIT if hit else MISS
            self.engine.count_named(KIND, key_name(name, outcome), outcome, 1)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "dataloader hook (load)", exc)

    def batched(self, loader: Any, size: int, duration_ns: int, error: str | None) -> None:
        try:
            name = loader_name(self.batch_fn(loader), loader)
            self.engine.record_named(KIND, key_name(name, BATCH), BATCH, duration_ns, error, size)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.engine, "dataloader hook (batch)", exc)


def _was_cached(hooks: _Hooks, lookup: Callable[[], bool]) -> bool | None:
    try:
        return lookup()
    except Exception as exc:
        report_fault(hooks.engine, "dataloader hook (cache lookup)", exc)
        return None


def _wrap_load(
    original: Callable[..., Any], hooks: _Hooks, cached: Callable[[Any, Any], bool]
) -> Callable[..., Any]:
    @functools.wraps(original)
    def load(self: Any, key: Any) -> Any:
        # Asked before the load: afterwards a miss's new future is in the cache too.
        hit = _was_cached(hooks, lambda: cached(self, key))
        future = original(self, key)
        if hit is not None:
            hooks.loaded(self, hit)
        return future

    return load


def _wrap_dispatch(
    original: Callable[..., Any], hooks: _Hooks, size: Callable[[Any], int]
) -> Callable[..., Any]:
    @functools.wraps(original)
    async def dispatch(loader: Any, batch: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            result = await original(loader, batch)
        except BaseException as exc:
            hooks.batched(loader, size(batch), time.perf_counter_ns() - started, type(exc).__name__)
            raise
        hooks.batched(loader, size(batch), time.perf_counter_ns() - started, None)
        return result

    return dispatch


def _strawberry_cached(loader: Any, key: Any) -> bool:
    if not loader.cache:
        return False
    future = loader.cache_map.get(key)
    return future is not None and not future.cancelled()


def _aiodataloader_cached(loader: Any, key: Any) -> bool:
    if not loader.cache or key is None:  # a None key raises in load(): not a lookup
        return False
    return bool(loader._cache.get(loader.get_cache_key(key)))


class _LoaderInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Wraps one library's `DataLoader.load` and its module's batch dispatch function."""

    module: ClassVar[str]
    dispatch: ClassVar[str]
    _originals: ClassVar[list[tuple[Any, str, Any]]]

    def _parts(
        self,
    ) -> tuple[Callable[[Any], Any], Callable[[Any, Any], bool], Callable[[Any], int]]:
        raise NotImplementedError

    def _instrument(self, **kwargs: Any) -> None:
        import importlib

        module = importlib.import_module(self.module)
        batch_fn, cached, size = self._parts()
        hooks = _Hooks(kwargs.get("engine") or runtime.engine(), batch_fn)
        loader = module.DataLoader
        originals = [
            (loader, "load", vars(loader)["load"]),
            (module, self.dispatch, getattr(module, self.dispatch)),
        ]
        loader.load = _wrap_load(originals[0][2], hooks, cached)
        setattr(module, self.dispatch, _wrap_dispatch(originals[1][2], hooks, size))
        type(self)._originals = originals

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name, original in type(self)._originals:
            setattr(owner, name, original)
        type(self)._originals = []


class StrawberryDataLoaderInstrumentor(_LoaderInstrumentor):
    """Instrument `strawberry.dataloader.DataLoader`: `.instrument(engine=...)`, optional."""

    module = "strawberry.dataloader"
    dispatch = "dispatch_batch"
    _originals: ClassVar[list[tuple[Any, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("strawberry-graphql >= 0.230",)

    def _parts(
        self,
    ) -> tuple[Callable[[Any], Any], Callable[[Any, Any], bool], Callable[[Any], int]]:
        return (lambda loader: loader.load_fn), _strawberry_cached, lambda b: len(b.tasks)


class AioDataLoaderInstrumentor(_LoaderInstrumentor):
    """Instrument `aiodataloader.DataLoader` (graphene's usual loader) the same way."""

    module = "aiodataloader"
    dispatch = "dispatch_queue_batch"
    _originals: ClassVar[list[tuple[Any, str, Any]]] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("aiodataloader >= 0.4",)

    def _parts(
        self,
    ) -> tuple[Callable[[Any], Any], Callable[[Any, Any], bool], Callable[[Any], int]]:
        return (lambda loader: loader.batch_load_fn), _aiodataloader_cached, len
