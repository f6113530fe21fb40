"""The psycopg instrumentation against a real PostgreSQL, the real SDK and the real engine."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler
from opentelemetry.trace import SpanKind, StatusCode
from psycopg import sql
from psycopg.rows import dict_row

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from tests.fix_traced import Traced, instrument_psycopg


@pytest.fixture
def books(conn: psycopg.Connection) -> Iterator[str]:
    """A fresh table with a unique name and five rows."""
    table = f"books_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, title text NOT NULL)")
    conn.execute(f"INSERT INTO {table} SELECT g, 'title ' || g FROM generate_series(1, 5) g")
    yield table
    conn.execute(f"DROP TABLE IF EXISTS {table}")


def test_execute_makes_one_span_with_the_semantic_convention_attributes(
    dsn: str, books: str, traced: Traced
) -> None:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(f"SELECT title FROM {books} WHERE id > %s", (2,)).fetchall()
    assert rows == [("title 3",), ("title 4",), ("title 5",)]
    (span,) = [s for s in traced.spans() if s.name == f"SELECT {books}"]
    assert span.kind is SpanKind.CLIENT
    assert span.instrumentation_scope.name == "pgotel.instrumentation.psycopg"
    attrs = dict(span.attributes or {})
    assert attrs["db.system.name"] == "postgresql"
    assert attrs["db.namespace"] == "postgres" or attrs["db.namespace"]
    assert attrs["db.operation.name"] == "SELECT"
    assert attrs["db.collection.name"] == books
    assert attrs["db.query.text"] == f"SELECT title FROM {books} WHERE id > $1"
    assert attrs["db.query.summary"] == f"SELECT {books}"
    assert attrs["db.response.returned_rows"] == 3
    assert "server.address" in attrs and "server.port" in attrs
    assert not any(key.startswith("db.query.parameter") for key in attrs)
    assert "db.statement" not in attrs
    row = traced.rows()[f"SELECT title FROM {books} WHERE id > $1"]
    assert (row["calls"], row["rows"], row["errors"]) == (1, 3, 0)
    samples = merge_snapshots([traced.engine.snapshot()]).samples()
    (sample,) = [s for s in samples if s["text"].startswith("SELECT title")]
    assert sample["trace_id"] == f"{span.context.trace_id:032x}"


def test_every_cursor_kind_is_covered(dsn: str, books: str, traced: Traced) -> None:
    q = f"SELECT id FROM {books} WHERE id = %s"
    with psycopg.connect(dsn) as conn:
        conn.cursor().execute(q, (1,))
        psycopg.ClientCursor(conn).execute(q, (2,))
        psycopg.RawCursor(conn).execute(f"SELECT id FROM {books} WHERE id = $1", (3,))
        with conn.cursor(row_factory=dict_row) as cur:
            assert cur.execute(q, (4,)).fetchone() == {"id": 4}
        with conn.transaction(), conn.cursor(name="named") as server_side:
            server_side.execute(f"SELECT id FROM {books} ORDER BY id")
            assert [r[0] for r in server_side.fetchall()] == [1, 2, 3, 4, 5]
        conn.execute(sql.SQL("SELECT {} FROM {}").format(sql.Literal(42), sql.Identifier(books)))
        conn.execute(f"SELECT count(*) FROM {books} WHERE title = 'title 1'".encode())
    rows = traced.rows()
    assert rows[f"SELECT id FROM {books} WHERE id = $1"]["calls"] == 4
    assert rows[f"SELECT id FROM {books} ORDER BY id"]["calls"] == 1
    assert rows[f'SELECT $1 FROM "{books}"']["calls"] == 1
    assert rows[f"SELECT count(*) FROM {books} WHERE title = $1"]["calls"] == 1
    assert len([s for s in traced.spans() if books in s.name]) == 7


def test_executemany_is_one_span_with_the_batch_size(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        conn.cursor().executemany(
            f"INSERT INTO {books} (id, title) VALUES (%s, %s)", [(i, f"t{i}") for i in range(6, 9)]
        )
    (span,) = [s for s in traced.spans() if s.name == f"INSERT {books}"]
    assert span.attributes is not None
    assert span.attributes["db.operation.batch.size"] == 3
    assert traced.rows()[f"INSERT INTO {books} (id, title) VALUES ($1, $2)"]["calls"] == 1


def test_errors_keep_their_class_and_sqlstate(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation) as dup:
            conn.execute(f"INSERT INTO {books} VALUES (1, 'again')")
        with pytest.raises(psycopg.errors.SyntaxError) as syntax:
            conn.execute("SELEC 1")
    assert dup.value.sqlstate == "23505" and syntax.value.sqlstate == "42601"
    assert "duplicate key" in str(dup.value)
    by_name = {s.name: s for s in traced.spans()}
    span = by_name[f"INSERT {books}"]
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["db.response.status_code"] == "23505"
    assert span.attributes["error.type"] == "23505"
    assert "again" not in str(span.status.description)
    row = traced.rows()[f"INSERT INTO {books} VALUES ($1, $2)"]
    assert (row["calls"], row["errors"], row["error_codes"]) == (1, 1, [("23505", 1)])
    assert traced.rows()["SELEC $1"]["error_codes"] == [("42601", 1)]


def test_parameters_are_captured_only_when_asked(dsn: str, books: str) -> None:
    t = instrument_psycopg(env={"PGOTEL_CAPTURE_PARAMETERS": "true"})
    try:
        with psycopg.connect(dsn) as conn:
            conn.execute(f"SELECT * FROM {books} WHERE id = %(id)s", {"id": 3})
    finally:
        PsycopgInstrumentor().uninstrument()
    (span,) = [s for s in t.spans() if s.name == f"SELECT {books}"]
    assert span.attributes is not None
    assert span.attributes["db.query.parameter.id"] == "3"


def test_older_attribute_names_on_request(dsn: str) -> None:
    t = instrument_psycopg(env={"OTEL_SEMCONV_STABILITY_OPT_IN": "http,database/dup"})
    try:
        with psycopg.connect(dsn) as conn:
            conn.execute("SELECT 1")
    finally:
        PsycopgInstrumentor().uninstrument()
    (span,) = [s for s in t.spans() if s.name == "SELECT"]
    assert span.attributes is not None
    assert span.attributes["db.system"] == "postgresql"
    assert span.attributes["db.statement"] == "SELECT $1"


def test_unsampled_calls_are_counted_exactly(dsn: str) -> None:
    def workload() -> dict[str, Any]:
        with psycopg.connect(dsn) as conn:
            for i in range(20):
                conn.execute("SELECT %s::int", (i,))
        return t.rows()["SELECT $1::int"]

    results = []
    for sampler in (ALWAYS_OFF, ALWAYS_ON):
        t = instrument_psycopg(sampler)
        try:
            results.append((workload(), len([s for s in t.spans() if s.name == "SELECT"])))
        finally:
            PsycopgInstrumentor().uninstrument()
    (off, off_spans), (on, on_spans) = results
    assert (off_spans, on_spans) == (0, 20)
    for figure in ("calls", "errors", "rows"):
        assert off[figure] == on[figure] == (20 if figure != "errors" else 0)


def test_ten_threads_exact_counts(dsn: str, traced: Traced) -> None:
    def work() -> None:
        with psycopg.connect(dsn) as conn:
            for i in range(1000):
                conn.execute("SELECT %s::int + 1", (i,))

    threads = [threading.Thread(target=work) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert traced.rows()["SELECT $1::int + $2"]["calls"] == 10_000


def test_two_hundred_tasks_exact_counts(dsn: str, traced: Traced) -> None:
    from psycopg_pool import AsyncConnectionPool

    async def main() -> None:
        async with AsyncConnectionPool(dsn, min_size=4, max_size=10, open=False) as pool:

            async def task(n: int) -> None:
                async with pool.connection() as conn:
                    cur = conn.cursor()
                    await cur.execute("SELECT %s::int * 2", (n,))
                    assert await cur.fetchone() == (n * 2,)
                    await cur.executemany("SELECT %s::int", [(1,), (2,)])

            await asyncio.gather(*(task(n) for n in range(200)))

    asyncio.run(main())
    rows = traced.rows()
    assert rows["SELECT $1::int * $2"]["calls"] == 200
    assert rows["SELECT $1::int"]["calls"] == 200


def test_async_server_cursor_and_cancellation(dsn: str, traced: Traced) -> None:
    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            async with conn.transaction(), conn.cursor(name="acur") as cur:
                await cur.execute("SELECT generate_series(1, 3)")
                assert [r[0] for r in await cur.fetchall()] == [1, 2, 3]
            query = asyncio.ensure_future(conn.execute("SELECT pg_sleep(10)"))
            await asyncio.sleep(0.3)
            query.cancel()
            with pytest.raises(asyncio.CancelledError):
                await query

    asyncio.run(main())
    rows = traced.rows()
    assert rows["SELECT generate_series($1, $2)"]["calls"] == 1
    assert rows["SELECT pg_sleep($1)"]["error_codes"] == [("CancelledError", 1)]
    (sleep,) = [s for s in traced.spans() if "pg_sleep" in str((s.attributes or {}).values())]
    assert sleep.status.status_code is StatusCode.ERROR


def test_uninstrument_restores_psycopg_exactly() -> None:
    before = {
        (cls, name): cls.__dict__[name]
        for cls in (psycopg.Cursor, psycopg.AsyncCursor)
        for name in ("execute", "executemany", "copy", "stream")
    }
    before[(psycopg.Connection, "connect")] = vars(psycopg.Connection)["connect"]
    # Every target, pipelines, server-side fetches and transaction blocks included.
    from pgotel.instrumentation.psycopg import _targets

    targets = [(owner, name) for owner, name, _ in _targets()]
    assert (psycopg.Transaction, "__exit__") in targets
    assert any(name == "_process_results" for _, name in targets)
    before.update({(owner, name): vars(owner)[name] for owner, name in targets})
    instrument_psycopg()
    assert all(vars(owner)[name] is not before[(owner, name)] for owner, name in targets)
    assert psycopg.Cursor.__dict__["execute"] is not before[(psycopg.Cursor, "execute")]
    assert psycopg.Cursor.execute.__wrapped__ is before[(psycopg.Cursor, "execute")]
    PsycopgInstrumentor().uninstrument()
    after = {key: key[0].__dict__[key[1]] for key in before}
    assert after == before
    assert "execute" not in vars(psycopg.ClientCursor)
    assert psycopg.connect == psycopg.Connection.connect
    assert "__wrapped__" not in vars(psycopg.Connection.connect.__func__)


class _BrokenTracerProvider(TracerProvider):
    """A real SDK provider whose tracers fail to start spans (an internal pgotel fault)."""

    def get_tracer(self, *args: Any, **kwargs: Any) -> Any:
        tracer = super().get_tracer(*args, **kwargs)

        def start_span(*a: Any, **k: Any) -> Any:
            raise RuntimeError("tracer broke")

        tracer.start_span = start_span  # type: ignore[method-assign]
        return tracer


def test_an_internal_failure_never_reaches_the_app(dsn: str) -> None:
    engine = Engine()
    PsycopgInstrumentor().instrument(
        tracer_provider=_BrokenTracerProvider(), engine=engine, settings=Settings.from_env({})
    )
    try:
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT 41 + 1").fetchone() == (42,)
    finally:
        PsycopgInstrumentor().uninstrument()
    # Three hooks failed (connect, the query, the COMMIT as the block ends); the app saw none.
    assert engine.stats()["internal_errors"] == 3


# The same session run plain and instrumented must look the same to the app.
def _session(dsn: str, table: str) -> list[Any]:
    seen: list[Any] = []
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute(f"SELECT id, title FROM {table} WHERE id <= %s ORDER BY id", (3,))
        seen += [type(cur).__name__, cur.rowcount, cur.statusmessage, cur.fetchall()]
        seen.append([d.name for d in cur.description or []])
        cur.executemany(f"UPDATE {table} SET title = %s WHERE id = %s", [("x", 1), ("y", 2)])
        seen += [cur.rowcount, cur.statusmessage, conn.info.transaction_status.name]
        try:
            conn.execute(f"INSERT INTO {table} VALUES (1, 'dup')")
        except psycopg.Error as exc:
            seen += [type(exc).__name__, exc.sqlstate, str(exc)]
        conn.rollback()
        seen += [sorted(m for m in dir(cur) if not m.startswith("__")), str(cur)[:20]]
        seen.append(conn.execute(f"SELECT count(*) FROM {table}").fetchone())
    return seen


def test_the_app_sees_the_same_results_either_way(dsn: str, books: str) -> None:
    plain = _session(dsn, books)
    t = instrument_psycopg()
    try:
        instrumented = _session(dsn, books)
    finally:
        PsycopgInstrumentor().uninstrument()
    assert instrumented == plain
    names = [s.name for s in t.spans()]
    statements = [f"SELECT {books}", f"UPDATE {books}", f"INSERT {books}", "ROLLBACK"]
    assert names == ["connect", *statements, f"SELECT {books}", "COMMIT"]


def test_no_extra_round_trips(dsn: str, books: str, conn: psycopg.Connection) -> None:
    loaded = conn.execute("SHOW shared_preload_libraries").fetchone()
    if loaded is None or "pg_stat_statements" not in loaded[0]:
        pytest.skip("this server does not preload pg_stat_statements")
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    marker = uuid.uuid4().hex[:8]
    counted: Callable[[], int] = lambda: conn.execute(  # noqa: E731
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE %s",
        (f"%{marker}%",),
    ).fetchone()[0]  # type: ignore[index]
    instrument_psycopg()
    try:
        with psycopg.connect(dsn) as other:
            for _ in range(5):
                other.execute(f"SELECT id AS m_{marker} FROM {books} WHERE id = %s", (1,))
    finally:
        PsycopgInstrumentor().uninstrument()
    assert counted() == 5


def test_with_the_contrib_instrumentation_too_there_is_one_span(dsn: str) -> None:
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor as ContribInstrumentor

    from pgotel.processor import AggregatingSpanProcessor

    t = instrument_psycopg()
    t.provider.add_span_processor(AggregatingSpanProcessor(t.engine))
    ContribInstrumentor().instrument(tracer_provider=t.provider)
    try:
        with psycopg.connect(dsn) as conn:
            for i in range(3):
                conn.cursor().execute("SELECT %s::int - 1", (i,))
    finally:
        ContribInstrumentor().uninstrument()
        PsycopgInstrumentor().uninstrument()
    spans = [s for s in t.spans() if "int - " in str((s.attributes or {}).values())]
    assert [s.instrumentation_scope.name for s in spans] == [
        "opentelemetry.instrumentation.psycopg"
    ] * 3
    # Counted once each: through the processor, from contrib's spans.
    assert t.rows()["SELECT $1::int - $2"]["calls"] == 3


def test_copy_from_and_to_are_one_span_each(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        with cur.copy(f"COPY {books} (id, title) FROM STDIN") as copy:
            for i in range(100, 150):
                copy.write_row((i, f"copied {i}"))
        assert cur.rowcount == 50
        out = bytearray()
        with cur.copy(f"COPY (SELECT id FROM {books} WHERE id >= 100) TO STDOUT") as copy:
            for chunk in copy:
                out += chunk
        assert len(out.splitlines()) == 50
    rows = traced.rows()
    copy_in = rows[f"COPY {books} (id, title) FROM STDIN"]
    assert (copy_in["calls"], copy_in["rows"]) == (1, 50)
    copy_out = rows[f"COPY (SELECT id FROM {books} WHERE id >= $1) TO STDOUT"]
    assert (copy_out["calls"], copy_out["rows"]) == (1, 50)
    spans = {s.name: s for s in traced.spans()}
    assert f"COPY {books}" in spans
    assert (spans[f"COPY {books}"].attributes or {})["db.response.returned_rows"] == 50


def test_a_failed_copy_keeps_its_error(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        with (
            pytest.raises(psycopg.errors.UniqueViolation),
            conn.cursor().copy(f"COPY {books} (id, title) FROM STDIN") as copy,
        ):
            copy.write_row((1, "duplicate"))
        conn.rollback()
    assert traced.rows()[f"COPY {books} (id, title) FROM STDIN"]["error_codes"] == [("23505", 1)]


def test_async_copy_and_stream(dsn: str, books: str, traced: Traced) -> None:
    async def main() -> list[int]:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            cur = conn.cursor()
            async with cur.copy(f"COPY {books} (id, title) FROM STDIN") as copy:
                await copy.write_row((200, "async"))
            return [row[0] async for row in cur.stream(f"SELECT id FROM {books} ORDER BY id")]

    assert asyncio.run(main()) == [1, 2, 3, 4, 5, 200]
    rows = traced.rows()
    assert rows[f"COPY {books} (id, title) FROM STDIN"]["calls"] == 1
    assert rows[f"SELECT id FROM {books} ORDER BY id"]["rows"] == 6


def test_a_stream_stopped_early_is_not_an_error(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        for row in conn.cursor().stream(f"SELECT id FROM {books} ORDER BY id"):
            if row[0] == 2:
                break
        complete = list(conn.cursor().stream(f"SELECT title FROM {books}"))
    assert len(complete) == 5
    early = traced.rows()[f"SELECT id FROM {books} ORDER BY id"]
    assert (early["calls"], early["errors"], early["rows"]) == (1, 0, 2)
    assert traced.rows()[f"SELECT title FROM {books}"]["rows"] == 5


def test_connect_commit_and_rollback_spans(dsn: str, books: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(f"UPDATE {books} SET title = 'a' WHERE id = 1")
        conn.commit()
        conn.execute(f"UPDATE {books} SET title = 'b' WHERE id = 1")
        conn.rollback()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect("host=/nonexistent-dir port=1 connect_timeout=2")
    spans = traced.spans()
    connects = [s for s in spans if s.name == "connect"]
    assert len(connects) == 2
    ok, failed = connects
    assert (ok.attributes or {})["db.system.name"] == "postgresql"
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "OperationalError"
    rows = traced.rows()
    # The explicit commit only: after the rollback the connection is idle, and the commit
    # as the block ends sends nothing, so nothing is recorded.
    assert rows["COMMIT"]["calls"] == 1
    assert rows["ROLLBACK"]["calls"] == 1


def test_statement_timeout_is_counted_with_its_sqlstate(dsn: str, traced: Traced) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '50ms'")
        with pytest.raises(psycopg.errors.QueryCanceled) as info:
            conn.execute("SELECT pg_sleep(1)")
    assert info.value.sqlstate == "57014"
    assert traced.rows()["SELECT pg_sleep($1)"]["error_codes"] == [("57014", 1)]


def test_a_server_restart_mid_run_is_counted_and_the_app_recovers(traced: Traced) -> None:
    from pgotel import devdb

    with devdb.start() as server:
        conn = psycopg.connect(server.dsn, autocommit=True)
        conn.execute("SELECT 1")
        # Terminate every other backend, as a restart or failover would.
        with psycopg.connect(server.dsn, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        with pytest.raises(psycopg.OperationalError) as lost:
            conn.execute("SELECT 1")
        assert conn.closed or conn.broken
        with psycopg.connect(server.dsn, autocommit=True) as again:
            assert again.execute("SELECT 2").fetchone() == (2,)
    codes = dict(traced.rows()["SELECT $1"]["error_codes"])
    expected = lost.value.sqlstate or type(lost.value).__name__
    assert codes == {expected: 1}
    assert traced.rows()["SELECT $1"]["calls"] == 3


def test_instrument_connection_covers_one_connection_only(dsn: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    engine = Engine()
    with psycopg.connect(dsn) as mine, psycopg.connect(dsn) as other:
        factory = mine.cursor_factory
        PsycopgInstrumentor.instrument_connection(
            mine, tracer_provider=provider, engine=engine, settings_=Settings.from_env({})
        )
        assert issubclass(mine.cursor_factory, factory)
        assert mine.execute("SELECT %s::int", (1,)).fetchone() == (1,)
        mine.cursor().executemany("SELECT %s::int", [(1,), (2,)])
        other.execute("SELECT %s::int", (2,))
        PsycopgInstrumentor.uninstrument_connection(mine)
        assert mine.cursor_factory is factory
        mine.execute("SELECT %s::int", (3,))
    rows = {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows()}
    assert rows["SELECT $1::int"]["calls"] == 2  # execute + executemany, on `mine` only
    assert [s.name for s in exporter.get_finished_spans()] == ["SELECT", "SELECT"]


def test_instrument_connection_async(dsn: str) -> None:
    engine = Engine()

    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            PsycopgInstrumentor.instrument_connection(
                conn, engine=engine, settings_=Settings.from_env({})
            )
            cur = await conn.execute("SELECT %s::int + 1", (1,))
            assert await cur.fetchone() == (2,)

    asyncio.run(main())
    rows = {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows()}
    assert rows["SELECT $1::int + $2"]["calls"] == 1


def test_instrument_connection_adds_nothing_when_psycopg_is_instrumented(
    dsn: str, traced: Traced
) -> None:
    with psycopg.connect(dsn) as conn:
        factory = conn.cursor_factory
        PsycopgInstrumentor.instrument_connection(conn, engine=traced.engine)
        assert conn.cursor_factory is factory
        conn.execute("SELECT %s::int", (1,))
    assert len([s for s in traced.spans() if s.name == "SELECT"]) == 1


def test_commits_that_send_nothing_are_not_recorded(dsn: str, traced: Traced) -> None:
    # Found by review: idle and autocommit commits were counted though psycopg sent nothing.
    from psycopg_pool import ConnectionPool

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT 1")
        conn.commit()
    with psycopg.connect(dsn) as conn:
        conn.commit()  # idle: no transaction open
    with ConnectionPool(dsn, min_size=1, max_size=1, kwargs={"autocommit": True}) as pool:
        for _ in range(3):
            with pool.connection() as pooled:
                pooled.execute("SELECT 2")
    assert "COMMIT" not in traced.rows()
    assert not [s for s in traced.spans() if s.name == "COMMIT"]


def test_with_contrib_a_failure_keeps_its_sqlstate_sampled_or_not(dsn: str) -> None:
    # Found by review: contrib's spans carry no SQLSTATE, so sampled failures got a class name.
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor as ContribInstrumentor

    from pgotel.processor import AggregatingSpanProcessor

    t = instrument_psycopg()
    t.provider.add_span_processor(AggregatingSpanProcessor(t.engine))
    ContribInstrumentor().instrument(tracer_provider=t.provider)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for _ in range(3):
                with pytest.raises(psycopg.errors.DivisionByZero):
                    conn.cursor().execute("SELECT 1 / %s::int", (0,))
    finally:
        ContribInstrumentor().uninstrument()
        PsycopgInstrumentor().uninstrument()
    assert t.rows()["SELECT $1 / $2::int"]["error_codes"] == [("22012", 3)]


def test_a_current_orm_span_around_a_statement_is_not_counted_twice(dsn: str) -> None:
    # Found by review: an ORM's database span and pgotel's hook both counted the statement.
    from pgotel.processor import AggregatingSpanProcessor

    for sampler in (ALWAYS_ON, ALWAYS_OFF):
        t = instrument_psycopg(sampler)
        t.provider.add_span_processor(AggregatingSpanProcessor(t.engine))
        orm = t.provider.get_tracer("some.orm.instrumentation")
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                for i in range(5):
                    with orm.start_as_current_span("query") as span:
                        span.set_attribute("db.system.name", "postgresql")
                        span.set_attribute("db.query.text", "SELECT %s::int + 10")
                        conn.execute("SELECT %s::int + 10", (i,))
        finally:
            PsycopgInstrumentor().uninstrument()
        assert t.rows()["SELECT $1::int + $2"]["calls"] == 5


def test_captured_parameters_are_cut_while_rendered() -> None:
    # Found by review: repr() of a huge value was built in full before the cut.
    from pgotel.instrumentation.psycopg import MAX_PARAMETER_CHARS, _parameters

    huge = b"x" * 50_000_000
    attrs = _parameters((huge, "short", list(range(10_000))))
    assert len(attrs["db.query.parameter.0"]) <= MAX_PARAMETER_CHARS
    assert attrs["db.query.parameter.1"] == "'short'"
    assert len(attrs["db.query.parameter.2"]) <= MAX_PARAMETER_CHARS


def test_arguments_reach_psycopg_exactly_as_given(dsn: str) -> None:
    def outcomes() -> list[str]:
        seen = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            cur = conn.cursor()
            for call in (
                lambda: cur.executemany("SELECT %s::int"),  # no params_seq: psycopg's TypeError
                lambda: cur.execute(query="SELECT %(x)s::int", params={"x": 4}),
                lambda: cur.execute("SELECT 5", prepare=False),
            ):
                try:
                    call()
                    seen.append(repr(cur.fetchall()) if cur.description else "ok")
                except TypeError as exc:
                    seen.append(f"TypeError: {exc}")
        return seen

    plain = outcomes()
    instrument_psycopg()
    try:
        assert outcomes() == plain
    finally:
        PsycopgInstrumentor().uninstrument()
    assert plain[0].startswith("TypeError") and plain[1:] == ["[(4,)]", "[(5,)]"]


class _SelectsOnly(Sampler):
    """A sampler that decides by the span's attributes: pgotel must always ask it."""

    def should_sample(
        self, parent_context: Any, trace_id: int, name: str, *args: Any, **kwargs: Any
    ) -> Any:
        from opentelemetry.sdk.trace.sampling import Decision, SamplingResult

        attributes = kwargs.get("attributes") or (args[1] if len(args) > 1 else None) or {}
        keep = attributes.get("db.operation.name") == "SELECT"
        return SamplingResult(Decision.RECORD_AND_SAMPLE if keep else Decision.DROP)

    def get_description(self) -> str:
        return "SelectsOnly"


