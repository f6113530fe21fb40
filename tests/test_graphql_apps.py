"""strawberry, ariadne and graphene apps on the real database, with and without pgotel."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import StatusCode
from psycopg_pool import AsyncConnectionPool

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.graphql import GraphQLInstrumentor
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from tests import fix_traced, graphql_apps
from tests.graphql_apps import REQUESTS, App, AsyncDb, Db


class Traced(fix_traced.Traced):
    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.name == name]

    def rows(self, kind: str) -> dict[str, dict[str, Any]]:
        rows = merge_snapshots([self.engine.snapshot()]).rows(kind)
        return {r["text"] if kind != "n_plus_one" else r["origin"]: r for r in rows}


Instrument = Callable[..., Traced]


@pytest.fixture
def instrument() -> Iterator[Instrument]:
    """Turn pgotel on with the given settings (env-style keyword names) and sampler."""
    on: list[bool] = []

    def start(sampler: Any = None, **env: str) -> Traced:
        exporter = InMemorySpanExporter()
        provider = TracerProvider(sampler=sampler) if sampler else TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        engine = Engine()
        config = Settings.from_env(env)
        GraphQLInstrumentor().instrument(tracer_provider=provider, engine=engine, settings=config)
        PsycopgInstrumentor().instrument(tracer_provider=provider, engine=engine, settings=config)
        on.append(True)
        return Traced(exporter, engine, provider)

    yield start
    if on:
        PsycopgInstrumentor().uninstrument()
        GraphQLInstrumentor().uninstrument()


@pytest.fixture(scope="module")
def library(dsn: str) -> str:
    graphql_apps.create_tables(dsn)
    return dsn


@pytest.fixture(scope="module")
def apps() -> dict[str, App]:
    return {a.name: a for a in graphql_apps.apps()}


def run_sync(app: App, dsn: str, requests: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [app.sync(q, v, {"db": Db(conn)}) for q, v in requests]


def run_async(app: App, dsn: str, requests: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def main() -> list[Any]:
        async with AsyncConnectionPool(dsn, min_size=1, max_size=4, open=False) as pool:
            return [await app.run_async(q, v, {"db": AsyncDb(pool)}) for q, v in requests]

    return asyncio.run(main())


FRAMEWORKS = ["strawberry", "ariadne", "graphene"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_results_are_identical_with_and_without_pgotel(
    framework: str, library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    app = apps[framework]
    before = (run_sync(app, library, REQUESTS), run_async(app, library, REQUESTS))
    # The most intrusive settings: every resolver a span, the document captured.
    traced = instrument(PGOTEL_GRAPHQL_RESOLVER_SPANS="all", PGOTEL_GRAPHQL_CAPTURE_DOCUMENT="true")
    after = (run_sync(app, library, REQUESTS), run_async(app, library, REQUESTS))
    assert after == before
    sync_results = before[0]
    # The requests did what they say: data, a resolver error, validation and parse errors.
    assert [a["name"] for a in sync_results[0]["data"]["authors"]] == [
        "author 1",
        "author 2",
        "author 3",
    ]
    boom = sync_results[3]["errors"][0]
    assert (boom["message"], boom["path"]) == ("boom: the resolver failed", ["boom"])
    assert boom["locations"] == [{"line": 1, "column": 14}]
    assert sync_results[4]["data"] == {"touchAuthor": {"id": 4, "name": "author 4"}}
    assert "nope" in sync_results[5]["errors"][0]["message"]
    assert "Syntax Error" in sync_results[6]["errors"][0]["message"]
    # And pgotel saw them, both ways.
    ops = traced.rows("graphql")
    assert ops["query Shelf"]["calls"] == 2
    assert ops["query (anonymous)"]["calls"] == 2
    assert (ops["query Boom"]["calls"], ops["query Boom"]["errors"]) == (2, 2)
    assert ops["mutation Touch"]["operation"] == "mutation"
    assert ops["(validation error)"]["error_codes"] == [("GRAPHQL_VALIDATION_FAILED", 2)]
    assert ops["(parse error)"]["error_codes"] == [("GRAPHQL_PARSE_FAILED", 2)]
    resolvers = traced.rows("resolver")
    # Shelf 3 authors + anonymous 1, each way.
    assert resolvers["Author.books"]["calls"] == 8
    assert resolvers["Query.boom"]["errors"] == 2


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_operation_resolver_and_database_spans(
    framework: str, mode: str, library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument()
    run = run_sync if mode == "sync" else run_async
    run(apps[framework], library, [REQUESTS[0]])
    (op,) = traced.named("query Shelf")
    assert op.attributes is not None
    assert op.attributes["graphql.operation.name"] == "Shelf"
    assert "graphql.document" not in op.attributes  # opt-in only
    (authors,) = traced.named("graphql.resolve Query.authors")
    assert authors.parent is not None and authors.parent.span_id == op.context.span_id
    # Three authors' books: one span for the list items, with the three queries under it.
    (books,) = traced.named("graphql.resolve Author.books")
    assert books.attributes is not None
    assert books.attributes["graphql.field.path"] == "authors.*.books"
    assert books.attributes["graphql.parent.name"] == "Author"
    assert books.attributes["graphql.field.type"] == "[Book!]!"
    assert books.attributes["pgotel.graphql.resolver.calls"] == 3
    selects = [s for s in traced.spans() if s.name == "SELECT gql_book"]
    assert len(selects) == 3
    assert {s.parent.span_id for s in selects if s.parent} == {books.context.span_id}
    # Default attribute resolvers (Author.name, Book.title) make no span in "nontrivial".
    assert not [s for s in traced.spans() if s.name.startswith("graphql.resolve Book")]
    assert not traced.named("graphql.resolve Author.name")
    assert set(traced.rows("resolver")) == {"Query.authors", "Author.books"}


def test_resolver_span_modes_depth_and_introspection(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    app = apps["strawberry"]
    traced = instrument(PGOTEL_GRAPHQL_RESOLVER_SPANS="off")
    run_sync(app, library, [REQUESTS[0]])
    assert not [s for s in traced.spans() if s.name.startswith("graphql.resolve")]
    # Aggregates do not depend on spans.
    assert traced.rows("resolver")["Author.books"]["calls"] == 3
    GraphQLInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()

    traced = instrument(PGOTEL_GRAPHQL_RESOLVER_SPANS="all")
    run_sync(app, library, [REQUESTS[0]])
    (title,) = traced.named("graphql.resolve Book.title")
    assert title.attributes is not None
    assert title.attributes["graphql.field.path"] == "authors.*.books.*.title"
    assert title.attributes["pgotel.graphql.resolver.calls"] == 9
    # Trivial resolvers get spans in "all", but never engine records.
    assert set(traced.rows("resolver")) == {"Query.authors", "Author.books"}
    GraphQLInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()

    traced = instrument(PGOTEL_GRAPHQL_RESOLVER_MAX_DEPTH="1")
    run_sync(app, library, [REQUESTS[0], ("{ __schema { types { name } } __typename }", {})])
    names = {s.name for s in traced.spans() if s.name.startswith("graphql.resolve")}
    assert names == {"graphql.resolve Query.authors"}
    assert traced.rows("resolver")["Author.books"]["calls"] == 3
    assert not [r for r in traced.rows("resolver") if r.startswith("__")]


def test_n_plus_one_names_its_resolver_and_the_dataloader_twin_is_clean(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument()
    run_async(
        apps["strawberry"],
        library,
        [
            ("query Loop { authors(limit: 10) { books { id } } }", {}),
            ("query Loaded { authors(limit: 10) { booksBatched { id } } }", {}),
        ],
    )
    (found,) = traced.rows("n_plus_one").values()
    assert (found["operation"], found["origin"]) == ("query Loop", "Author.books")
    assert found["summary"] == "SELECT gql_book"
    assert found["text"] == "SELECT id, title FROM gql_book WHERE author_id = $1 ORDER BY id"
    assert (found["calls"], found["rows"]) == (1, 10)
    (loop,) = traced.named("query Loop")
    (event,) = loop.events
    assert event.name == "pgotel.n_plus_one"
    assert event.attributes is not None
    assert event.attributes["graphql.resolver.path"] == "Author.books"
    assert event.attributes["pgotel.n_plus_one.count"] == 10
    assert event.attributes["db.query.text"] == found["text"]
    (loaded,) = traced.named("query Loaded")
    assert not loaded.events
    assert traced.rows("resolver")["Author.booksBatched"]["calls"] == 10


def test_a_hundred_concurrent_async_operations_add_up_exactly(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument()
    app = apps["strawberry"]
    query = "query Conc { authors(limit: 2) { name books { title } } }"

    async def main() -> list[Any]:
        async with AsyncConnectionPool(library, min_size=2, max_size=8, open=False) as pool:
            db = AsyncDb(pool)
            return await asyncio.gather(*(app.run_async(query, {}, {"db": db}) for _ in range(100)))

    results = asyncio.run(main())
    assert all(r == results[0] and "errors" not in r for r in results)
    op = traced.rows("graphql")["query Conc"]
    assert (op["calls"], op["errors"]) == (100, 0)
    database = traced.rows("graphql_db")["query Conc"]
    # 3 SELECTs per operation, each with the pool's end-of-transaction statement.
    assert (database["calls"], database["rows"]) == (100, op["rows"]) == (100, 600)
    resolvers = traced.rows("resolver")
    assert (resolvers["Query.authors"]["calls"], resolvers["Author.books"]["calls"]) == (100, 200)
    assert len(traced.named("query Conc")) == 100
    # Every operation's database spans sit in its own trace.
    traces = {s.context.trace_id for s in traced.named("query Conc")}
    selects = [s for s in traced.spans() if s.name.startswith("SELECT gql_")]
    assert len(selects) == 300 and {s.context.trace_id for s in selects} == traces


def test_unsampled_operations_make_no_spans_but_exact_aggregates(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument(sampler=ALWAYS_OFF, PGOTEL_GRAPHQL_RESOLVER_SPANS="all")
    for framework in FRAMEWORKS:
        run_sync(apps[framework], library, REQUESTS[:2])
    assert traced.spans() == []
    assert traced.rows("graphql")["query Shelf"]["calls"] == 3
    assert traced.rows("resolver")["Author.books"]["calls"] == 12


def test_parse_and_validate_spans_under_a_recorded_parent(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument()
    tracer = traced.provider.get_tracer("test")
    with tracer.start_as_current_span("request") as request:
        run_sync(apps["ariadne"], library, [REQUESTS[1], REQUESTS[5], REQUESTS[6]])
    parses = traced.named("graphql.parse")
    validates = traced.named("graphql.validate")
    assert len(parses) == 3 and len(validates) == 2  # the broken document is never validated
    for span in parses + validates:
        assert span.parent is not None and span.parent.span_id == request.get_span_context().span_id
    assert [p.status.status_code for p in parses].count(StatusCode.ERROR) == 1
    assert [v.status.status_code for v in validates].count(StatusCode.ERROR) == 1
    (bad,) = [v for v in validates if v.status.status_code is StatusCode.ERROR]
    assert bad.attributes == {
        "error.type": "GRAPHQL_VALIDATION_FAILED",
        "pgotel.graphql.errors": 1,
    }
    # Without a recorded parent, no parse or validate span at all.
    traced.exporter.clear()
    run_sync(apps["ariadne"], library, [REQUESTS[1]])
    assert not traced.named("graphql.parse") and not traced.named("graphql.validate")


def test_document_is_captured_only_when_asked_with_literals_replaced(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument(PGOTEL_GRAPHQL_CAPTURE_DOCUMENT="true")
    run_sync(
        apps["graphene"],
        library,
        [
            (
                "query Named($n: Int!) { authors(limit: $n) { name } author(id: 7) { name } }",
                {"n": 1},
            )
        ],
    )
    (op,) = traced.named("query Named")
    assert op.attributes is not None
    document = op.attributes["graphql.document"]
    assert "author(id: 0)" in document and "authors(limit: $n)" in document
    assert "7" not in document


async def _subscribe(framework: str, query: str) -> list[Any]:
    """Subscribe with the framework's own API; the delivered items' data."""
    if framework == "strawberry":
        schema = graphql_apps.strawberry_schemas()[1]
        stream = await schema.subscribe(query)
        return [item.data async for item in stream]
    if framework == "ariadne":
        from ariadne import subscribe

        ok, stream = await subscribe(graphql_apps.ariadne_schemas()[1], {"query": query})
        assert ok
        return [item.data async for item in stream]
    schema = graphql_apps.graphene_schemas()[1]
    stream = await schema.subscribe(query)
    return [item.data async for item in stream]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_subscription_span_and_one_span_per_delivered_event(
    framework: str, instrument: Instrument
) -> None:
    query = "subscription Count { countdown(start: 3) }"
    before = asyncio.run(_subscribe(framework, query))
    traced = instrument()
    after = asyncio.run(_subscribe(framework, query))
    assert after == before == [{"countdown": 3}, {"countdown": 2}, {"countdown": 1}]
    (subscribe,) = traced.named("subscription Count")
    assert subscribe.attributes is not None
    assert subscribe.attributes["graphql.operation.type"] == "subscription"
    events = traced.named("subscription Count event")
    assert len(events) == 3
    ops = traced.rows("graphql")
    assert (ops["subscription Count"]["calls"], ops["subscription Count event"]["calls"]) == (1, 3)


def test_strawberry_opentelemetry_extension_keeps_its_spans_and_pgotel_adds_none(
    library: str, instrument: Instrument
) -> None:
    import strawberry
    from strawberry.extensions.tracing import OpenTelemetryExtensionSync

    sync, _ = graphql_apps.strawberry_schemas()
    traced = instrument()
    with_extension = strawberry.Schema(
        query=sync.query,  # type: ignore[attr-defined]
        mutation=sync.mutation,  # type: ignore[attr-defined]
        extensions=[functools.partial(OpenTelemetryExtensionSync, tracer_provider=traced.provider)],
    )
    with psycopg.connect(library, autocommit=True) as conn:
        result = with_extension.execute_sync(REQUESTS[0][0], {"n": 2}, {"db": Db(conn)})
    assert result.errors is None
    names = [s.name for s in traced.spans()]
    assert names.count("GraphQL Query: Shelf") == 1
    assert "query Shelf" not in names
    assert not [n for n in names if n.startswith(("graphql.resolve", "graphql.validate"))]
    # The aggregates are pgotel's all the same.
    assert traced.rows("graphql")["query Shelf"]["calls"] == 1
    assert traced.rows("resolver")["Author.books"]["calls"] == 2
    # Database spans still nest, under the extension's resolver spans.
    (books,) = [s for s in traced.spans() if s.name == "GraphQL Resolving: authors"]
    (select,) = [s for s in traced.spans() if s.name == "SELECT gql_author"]
    assert select.parent is not None and select.parent.span_id == books.context.span_id


def test_ariadne_opentelemetry_extension_keeps_its_spans_and_pgotel_adds_none(
    library: str, instrument: Instrument
) -> None:
    from ariadne import graphql_sync
    from ariadne.contrib.tracing.opentelemetry import OpenTelemetryExtension

    traced = instrument()
    schema = graphql_apps.ariadne_schemas()[0]
    tracer = traced.provider.get_tracer("ariadne")
    with psycopg.connect(library, autocommit=True) as conn:
        ok, result = graphql_sync(
            schema,
            {"query": REQUESTS[0][0], "variables": {"n": 2}},
            context_value={"db": Db(conn)},
            extensions=[lambda: OpenTelemetryExtension(tracer=tracer)],
        )
    assert ok and "errors" not in result
    names = [s.name for s in traced.spans()]
    assert names.count("GraphQL Operation") == 1
    assert "query Shelf" not in names
    assert not [n for n in names if n.startswith("graphql.resolve")]
    assert traced.rows("graphql")["query Shelf"]["calls"] == 1


def test_pgotel_graphql_n_plus_one_shows_the_resolver(
    library: str, apps: dict[str, App], instrument: Instrument, tmp_path: Any
) -> None:
    import json

    from click.testing import CliRunner

    from pgotel.cli import cli
    from pgotel.exporters.local import LocalExporter

    traced = instrument()
    run_sync(
        apps["graphene"], library, [("query Loop { authors(limit: 10) { books { id } } }", {})]
    )
    LocalExporter(traced.engine, tmp_path, 3600, 3600).write_now()
    result = CliRunner().invoke(
        cli, ["graphql", "n-plus-one", "--state-dir", str(tmp_path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["operation"], row["resolver"], row["rows"]) == ("query Loop", "Author.books", 10)
    table = CliRunner().invoke(cli, ["graphql", "n-plus-one", "--state-dir", str(tmp_path)])
    assert "RESOLVER" in table.stdout.splitlines()[0] and "Author.books" in table.stdout
    resolvers = CliRunner().invoke(
        cli, ["graphql", "resolvers", "--state-dir", str(tmp_path), "--format", "json"]
    )
    assert resolvers.exit_code == 0, resolvers.output
    by_path = {r["text"]: r for r in json.loads(resolvers.stdout)}
    assert (by_path["Query.authors"]["calls"], by_path["Author.books"]["calls"]) == (1, 10)
    slow = CliRunner().invoke(
        cli, ["graphql", "slow", "--state-dir", str(tmp_path), "--format", "json"]
    )
    (op,) = json.loads(slow.stdout)
    # Joined by trace id with the resolver and query samples the engine kept.
    assert sorted((r["path"], r["calls"]) for r in op["resolvers"]) == [
        ("Author.books", 10),
        ("Query.authors", 1),
    ]
    assert 0 < op["db_ns_sampled"] <= op["db_ns"] < op["duration_ns"]
    table = CliRunner().invoke(cli, ["graphql", "slow", "--state-dir", str(tmp_path), "--wide"])
    table = table.stdout
    assert "SLOWEST RESOLVERS" in table and "Author.books" in table


def test_no_span_is_left_current_after_an_operation(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    instrument()
    run_sync(apps["strawberry"], library, REQUESTS)
    assert not trace.get_current_span().get_span_context().is_valid


class _FailingTracer(trace.Tracer):
    """The SDK's tracer, failing for pgotel's parse, validate and resolver spans."""

    def __init__(self, inner: trace.Tracer) -> None:
        self.inner = inner

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        if name.startswith("graphql."):
            raise RuntimeError("the tracer failed")
        return self.inner.start_span(name, *args, **kwargs)

    def start_as_current_span(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.inner.start_as_current_span(name, *args, **kwargs)


class _FailingProvider(trace.TracerProvider):
    def __init__(self, inner: TracerProvider) -> None:
        self.inner = inner

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _FailingTracer(self.inner.get_tracer(*args, **kwargs))


def test_failures_inside_pgotel_never_reach_the_app(
    library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    app = apps["strawberry"]
    before = run_sync(app, library, REQUESTS)
    traced = instrument()  # for psycopg; GraphQL gets the failing tracer below
    GraphQLInstrumentor().uninstrument()
    GraphQLInstrumentor().instrument(
        tracer_provider=_FailingProvider(traced.provider),
        engine=traced.engine,
        settings=Settings.from_env({}),
    )
    with traced.provider.get_tracer("test").start_as_current_span("request"):
        after = run_sync(app, library, REQUESTS)
    assert after == before
    assert traced.engine.stats()["internal_errors"] > 0
    # What did not fail still works: operation spans, records, database spans.
    assert len(traced.named("query Shelf")) == 1
    assert traced.rows("resolver")["Author.books"]["calls"] == 4  # Shelf's 3, the anonymous 1
    assert not [s for s in traced.spans() if s.name.startswith("graphql.")]


@pytest.mark.parametrize("error_status", ["true", "false"])
def test_error_status_of_the_operation_span_is_configurable(
    error_status: str, library: str, apps: dict[str, App], instrument: Instrument
) -> None:
    traced = instrument(PGOTEL_GRAPHQL_ERROR_STATUS=error_status)
    run_sync(apps["ariadne"], library, [REQUESTS[3]])
    (op,) = traced.named("query Boom")
    assert [e.name for e in op.events] == ["graphql.error"]
    assert op.attributes is not None
    if error_status == "true":
        assert op.status.status_code is StatusCode.ERROR
        assert op.attributes["error.type"] == "ValueError"
    else:
        assert op.status.status_code is StatusCode.UNSET
        assert "error.type" not in op.attributes
    assert traced.rows("graphql")["query Boom"]["errors"] == 1
