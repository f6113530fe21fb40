"""The example service again, schema-first with ariadne: same tables, same traps, no pgotel import.

pgotel instruments graphql-core itself, so an ariadne app needs nothing more
than strawberry's did:

    PGOTEL_DEMO_DSN=... opentelemetry-instrument uvicorn examples.books_ariadne:app
"""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType, QueryType, make_executable_schema
from ariadne.asgi import GraphQL

from examples.books_service import POOL, with_pool

TYPE_DEFS = """
type Query {
    book(id: Int!): Book
    books(offset: Int = 0, limit: Int = 10): [Book!]!
    search(text: String!): Int!
}

type Book {
    id: Int!
    title: String!
    author: String!
}
"""

query = QueryType()
book = ObjectType("Book")


async def _rows(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    async with POOL.connection() as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()


@query.field("book")
async def resolve_book(_: Any, __: Any, id: int) -> dict[str, Any] | None:
    found = await _rows("SELECT id, title, author_id FROM books WHERE id = %s", (id,))
    return dict(zip(("id", "title", "author_id"), found[0], strict=True)) if found else None


@query.field("books")
async def resolve_books(_: Any, __: Any, offset: int = 0, limit: int = 10) -> list[dict[str, Any]]:
    found = await _rows(
        "SELECT id, title, author_id FROM books ORDER BY id LIMIT %s OFFSET %s", (limit, offset)
    )
    return [dict(zip(("id", "title", "author_id"), row, strict=True)) for row in found]


@query.field("search")
async def resolve_search(_: Any, __: Any, text: str) -> int:
    # No index on title: a sequential scan of every book.
    (count,) = (await _rows("SELECT count(*) FROM books WHERE title LIKE %s", (f"%{text}%",)))[0]
    return int(count)


@book.field("author")
async def resolve_author(parent: dict[str, Any], _: Any) -> str:
    # One query per book: the N+1.
    found = await _rows("SELECT name FROM authors WHERE id = %s", (parent["author_id"],))
    return str(found[0][0]) if found else "?"


graphql_app = GraphQL(make_executable_schema(TYPE_DEFS, query, book))


app = with_pool(graphql_app)
