"""One library schema in strawberry, ariadne and graphene, sync and async, on the real database.

Authors and their books live in two tables made by `create_tables`. Resolvers
query them through `Db` (a connection, sync) or `AsyncDb` (a pool, async), both
passed in the context as `db`. `Author.books` runs one query per author (the
N+1); `Author.booksBatched` (strawberry async) loads them through a DataLoader
(one query per operation). `boom` raises; `touchAuthor` is a mutation that
changes nothing; `countdown` is a subscription.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

SDL = """
type Query {
  authors(limit: Int!): [Author!]!
  author(id: Int!): Author
  boom: Int
}
type Author {
  id: Int!
  name: String!
  books: [Book!]!
}
type Book {
  id: Int!
  title: String!
}
type Mutation {
  touchAuthor(id: Int!): Author
}
type Subscription {
  countdown(start: Int!): Int!
}
"""

AUTHORS = "SELECT id, name FROM gql_author ORDER BY id LIMIT %s"
AUTHOR = "SELECT id, name FROM gql_author WHERE id = %s"
BOOKS = "SELECT id, title FROM gql_book WHERE author_id = %s ORDER BY id"
BOOKS_OF_MANY = "SELECT author_id, id, title FROM gql_book WHERE author_id = ANY(%s) ORDER BY id"
TOUCH = "UPDATE gql_author SET name = name WHERE id = %s RETURNING id, name"


def create_tables(dsn: str) -> None:
    """Ten authors with three books each (made once; every test only reads or no-op updates)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(7007)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS gql_author (id int PRIMARY KEY, name text NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS gql_book"
            " (id int PRIMARY KEY, author_id int NOT NULL, title text NOT NULL)"
        )
        conn.execute(
            "INSERT INTO gql_author SELECT g, 'author ' || g FROM generate_series(1, 10) g"
            " ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO gql_book SELECT g, (g - 1) / 3 + 1, 'book ' || g"
            " FROM generate_series(1, 30) g ON CONFLICT DO NOTHING"
        )
        conn.execute("SELECT pg_advisory_unlock(7007)")


def _author(row: Any) -> dict[str, Any] | None:
    return {"id": row[0], "name": row[1]} if row else None


class Db:
    """Sync data access on one connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def authors(self, limit: int) -> list[dict[str, Any]]:
        return [_author(r) for r in self.conn.execute(AUTHORS, (limit,)).fetchall()]  # type: ignore[misc]

    def author(self, id: int) -> dict[str, Any] | None:
        return _author(self.conn.execute(AUTHOR, (id,)).fetchone())

    def books(self, author_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(BOOKS, (author_id,)).fetchall()
        return [{"id": r[0], "title": r[1]} for r in rows]

    def touch(self, id: int) -> dict[str, Any] | None:
        return _author(self.conn.execute(TOUCH, (id,)).fetchone())


class AsyncDb:
    """Async data access through a pool (many operations at once)."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def _all(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()

    async def authors(self, limit: int) -> list[dict[str, Any]]:
        return [_author(r) for r in await self._all(AUTHORS, (limit,))]  # type: ignore[misc]

    async def author(self, id: int) -> dict[str, Any] | None:
        rows = await self._all(AUTHOR, (id,))
        return _author(rows[0]) if rows else None

    async def books(self, author_id: int) -> list[dict[str, Any]]:
        return [{"id": r[0], "title": r[1]} for r in await self._all(BOOKS, (author_id,))]

    async def books_of_many(self, author_ids: list[int]) -> list[list[dict[str, Any]]]:
        rows = await self._all(BOOKS_OF_MANY, (author_ids,))
        by_author: dict[int, list[dict[str, Any]]] = {i: [] for i in author_ids}
        for author_id, id, title in rows:
            by_author[author_id].append({"id": id, "title": title})
        return [by_author[i] for i in author_ids]

    async def touch(self, id: int) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(TOUCH, (id,))
            return _author(await cur.fetchone())


def boom() -> int:
    raise ValueError("boom: the resolver failed")


async def countdown(start: int) -> AsyncIterator[int]:
    for i in range(start, 0, -1):
        await asyncio.sleep(0)
        yield i


# ---------------------------------------------------------------- strawberry