def test_unsampled_spans_are_skipped_only_when_the_sampler_would_drop_them(dsn: str) -> None:
    # pgotel skips the SDK for a span its sampler is known to drop (ALWAYS_OFF, or
    # ParentBased under an unsampled parent); any other sampler is asked every time.
    from opentelemetry.sdk.trace.sampling import ParentBased

    unsampled_parent = TracerProvider(sampler=ALWAYS_OFF).get_tracer("app")
    cases = [
        (ParentBased(ALWAYS_ON), 0),  # the default: children of an unsampled parent dropped
        (ParentBased(ALWAYS_ON, local_parent_not_sampled=ALWAYS_ON), 4),
        (_SelectsOnly(), 2),
    ]
    for sampler, spans in cases:
        t = instrument_psycopg(sampler)
        try:
            with (
                psycopg.connect(dsn, autocommit=True) as conn,
                unsampled_parent.start_as_current_span("request"),
            ):
                for i in range(2):
                    conn.execute("SELECT %s::int * 3", (i,))
                    conn.execute("VALUES (%s::int)", (i,))
        finally:
            PsycopgInstrumentor().uninstrument()
        assert len([s for s in t.spans() if s.name != "connect"]) == spans, sampler
        assert t.rows()["SELECT $1::int * $2"]["calls"] == 2
        assert t.rows()["VALUES ($1::int)"]["calls"] == 2


