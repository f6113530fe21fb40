"""DataLoader instrumentation: a strawberry DataLoader in a real schema, and aiodataloader."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiodataloader
import pytest
import strawberry
from strawberry.dataloader import DataLoader

from pgotel import Engine, merge_snapshots
from pgotel.instrumentation.dataloader import (
    AioDataLoaderInstrumentor,
    StrawberryDataLoaderInstrumentor,
)

AUTHORS = {1: "Ann", 2: "Bob", 3: "Cy"}
BOOKS = [(10 + i, f"Book {i}", 1 + i % 3) for i in range(12)]


def rows(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows("cache")}


async def load_authors(keys: list[int]) -> list[str]:
    return [AUTHORS[k] for k in keys]


async def load_authors_one_by_one(keys: list[int]) -> list[str]:
    return [AUTHORS[k] for k in keys]


@strawberry.type
class Book:
    id: int
    title: str
    author_id: strawberry.Private[int]

    @strawberry.field
    async def author(self, info: strawberry.Info) -> str:
        loader: DataLoader[int, str] = info.context["authors"]
        return await loader.load(self.author_id)


@strawberry.type
class Query:
    @strawberry.field
    def books(self) -> list[Book]:
        return [Book(id=i, title=t, author_id=a) for i, t, a in BOOKS]


SCHEMA = strawberry.Schema(query=Query)
QUERY = "query Books { books { id title author } }"


def _run_query(loader: DataLoader[int, str]) -> Any:
    result = asyncio.run(SCHEMA.execute(QUERY, context_value={"authors": loader}))
    assert result.errors is None
    return result.data


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine()
    StrawberryDataLoaderInstrumentor().instrument(engine=engine)
    AioDataLoaderInstrumentor().instrument(engine=engine)
    yield engine
    StrawberryDataLoaderInstrumentor().uninstrument()
    AioDataLoaderInstrumentor().uninstrument()


def test_a_strawberry_loader_in_a_schema_shows_loads_hits_and_one_batch(engine: Engine) -> None:
    data = _run_query(DataLoader(load_fn=load_authors))
    assert [b["author"] for b in data["books"]] == [AUTHORS[a] for _, _, a in BOOKS]
    got = rows(engine)
    assert (got["load_authors:miss"]["calls"], got["load_authors:hit"]["calls"]) == (3, 9)
    batch = got["load_authors:batch"]
    assert (batch["calls"], batch["rows"], batch["operation"]) == (1, 3, "batch")
    assert batch["p50_ns"] is not None


def test_a_loader_that_does_not_batch_shows(engine: Engine) -> None:
    # max_batch_size=1: every key is its own batch, the N+1 a DataLoader should prevent.
    _run_query(DataLoader(load_fn=load_authors_one_by_one, max_batch_size=1, cache=False))
    got = rows(engine)
    assert got["load_authors_one_by_one:miss"]["calls"] == len(BOOKS)
    batch = got["load_authors_one_by_one:batch"]
    assert (batch["calls"], batch["rows"]) == (len(BOOKS), len(BOOKS))


def test_behaviour_is_unchanged() -> None:
    plain = _run_query(DataLoader(load_fn=load_authors))
    StrawberryDataLoaderInstrumentor().instrument(engine=Engine())
    try:
        instrumented = _run_query(DataLoader(load_fn=load_authors))
    finally:
        StrawberryDataLoaderInstrumentor().uninstrument()
    assert instrumented == plain
    assert DataLoader.load.__name__ == "load" and not hasattr(DataLoader.load, "__wrapped__")


def test_exact_counts_under_100_tasks(engine: Engine) -> None:
    async def main() -> None:
        loader: DataLoader[int, str] = DataLoader(load_fn=load_authors)
        aio = aiodataloader.DataLoader(batch_load_fn=load_authors)
        got = await asyncio.gather(*(loader.load(1 + n % 3) for n in range(100)))
        assert got == [AUTHORS[1 + n % 3] for n in range(100)]
        got = await asyncio.gather(*(aio.load(1 + n % 3) for n in range(100)))
        assert got == [AUTHORS[1 + n % 3] for n in range(100)]
        # A second round: all hits, no batch.
        await asyncio.gather(*(aio.load(1 + n % 3) for n in range(100)))

    asyncio.run(main())
    got = rows(engine)
    # Both loaders share the batch function, so its figures add up.
    assert (got["load_authors:miss"]["calls"], got["load_authors:hit"]["calls"]) == (6, 294)
    assert (got["load_authors:batch"]["calls"], got["load_authors:batch"]["rows"]) == (2, 6)


def test_an_aiodataloader_subclass_is_named_by_its_method(engine: Engine) -> None:
    class UserLoader(aiodataloader.DataLoader[int, str]):
        async def batch_load_fn(self, keys: list[int]) -> list[str]:
            return [AUTHORS[k] for k in keys]

    async def main() -> list[str]:
        loader = UserLoader()
        return await loader.load_many([1, 2, 1])

    assert asyncio.run(main()) == ["Ann", "Bob", "Ann"]
    got = rows(engine)
    name = "test_an_aiodataloader_subclass_is_named_by_its_method.<locals>.UserLoader.batch_load_fn"
    assert (got[f"{name}:miss"]["calls"], got[f"{name}:hit"]["calls"]) == (2, 1)
    assert got[f"{name}:batch"]["rows"] == 2


def test_a_failing_engine_never_reaches_the_app() -> None:
    class Broken:
        faults = 0

        def record_named(self, *args: Any) -> int:
            raise RuntimeError("engine down")

        count_named = record_named

        def count_internal_error(self) -> None:
            Broken.faults += 1

    StrawberryDataLoaderInstrumentor().instrument(engine=Broken())
    try:
        data = _run_query(DataLoader(load_fn=load_authors))
    finally:
        StrawberryDataLoaderInstrumentor().uninstrument()
    assert [b["author"] for b in data["books"]] == [AUTHORS[a] for _, _, a in BOOKS]
    assert Broken.faults == len(BOOKS) + 1  # every load and the one batch