def strawberry_schemas() -> tuple[Any, Any]:
    """(sync schema, async schema)."""
    import strawberry
    from strawberry.dataloader import DataLoader

    @strawberry.type(name="Book")
    class Book:
        id: int
        title: str

    @strawberry.type(name="Author")
    class SyncAuthor:
        id: int
        name: str

        @strawberry.field
        def books(self, info: strawberry.Info) -> list[Book]:
            return [Book(**b) for b in info.context["db"].books(self.id)]

    def sync_author(d: dict[str, Any] | None) -> SyncAuthor | None:
        return SyncAuthor(**d) if d else None

    @strawberry.type(name="Query")
    class SyncQuery:
        @strawberry.field
        def authors(self, info: strawberry.Info, limit: int) -> list[SyncAuthor]:
            return [SyncAuthor(**a) for a in info.context["db"].authors(limit)]

        @strawberry.field
        def author(self, info: strawberry.Info, id: int) -> SyncAuthor | None:
            return sync_author(info.context["db"].author(id))

        @strawberry.field(name="boom")
        def boom_(self) -> int | None:
            return boom()

    @strawberry.type(name="Mutation")
    class SyncMutation:
        @strawberry.mutation
        def touch_author(self, info: strawberry.Info, id: int) -> SyncAuthor | None:
            return sync_author(info.context["db"].touch(id))

    @strawberry.type(name="Author")
    class AsyncAuthor:
        id: int
        name: str

        @strawberry.field
        async def books(self, info: strawberry.Info) -> list[Book]:
            return [Book(**b) for b in await info.context["db"].books(self.id)]

        @strawberry.field
        async def books_batched(self, info: strawberry.Info) -> list[Book]:
            loader = info.context.setdefault(
                "books_loader", DataLoader(load_fn=info.context["db"].books_of_many)
            )
            return [Book(**b) for b in await loader.load(self.id)]

    def async_author(d: dict[str, Any] | None) -> AsyncAuthor | None:
        return AsyncAuthor(**d) if d else None

    @strawberry.type(name="Query")
    class AsyncQuery:
        @strawberry.field
        async def authors(self, info: strawberry.Info, limit: int) -> list[AsyncAuthor]:
            return [AsyncAuthor(**a) for a in await info.context["db"].authors(limit)]

        @strawberry.field
        async def author(self, info: strawberry.Info, id: int) -> AsyncAuthor | None:
            return async_author(await info.context["db"].author(id))

        @strawberry.field(name="boom")
        async def boom_(self) -> int | None:
            return boom()

    @strawberry.type(name="Mutation")
    class AsyncMutation:
        @strawberry.mutation
        async def touch_author(self, info: strawberry.Info, id: int) -> AsyncAuthor | None:
            return async_author(await info.context["db"].touch(id))

    @strawberry.type(name="Subscription")
    class Subscription:
        @strawberry.subscription
        async def countdown(self, start: int) -> AsyncIterator[int]:
            async for i in countdown(start):
                yield i

    sync = strawberry.Schema(query=SyncQuery, mutation=SyncMutation)
    async_ = strawberry.Schema(query=AsyncQuery, mutation=AsyncMutation, subscription=Subscription)
    return sync, async_


# ---------------------------------------------------------------- ariadne


def ariadne_schemas() -> tuple[Any, Any]:
    """(sync schema, async schema), both from the SDL."""
    from ariadne import (
        MutationType,
        ObjectType,
        QueryType,
        SubscriptionType,
        make_executable_schema,
    )

    def make(asynchronous: bool) -> Any:
        query, mutation, author = QueryType(), MutationType(), ObjectType("Author")
        subscription = SubscriptionType()
        if asynchronous:

            async def authors(_: Any, info: Any, limit: int) -> Any:
                return await info.context["db"].authors(limit)

            async def author_(_: Any, info: Any, id: int) -> Any:
                return await info.context["db"].author(id)

            async def books(parent: Any, info: Any) -> Any:
                return await info.context["db"].books(parent["id"])

            async def touch(_: Any, info: Any, id: int) -> Any:
                return await info.context["db"].touch(id)

            async def boom_(*_: Any) -> Any:
                return boom()

        else:

            def authors(_: Any, info: Any, limit: int) -> Any:  # type: ignore[misc]
                return info.context["db"].authors(limit)

            def author_(_: Any, info: Any, id: int) -> Any:  # type: ignore[misc]
                return info.context["db"].author(id)

            def books(parent: Any, info: Any) -> Any:  # type: ignore[misc]
                return info.context["db"].books(parent["id"])

            def touch(_: Any, info: Any, id: int) -> Any:  # type: ignore[misc]
                return info.context["db"].touch(id)

            def boom_(*_: Any) -> Any:  # type: ignore[misc]
                return boom()

        query.set_field("authors", authors)
        query.set_field("author", author_)
        query.set_field("boom", boom_)
        author.set_field("books", books)
        mutation.set_field("touchAuthor", touch)

        async def countdown_source(_: Any, info: Any, start: int) -> AsyncIterator[int]:
            async for i in countdown(start):
                yield i

        subscription.set_source("countdown", countdown_source)
        subscription.set_field("countdown", lambda value, *_, **__: value)
        return make_executable_schema(SDL, query, mutation, author, subscription)

    return make(False), make(True)


# ---------------------------------------------------------------- graphene


