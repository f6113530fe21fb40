"""The example service: a GraphQL API over PostgreSQL, with no pgotel import.

strawberry on ASGI (run by uvicorn), an async psycopg pool, authors, books
and reviews. Its resolvers are an honest mix: fast lookups, a search on an
unindexed column, an N+1 (`books { author }`) beside its DataLoader fix
(`booksWithAuthors`), a mutation that can break a unique constraint, and a
field cached in Redis (`booksOfYear`, when PGOTEL_DEMO_REDIS_URL is set).

    PGOTEL_DEMO_DSN=... opentelemetry-instrument uvicorn examples.books_service:app
"""

from __future__ import annotations

import os
from typing import Any

import psycopg
import redis.asyncio
import strawberry
from psycopg_pool import AsyncConnectionPool
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader

POOL = AsyncConnectionPool(
    os.environ.get("PGOTEL_DEMO_DSN", ""), min_size=2, max_size=8, name="books", open=False
)


#: Counts per year are a scan of every book: cached for a minute.
CACHE = (
    redis.asyncio.from_url(os.environ["PGOTEL_DEMO_REDIS_URL"])
    if os.environ.get("PGOTEL_DEMO_REDIS_URL")
    else None
)
CACHE_TTL_S = 60


async def _author_names(ids: list[int]) -> list[str]:
    async with POOL.connection() as conn:
        cur = await conn.execute("SELECT id, name FROM authors WHERE id = ANY(%s)", (ids,))
        names = {i: n for i, n in await cur.fetchall()}
    return [names.get(i, "?") for i in ids]


@strawberry.type
class Book:
    id: int
    title: str
    author_id: strawberry.Private[int]

    @strawberry.field
    async def author(self) -> str:
        # One query per book: the N+1 that booksWithAuthors fixes with a DataLoader.
        async with POOL.connection() as conn:
            cur = await conn.execute("SELECT name FROM authors WHERE id = %s", (self.author_id,))
            row = await cur.fetchone()
        return row[0] if row else "?"

    @strawberry.field
    async def author_batched(self, info: strawberry.Info) -> str:
        loader: DataLoader[int, str] = info.context["authors"]
        return await loader.load(self.author_id)


async def _books(sql: str, params: tuple[Any, ...]) -> list[Book]:
    async with POOL.connection() as conn:
        cur = await conn.execute(sql, params)
        return [Book(id=i, title=t, author_id=a) for i, t, a in await cur.fetchall()]


@strawberry.type
class Query:
    @strawberry.field
    async def book(self, id: int) -> Book | None:
        found = await _books("SELECT id, title, author_id FROM books WHERE id = %s", (id,))
        return found[0] if found else None

    @strawberry.field
    async def books(self, offset: int = 0, limit: int = 10) -> list[Book]:
        return await _books(
            "SELECT id, title, author_id FROM books ORDER BY id LIMIT %s OFFSET %s",
            (limit, offset),
        )

    @strawberry.field
    async def search(self, text: str) -> int:
        # No index on title: a sequential scan of every book.
        async with POOL.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM books WHERE title LIKE %s", (f"%{text}%",)
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @strawberry.field
    async def books_of_year(self, year: int) -> int:
        key = f"books:year:{year}"
        if CACHE is not None and (cached := await CACHE.get(key)) is not None:
            return int(cached)
        async with POOL.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM books WHERE year = %s", (year,))
            row = await cur.fetchone()
        count = int(row[0]) if row else 0
        if CACHE is not None:
            await CACHE.set(key, count, ex=CACHE_TTL_S)
        return count


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def add_review(self, book_id: int, reader: str, stars: int) -> bool:
        async with POOL.connection() as conn:
            try:
                await conn.execute(
                    "INSERT INTO reviews (book_id, reader, stars) VALUES (%s, %s, %s)",
                    (book_id, reader, stars),
                )
            except psycopg.errors.UniqueViolation:
                return False
        return True


class BooksApp(GraphQL):  # type: ignore[type-arg]
    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"authors": DataLoader(load_fn=_author_names)}


graphql_app = BooksApp(strawberry.Schema(query=Query, mutation=Mutation))


def with_pool(graphql: Any) -> Any:
    """An ASGI app serving `graphql`, whose pool opens and closes with the server's lifespan."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await POOL.open()
                await send({"type": "lifespan.startup.complete"})
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await POOL.close()
                await send({"type": "lifespan.shutdown.complete"})
            return
        await graphql(scope, receive, send)

    return app


app = with_pool(graphql_app)
