"""Pipeline mode, server-side cursors, transaction blocks and COPY bytes, on a real server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from tests.fix_traced import Traced


@pytest.fixture
def table(conn: psycopg.Connection) -> Iterator[str]:
    name = f"modes_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, note text)")
    yield name
    conn.execute(f"DROP TABLE IF EXISTS {name}")


def _by_text(spans: list[ReadableSpan]) -> dict[str, ReadableSpan]:
    return {str((s.attributes or {}).get("db.query.text")): s for s in spans}


# ---------------------------------------------------------------- pipeline mode


def test_pipeline_statements_end_when_their_results_arrive(
    dsn: str, table: str, traced: Traced
) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn, conn.pipeline() as pipeline:
        insert = conn.execute(f"INSERT INTO {table} VALUES (1, 'a') RETURNING id")
        slow = conn.execute("SELECT pg_sleep(0.2), 7")
        pipeline.sync()
        after_sync = traced.spans()
        assert insert.fetchone() == (1,)
        assert slow.fetchone() == ("", 7)
    spans = _by_text(after_sync)
    # Both ended at the sync, not when execute returned: the first waited for the second.
    first = spans[f"INSERT INTO {table} VALUES ($1, $2) RETURNING id"]
    second = spans["SELECT pg_sleep($1), $2"]
    assert first.end_time is not None and second.end_time is not None
    assert first.end_time - first.start_time >= 200_000_000
    assert (first.attributes or {})["db.response.returned_rows"] == 1
    rows = traced.rows()
    assert rows["SELECT pg_sleep($1), $2"]["min_ns"] >= 200_000_000
    assert rows[f"INSERT INTO {table} VALUES ($1, $2) RETURNING id"]["calls"] == 1


def test_a_pipeline_error_is_attributed_to_its_statement(
    dsn: str, table: str, traced: Traced
) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation), conn.pipeline():
            conn.execute(f"INSERT INTO {table} VALUES (1, 'a')")
            conn.execute(f"INSERT INTO {table} VALUES (1, 'again')")
            conn.execute("SELECT 3")
        with pytest.raises(psycopg.ProgrammingError), conn.pipeline():
            conn.execute("SELECT %s, %s", (1,))  # rejected by psycopg before it is queued
    rows = traced.rows()
    insert = rows[f"INSERT INTO {table} VALUES ($1, $2)"]
    assert (insert["calls"], insert["errors"], insert["error_codes"]) == (2, 1, [("23505", 1)])
    assert rows["SELECT $1"]["error_codes"] == [("PipelineAborted", 1)]
    assert rows["SELECT $1, $2"]["error_codes"] == [("ProgrammingError", 1)]
    failed = [s for s in traced.spans() if s.status.status_code is StatusCode.ERROR]
    assert sorted(str((s.attributes or {})["error.type"]) for s in failed) == [
        "23505",
        "PipelineAborted",
        "ProgrammingError",
    ]


def test_pipeline_executemany_and_transaction_blocks(dsn: str, table: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        with conn.pipeline(), conn.transaction():
            conn.cursor().executemany(
                f"INSERT INTO {table} VALUES (%s, %s)", [(i, "x") for i in range(10)]
            )
            counted = conn.execute(f"SELECT count(*) FROM {table}")
        assert counted.fetchone() == (10,)
    rows = traced.rows()
    assert rows[f"INSERT INTO {table} VALUES ($1, $2)"]["rows"] == 10
    assert rows[f"SELECT count(*) FROM {table}"]["calls"] == 1
    assert rows["COMMIT"]["calls"] == 1


def test_async_pipeline(dsn: str, table: str, traced: Traced) -> None:
    async def main() -> list[Any]:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            async with conn.pipeline() as pipeline:
                first = await conn.execute(f"INSERT INTO {table} VALUES (1, 'a') RETURNING id")
                second = await conn.execute("SELECT 1 / %s::int", (0,))
                with pytest.raises(psycopg.errors.DivisionByZero):
                    await pipeline.sync()
                third = await conn.execute("SELECT 2")
            assert second.pgresult is None  # psycopg keeps no result for a failed statement
            return [await first.fetchone(), await third.fetchone()]

    assert asyncio.run(main()) == [(1,), (2,)]
    rows = traced.rows()
    assert rows["SELECT $1 / $2::int"]["error_codes"] == [("22012", 1)]
    assert rows[f"INSERT INTO {table} VALUES ($1, $2) RETURNING id"]["rows"] == 1
    assert rows["SELECT $1"]["calls"] == 1


# ---------------------------------------------------------------- server-side cursors


def test_named_cursor_fetches_count_on_the_declared_query(dsn: str, traced: Traced) -> None:
    with psycopg.connect(dsn) as conn:
        with conn.cursor(name="batches") as cur:
            cur.itersize = 100
            cur.execute("SELECT generate_series(1, 250)")
            assert cur.fetchone() == (1,)
            assert len(cur.fetchmany(9)) == 9
            cur.scroll(0)
            assert sum(1 for _ in cur) == 240  # 100, 100 and 40: three more round trips
        conn.rollback()
    row = traced.rows()["SELECT generate_series($1, $2)"]
    assert (row["calls"], row["rows"], row["errors"]) == (1, 250, 0)
    (span,) = [s for s in traced.spans() if s.name == "SELECT"]
    attrs = span.attributes or {}
    assert (attrs["pgotel.fetches"], attrs["db.response.returned_rows"]) == (6, 250)


def test_a_failing_fetch_is_the_cursors_error(dsn: str, traced: Traced) -> None:
    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            async with conn.cursor(name="failing") as cur:
                await cur.execute("SELECT 10 / (3 - g) FROM generate_series(1, 5) g")
                assert await cur.fetchmany(2) == [(5,), (10,)]
                with pytest.raises(psycopg.errors.DivisionByZero):
                    await cur.fetchall()
            await conn.rollback()

    asyncio.run(main())
    row = traced.rows()["SELECT $1 / ($2 - g) FROM generate_series($3, $4) g"]
    assert (row["calls"], row["errors"], row["error_codes"]) == (1, 1, [("22012", 1)])


# ---------------------------------------------------------------- transaction blocks


def test_transaction_blocks_record_their_commit_and_savepoints(
    dsn: str, table: str, traced: Traced
) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(f"INSERT INTO {table} VALUES (1, 'kept')")
            with conn.transaction():
                conn.execute(f"INSERT INTO {table} VALUES (2, 'kept')")
            with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                conn.execute(f"INSERT INTO {table} VALUES (1, 'dup')")
        with conn.transaction(force_rollback=True):
            conn.execute(f"INSERT INTO {table} VALUES (3, 'gone')")
        ids = [r[0] for r in conn.execute(f"SELECT id FROM {table} ORDER BY id")]
    assert ids == [1, 2]
    rows = traced.rows()
    counts = {text: rows[text]["calls"] for text in rows if text.isupper()}
    assert counts == {
        "COMMIT": 1,
        "ROLLBACK": 1,
        "RELEASE SAVEPOINT": 1,
        "ROLLBACK TO SAVEPOINT": 1,
    }
    assert all(rows[text]["errors"] == 0 for text in counts)


def test_async_transaction_blocks(dsn: str, table: str, traced: Traced) -> None:
    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn:
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {table} VALUES (1, 'a')")
                async with conn.transaction():
                    await conn.execute(f"INSERT INTO {table} VALUES (2, 'b')")
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {table} VALUES (3, 'c')")
                raise_rollback = psycopg.Rollback()
                raise raise_rollback

    asyncio.run(main())
    rows = traced.rows()
    assert (rows["COMMIT"]["calls"], rows["ROLLBACK"]["calls"]) == (1, 1)
    assert rows["RELEASE SAVEPOINT"]["calls"] == 1


def test_a_commit_that_fails_is_recorded_as_failed(dsn: str, table: str, traced: Traced) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT one_note UNIQUE (note) DEFERRABLE "
            "INITIALLY DEFERRED"
        )
        with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
            conn.execute(f"INSERT INTO {table} VALUES (1, 'same'), (2, 'same')")
    assert traced.rows()["COMMIT"]["error_codes"] == [("23505", 1)]


def test_a_commit_or_rollback_psycopg_refuses_to_send_records_nothing(
    dsn: str, traced: Traced
) -> None:
    # Found by review: commit() and rollback() inside a transaction() block (or a two-phase
    # transaction) raise ProgrammingError before anything is sent, yet were recorded as a
    # failed COMMIT or ROLLBACK statement.
    with psycopg.connect(dsn) as conn, conn.transaction():
        conn.execute("SELECT 1")
        with pytest.raises(psycopg.ProgrammingError):
            conn.commit()
        with pytest.raises(psycopg.ProgrammingError):
            conn.rollback()
    rows = traced.rows()
    assert (rows["COMMIT"]["calls"], rows["COMMIT"]["errors"]) == (1, 0)  # the block's own
    assert "ROLLBACK" not in rows


# ---------------------------------------------------------------- COPY bytes


def test_copy_spans_count_the_bytes_moved(dsn: str, table: str, traced: Traced) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        with cur.copy(f"COPY {table} (id, note) FROM STDIN") as copy:
            for i in range(1000):
                copy.write_row((i, "n"))
        sent = sum(len(f"{i}\tn\n") for i in range(1000))
        received = 0
        with cur.copy(f"COPY {table} (id, note) TO STDOUT") as copy:
            for chunk in copy:
                received += len(chunk)

    async def main() -> None:
        aconn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
        async with aconn, aconn.cursor().copy(f"COPY {table} (id) FROM STDIN") as copy:
            await copy.write(b"5000\n5001\n")

    asyncio.run(main())
    copies = [s for s in traced.spans() if s.name == f"COPY {table}"]
    assert [(s.attributes or {})["pgotel.copy.bytes"] for s in copies] == [sent, sent, 10]
    assert received == sent


def test_a_named_cursor_is_recorded_when_executed_again_or_collected(
    dsn: str, traced: Traced
) -> None:
    import gc
    import warnings

    with psycopg.connect(dsn) as conn:
        cur = conn.cursor(name="reused")
        cur.execute("SELECT generate_series(1, 3)")
        assert len(cur.fetchall()) == 3
        cur.execute("SELECT generate_series(1, 4)")  # the first run ends here
        assert traced.rows()["SELECT generate_series($1, $2)"]["rows"] == 3
        assert len(cur.fetchall()) == 4
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # psycopg's: never closed
            del cur
            gc.collect()
        row = traced.rows()["SELECT generate_series($1, $2)"]
        assert (row["calls"], row["rows"]) == (2, 7)
        conn.rollback()


def test_a_connection_lost_in_a_pipeline_leaves_no_statement_open(dsn: str, traced: Traced) -> None:
    conn = psycopg.connect(dsn, autocommit=True)
    with pytest.raises(psycopg.OperationalError), conn.pipeline():
        conn.execute("SELECT 1")
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        conn.execute("SELECT 2, 3")
    conn.close()
    # Whether the first result arrives before the lost connection is noticed is timing: each
    # statement is recorded once either way, the one that ended the session as failed.
    rows = traced.rows()
    for text in ("SELECT $1", "SELECT pg_terminate_backend(pg_backend_pid())", "SELECT $1, $2"):
        assert rows[text]["calls"] == 1, text
    assert rows["SELECT pg_terminate_backend(pg_backend_pid())"]["errors"] == 1
    assert rows["SELECT $1, $2"]["errors"] == 1
    assert all(s.end_time is not None for s in traced.spans())
    assert len([s for s in traced.spans() if s.name == "SELECT"]) == 3
    assert traced.engine.stats()["internal_errors"] == 0


def test_instrument_connection_records_pipeline_statements_as_they_are_queued(dsn: str) -> None:
    # One connection instrumented alone: psycopg's pipeline results are not hooked, so a
    # statement in a pipeline is recorded when execute returns (never left open).
    from pgotel import Engine, merge_snapshots
    from pgotel.config import Settings

    engine = Engine()
    with psycopg.connect(dsn, autocommit=True) as conn:
        PsycopgInstrumentor.instrument_connection(
            conn, engine=engine, settings_=Settings.from_env({})
        )
        with conn.pipeline():
            conn.execute("SELECT %s::int - 7", (1,))
            conn.execute("SELECT %s::int - 7", (2,))
    rows = {r["text"]: r for r in merge_snapshots([engine.snapshot()]).rows()}
    assert rows["SELECT $1::int - $2"]["calls"] == 2


def test_a_cancelled_pipeline_sync_leaves_no_statement_open(dsn: str, traced: Traced) -> None:
    async def main() -> None:
        conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)

        async def work() -> None:
            async with conn.pipeline() as pipeline:
                await conn.execute("SELECT 1")
                await conn.execute("SELECT pg_sleep(5)")
                await pipeline.sync()

        task = asyncio.ensure_future(work())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await conn.close()

    asyncio.run(main())
    rows = traced.rows()
    assert rows["SELECT $1"]["calls"] == 1
    assert (rows["SELECT pg_sleep($1)"]["calls"], rows["SELECT pg_sleep($1)"]["errors"]) == (1, 1)
    assert [s.status.status_code for s in traced.spans() if s.name == "SELECT"] == [
        StatusCode.UNSET,
        StatusCode.ERROR,
    ]
    assert traced.engine.stats()["internal_errors"] == 0


def test_a_named_cursor_executed_again_and_again_holds_one_run(dsn: str, traced: Traced) -> None:
    # Found by review: each execute of a named cursor registered a finalizer holding its run
    # (call and span) until the cursor was collected: a long-lived cursor executed in a loop
    # held every run it ever made.
    import gc

    from pgotel.instrumentation.psycopg_server_cursor import _Run

    with psycopg.connect(dsn) as conn, conn.cursor(name="looped") as cur:
        for n in range(30):
            cur.execute("SELECT generate_series(1, %s)", (n + 1,))
            assert len(cur.fetchall()) == n + 1
        gc.collect()
        assert sum(isinstance(o, _Run) for o in gc.get_objects()) == 1
    row = traced.rows()["SELECT generate_series($1, $2)"]
    assert (row["calls"], row["rows"]) == (30, sum(range(1, 31)))