def graphene_schemas() -> tuple[Any, Any]:
    """(sync schema, async schema)."""
    import graphene

    def make(asynchronous: bool) -> Any:
        class Book(graphene.ObjectType):
            id = graphene.Int(required=True)
            title = graphene.String(required=True)

        class Author(graphene.ObjectType):
            id = graphene.Int(required=True)
            name = graphene.String(required=True)
            books = graphene.List(graphene.NonNull(Book), required=True)

            if asynchronous:

                async def resolve_books(parent: Any, info: Any) -> Any:
                    return await info.context["db"].books(parent["id"])

            else:

                def resolve_books(parent: Any, info: Any) -> Any:  # type: ignore[misc]
                    return info.context["db"].books(parent["id"])

        class Query(graphene.ObjectType):
            authors = graphene.List(
                graphene.NonNull(Author), required=True, limit=graphene.Int(required=True)
            )
            author = graphene.Field(Author, id=graphene.Int(required=True))
            boom = graphene.Int()

            if asynchronous:

                async def resolve_authors(_: Any, info: Any, limit: int) -> Any:
                    return await info.context["db"].authors(limit)

                async def resolve_author(_: Any, info: Any, id: int) -> Any:
                    return await info.context["db"].author(id)

                async def resolve_boom(*_: Any) -> Any:
                    return boom()

            else:

                def resolve_authors(_: Any, info: Any, limit: int) -> Any:  # type: ignore[misc]
                    return info.context["db"].authors(limit)

                def resolve_author(_: Any, info: Any, id: int) -> Any:  # type: ignore[misc]
                    return info.context["db"].author(id)

                def resolve_boom(*_: Any) -> Any:  # type: ignore[misc]
                    return boom()

        class TouchAuthor(graphene.Mutation):
            class Arguments:
                id = graphene.Int(required=True)

            Output = Author

            if asynchronous:

                async def mutate(_: Any, info: Any, id: int) -> Any:
                    return await info.context["db"].touch(id)

            else:

                def mutate(_: Any, info: Any, id: int) -> Any:  # type: ignore[misc]
                    return info.context["db"].touch(id)

        class Mutation(graphene.ObjectType):
            touch_author = TouchAuthor.Field()

        class Subscription(graphene.ObjectType):
            countdown = graphene.Int(required=True, start=graphene.Int(required=True))

            async def subscribe_countdown(_: Any, info: Any, start: int) -> AsyncIterator[int]:
                async for i in countdown(start):
                    yield i

        return graphene.Schema(query=Query, mutation=Mutation, subscription=Subscription)

    return make(False), make(True)


# ---------------------------------------------------------------- running them alike


@dataclass
class App:
    """One framework's sync and async schemas, run the same way: a formatted result dict."""

    name: str
    sync: Callable[[str, dict[str, Any], Any], dict[str, Any]]
    run_async: Callable[[str, dict[str, Any], Any], Any]


def _formatted(result: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    if getattr(result, "extensions", None):
        out["extensions"] = result.extensions
    return out


def apps() -> list[App]:
    """strawberry, ariadne and graphene, each built once."""
    from ariadne import graphql, graphql_sync

    sb_sync, sb_async = strawberry_schemas()
    ar_sync, ar_async = ariadne_schemas()
    gr_sync, gr_async = graphene_schemas()

    async def sb_run(query: str, variables: dict[str, Any], context: Any) -> dict[str, Any]:
        return _formatted(
            await sb_async.execute(query, variable_values=variables, context_value=context)
        )

    async def ar_run(query: str, variables: dict[str, Any], context: Any) -> dict[str, Any]:
        return (
            await graphql(ar_async, {"query": query, "variables": variables}, context_value=context)
        )[1]  # type: ignore[no-any-return]

    async def gr_run(query: str, variables: dict[str, Any], context: Any) -> dict[str, Any]:
        return _formatted(
            await gr_async.execute_async(query, variable_values=variables, context_value=context)
        )

    return [
        App(
            "strawberry",
            lambda q, v, c: _formatted(sb_sync.execute_sync(q, variable_values=v, context_value=c)),
            sb_run,
        ),
        App(
            "ariadne",
            lambda q, v, c: graphql_sync(ar_sync, {"query": q, "variables": v}, context_value=c)[1],
            ar_run,
        ),
        App(
            "graphene",
            lambda q, v, c: _formatted(gr_sync.execute(q, variable_values=v, context_value=c)),
            gr_run,
        ),
    ]


#: The same requests for every framework: (query, variables).
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("query Shelf($n: Int!) { authors(limit: $n) { id name books { id title } } }", {"n": 3}),
    ("{ author(id: 2) { name books { title } } }", {}),
    ("query One { author(id: 999) { name } }", {}),
    ("query Boom { boom author(id: 1) { name } }", {}),
    ("mutation Touch { touchAuthor(id: 4) { id name } }", {}),
    ("query Invalid { authors(limit: 2) { nope } }", {}),
    ("query Broken { authors(limit: ", {}),
]
