"""graphql-core instrumentation with strawberry, ariadne, graphene and plain graphql-core."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import strawberry
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.graphql import GraphQLInstrumentor
from pgotel.instrumentation.psycopg import PsycopgInstrumentor


@dataclass
class Traced:
    exporter: InMemorySpanExporter
    engine: Engine

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def ops(self) -> dict[str, dict[str, Any]]:
        return {r["text"]: r for r in self.rows("graphql")}

    def rows(self, kind: str) -> list[dict[str, Any]]:
        return merge_snapshots([self.engine.snapshot()]).rows(kind)


@pytest.fixture
def traced() -> Iterator[Traced]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    engine = Engine()
    GraphQLInstrumentor().instrument(tracer_provider=provider, engine=engine)
    PsycopgInstrumentor().instrument(
        tracer_provider=provider, engine=engine, settings=Settings.from_env({})
    )
    yield Traced(exporter, engine)
    PsycopgInstrumentor().uninstrument()
    GraphQLInstrumentor().uninstrument()


@strawberry.type
class Book:
    id: int
    title: str


@strawberry.type
class Query:
    @strawberry.field
    def books(self, info: strawberry.Info) -> list[Book]:
        with psycopg.connect(info.context["dsn"]) as conn:
            rows = conn.execute("SELECT g, 'book ' || g FROM generate_series(1, 3) g").fetchall()
        return [Book(id=i, title=t) for i, t in rows]

    @strawberry.field
    async def count(self, info: strawberry.Info) -> int:
        async with await psycopg.AsyncConnection.connect(info.context["dsn"]) as conn:
            cur = await conn.execute("SELECT count(*) FROM generate_series(1, %s)", (5,))
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @strawberry.field
    def broken(self) -> int:
        raise ValueError("the resolver failed")


SCHEMA = strawberry.Schema(query=Query)


def test_strawberry_sync_operation_span_with_database_children(dsn: str, traced: Traced) -> None:
    result = SCHEMA.execute_sync("query Books { books { id title } }", context_value={"dsn": dsn})
    assert result.errors is None
    assert [b["title"] for b in result.data["books"]] == ["book 1", "book 2", "book 3"]
    by_name = {s.name: s for s in traced.spans()}
    op = by_name["query Books"]
    assert op.attributes == {"graphql.operation.type": "query", "graphql.operation.name": "Books"}
    resolver = by_name["graphql.resolve Query.books"]
    assert resolver.parent is not None and resolver.parent.span_id == op.context.span_id
    assert resolver.attributes == {
        "graphql.field.name": "books",
        "graphql.field.path": "books",
        "graphql.field.type": "[Book!]!",
        "graphql.parent.name": "Query",
    }
    select = by_name["SELECT"]
    # The database call is the resolver's child.
    assert select.parent is not None and select.parent.span_id == resolver.context.span_id
    assert traced.ops()["query Books"]["calls"] == 1
    # Book.id and Book.title are strawberry's default resolvers: no span, no record.
    assert not [s for s in traced.spans() if s.name.startswith("graphql.resolve Book")]
    assert [r["text"] for r in traced.rows("resolver")] == ["Query.books"]


def test_strawberry_async_resolvers_nest_too(dsn: str, traced: Traced) -> None:
    result = asyncio.run(SCHEMA.execute("query { count }", context_value={"dsn": dsn}))
    assert result.errors is None and result.data == {"count": 5}
    by_name = {s.name: s for s in traced.spans()}
    op = by_name["query"]
    resolver = by_name["graphql.resolve Query.count"]
    assert resolver.parent is not None and resolver.parent.span_id == op.context.span_id
    select = by_name["SELECT"]
    assert select.parent is not None and select.parent.span_id == resolver.context.span_id
    assert traced.ops()["query (anonymous)"]["calls"] == 1


def test_resolver_errors_mark_the_operation(dsn: str, traced: Traced) -> None:
    result = SCHEMA.execute_sync("query Bad { broken }", context_value={"dsn": dsn})
    assert result.errors and "the resolver failed" in str(result.errors[0])
    (op,) = [s for s in traced.spans() if s.name == "query Bad"]
    assert op.status.status_code is StatusCode.ERROR
    (event,) = op.events
    assert event.name == "graphql.error"
    assert event.attributes is not None
    assert event.attributes["error.type"] == "ValueError"
    assert event.attributes["graphql.error.path"] == "broken"
    assert "the resolver failed" not in str(event.attributes)  # messages can quote user input
    row = traced.ops()["query Bad"]
    assert (row["calls"], row["errors"], row["error_codes"]) == (1, 1, [("ValueError", 1)])


def test_ariadne(traced: Traced) -> None:
    from ariadne import QueryType, graphql_sync, make_executable_schema

    query = QueryType()
    query.set_field("hello", lambda *_: "world")
    schema = make_executable_schema("type Query { hello: String! }", query)
    ok, result = graphql_sync(schema, {"query": "query Hi { hello }"})
    assert ok and result == {"data": {"hello": "world"}}
    assert traced.ops()["query Hi"]["calls"] == 1


def test_graphene(traced: Traced) -> None:
    import graphene

    class Query(graphene.ObjectType):
        hello = graphene.String()

        def resolve_hello(self, info: Any) -> str:
            return "world"

    class Mutation(graphene.ObjectType):
        touch = graphene.Int()

        def resolve_touch(self, info: Any) -> int:
            return 1

    schema = graphene.Schema(query=Query, mutation=Mutation)
    assert schema.execute("{ hello }").data == {"hello": "world"}
    assert schema.execute("mutation Touch { touch }").data == {"touch": 1}
    ops = traced.ops()
    assert ops["query (anonymous)"]["calls"] == 1
    assert ops["mutation Touch"]["operation"] == "mutation"


def test_plain_graphql_core_and_a_top_level_error(traced: Traced) -> None:
    from graphql import build_schema, graphql_sync

    schema = build_schema("type Query { must: Int! }")
    result = graphql_sync(schema, "query Must { must }", root_value={"must": None})
    assert result.data is None and result.errors
    row = traced.ops()["query Must"]
    assert (row["calls"], row["errors"]) == (1, 1)


def test_uninstrument_restores_graphql_core() -> None:
    from graphql.execution.execute import ExecutionContext

    before = vars(ExecutionContext)["execute_operation"]
    GraphQLInstrumentor().instrument(engine=Engine())
    assert vars(ExecutionContext)["execute_operation"] is not before
    GraphQLInstrumentor().uninstrument()
    assert vars(ExecutionContext)["execute_operation"] is before


def test_pgotel_graphql_ops(tmp_path: Any) -> None:
    import json

    from click.testing import CliRunner

    from pgotel.cli import cli
    from pgotel.exporters.local import LocalExporter

    engine = Engine()
    for _ in range(3):
        engine.record_named("graphql", "query Books", "query", 2_000_000)
    engine.record_named("graphql", "mutation AddReview", "mutation", 9_000_000, "BAD_USER_INPUT")
    LocalExporter(engine, tmp_path, 3600, 3600).write_now()
    result = CliRunner().invoke(
        cli, ["graphql", "ops", "--state-dir", str(tmp_path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # By total time: one 9 ms mutation outweighs three 2 ms queries.
    assert [(r["text"], r["calls"], r["errors"]) for r in rows] == [
        ("mutation AddReview", 1, 1),
        ("query Books", 3, 0),
    ]
    table = CliRunner().invoke(cli, ["graphql", "ops", "--state-dir", str(tmp_path)]).stdout
    assert table.splitlines()[0].split() == [
        "OPERATION", "CALLS", "ERR", "Q/OP", "DB/OP", "TOTAL", "P50", "P95", "P99", "MAX",
    ]  # fmt: skip


@strawberry.type
class Author:
    id: int

    @strawberry.field
    def books(self, info: strawberry.Info) -> list[str]:
        # The N+1: one query per author.
        with psycopg.connect(info.context["dsn"]) as conn:
            rows = conn.execute(
                "SELECT 'book of ' || %s::text FROM generate_series(1, 2)", (self.id,)
            ).fetchall()
        return [r[0] for r in rows]


@strawberry.type
class Library:
    @strawberry.field
    def authors(self, count: int) -> list[Author]:
        return [Author(id=i) for i in range(count)]

    @strawberry.field
    def titles(self, info: strawberry.Info, count: int) -> list[str]:
        # The fix: one query for all.
        with psycopg.connect(info.context["dsn"]) as conn:
            rows = conn.execute("SELECT 'title ' || g FROM generate_series(1, %s) g", (count,))
            return [r[0] for r in rows.fetchall()]


LIBRARY = strawberry.Schema(query=Library)


def test_n_plus_one_is_detected_per_operation_and_query(dsn: str, traced: Traced) -> None:
    context = {"dsn": dsn}
    for _ in range(2):
        assert not LIBRARY.execute_sync(
            "query Shelf { authors(count: 12) { books } }", context_value=context
        ).errors
    assert not LIBRARY.execute_sync(
        "query Few { authors(count: 3) { books } }", context_value=context
    ).errors
    assert not LIBRARY.execute_sync(
        "query Titles { titles(count: 50) }", context_value=context
    ).errors
    rows = merge_snapshots([traced.engine.snapshot()]).rows("n_plus_one")
    (found,) = rows  # Few (3 < 10) and Titles (one query) are not N+1
    assert found["operation"] == "query Shelf"
    assert found["text"] == "SELECT $1 || $2::text FROM generate_series($3, $4)"
    assert (found["calls"], found["rows"]) == (2, 24)
    (sample,) = merge_snapshots([traced.engine.snapshot()]).samples("n_plus_one", limit=1)
    shelf_spans = [s for s in traced.spans() if s.name == "query Shelf"]
    assert sample["trace_id"] in {f"{s.context.trace_id:032x}" for s in shelf_spans}


def test_pgotel_graphql_n_plus_one(dsn: str, traced: Traced, tmp_path: Any) -> None:
    import json

    from click.testing import CliRunner

    from pgotel.cli import cli
    from pgotel.exporters.local import LocalExporter

    LIBRARY.execute_sync("query Shelf { authors(count: 10) { books } }", context_value={"dsn": dsn})
    LocalExporter(traced.engine, tmp_path, 3600, 3600).write_now()
    result = CliRunner().invoke(
        cli, ["graphql", "n-plus-one", "--state-dir", str(tmp_path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["operation"], row["rows"], row["repeats_per_operation"]) == (
        "query Shelf",
        10,
        10.0,
    )
    assert row["trace_id"]


def test_operations_count_their_queries_and_slow_lists_them(
    dsn: str, traced: Traced, tmp_path: Any
) -> None:
    import json

    from click.testing import CliRunner

    from pgotel.cli import cli
    from pgotel.exporters.local import LocalExporter

    LIBRARY.execute_sync("query Shelf { authors(count: 4) { books } }", context_value={"dsn": dsn})
    LIBRARY.execute_sync("query Titles { titles(count: 3) }", context_value={"dsn": dsn})
    LocalExporter(traced.engine, tmp_path, 3600, 3600).write_now()
    ops = json.loads(
        CliRunner()
        .invoke(cli, ["graphql", "ops", "--state-dir", str(tmp_path), "--format", "json"])
        .stdout
    )
    per_op = {r["text"]: r["queries_per_operation"] for r in ops}
    assert per_op == {"query Shelf": 8.0, "query Titles": 2.0}  # each query + its COMMIT
    # The time of those statements, per execution: more than none, less than the operation's.
    for r in ops:
        assert 0 < r["db_mean_ns"] == r["db_max_ns"] == r["db_total_ns"] < r["total_ns"]
    slow = json.loads(
        CliRunner()
        .invoke(cli, ["graphql", "slow", "--state-dir", str(tmp_path), "--format", "json"])
        .stdout
    )
    assert {s["text"] for s in slow} == {"query Shelf", "query Titles"}
    assert slow[0]["duration_ns"] >= slow[1]["duration_ns"]
    assert {s["text"]: s["queries"] for s in slow} == {"query Shelf": 8, "query Titles": 2}


def test_unhashable_callable_resolvers_still_resolve(traced: Traced) -> None:
    from graphql import build_schema, graphql_sync

    @dataclass  # eq=True and no hash: an unhashable callable
    class Constant:
        value: int

        def __call__(self, source: Any, info: Any) -> int:
            return self.value

    schema = build_schema("type Query { a: Int! b: Int! }")
    schema.query_type.fields["a"].resolve = Constant(1)  # type: ignore[union-attr]
    schema.query_type.fields["b"].resolve = Constant(2)  # type: ignore[union-attr]
    result = graphql_sync(schema, "query Ab { a b }")
    assert (result.data, result.errors) == ({"a": 1, "b": 2}, None)
    assert {r["text"]: r["calls"] for r in traced.rows("resolver")} == {"Query.a": 1, "Query.b": 1}


def test_captured_document_never_holds_literal_values() -> None:
    from graphql import build_schema, graphql_sync
    from opentelemetry.sdk.trace import TracerProvider

    from pgotel.config import Settings

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    GraphQLInstrumentor().instrument(
        tracer_provider=provider,
        engine=Engine(),
        settings=Settings.from_env({"PGOTEL_GRAPHQL_CAPTURE_DOCUMENT": "true"}),
    )
    try:
        schema = build_schema(
            "input Card { number: String! }"
            " type Query { echo(text: String!, n: Float, cards: [Card!]): String }"
        )
        query = (
            'query Echo($v: String = "canary-default") {'
            ' echo(text: """canary-block""", n: 4242.5, cards: [{number: "canary-card"}])'
            " again: echo(text: $v) }"
        )
        result = graphql_sync(schema, query, root_value={"echo": lambda info, **a: "ok"})
        assert result.errors is None
    finally:
        GraphQLInstrumentor().uninstrument()
    (op,) = [s for s in exporter.get_finished_spans() if s.name == "query Echo"]
    assert op.attributes is not None
    document = str(op.attributes["graphql.document"])
    assert "canary" not in document and "4242" not in document
    assert 'echo(text: "", n: 0, cards: [])' in document and "$v: String = " in document