def test_sqlalchemy_spans_around_statements_are_not_counted_twice(dsn: str) -> None:
    # Found in review: SQLAlchemy's span is never current, so it was counted again when sampled.
    import sqlalchemy
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    from pgotel.processor import AggregatingSpanProcessor

    engine = sqlalchemy.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        for sampler in (ALWAYS_ON, ALWAYS_OFF):
            t = instrument_psycopg(sampler)
            t.provider.add_span_processor(AggregatingSpanProcessor(t.engine))
            SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=t.provider)
            try:
                with engine.connect() as conn:
                    for i in range(5):
                        conn.execute(sqlalchemy.text("SELECT :x + 20"), {"x": i}).all()
                    with pytest.raises(sqlalchemy.exc.DBAPIError):
                        conn.execute(sqlalchemy.text("SELECT 1 / :x"), {"x": 0})
            finally:
                SQLAlchemyInstrumentor().uninstrument()
                PsycopgInstrumentor().uninstrument()
            rows = t.rows()
            assert rows["SELECT $1 + $2"]["calls"] == 5, sampler
            assert rows["SELECT $1 / $2"]["error_codes"] == [("22012", 1)], sampler
            if sampler is ALWAYS_ON:  # SQLAlchemy's spans were there, and skipped
                scopes = {s.instrumentation_scope.name for s in t.spans() if s.name != "connect"}
                assert "opentelemetry.instrumentation.sqlalchemy" in scopes
    finally:
        engine.dispose()


def test_a_broken_engine_still_ends_and_exports_each_span(dsn: str, traced: Traced) -> None:
    # Found by the hardening suite: when recording raised in the finish or fail hook, that
    # statement's span was never ended, so never exported.
    with psycopg.connect(dsn, autocommit=True) as conn:
        traced.engine._raise_next(2)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM no_such_table_here")
    spans = [s for s in traced.spans() if s.name != "connect"]
    assert [s.name for s in spans] == ["SELECT", "SELECT no_such_table_here"]
    assert all(s.end_time is not None for s in spans)
    assert traced.engine.stats()["internal_errors"] == 2
