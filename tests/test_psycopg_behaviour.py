"""One broad psycopg session, run plain and instrumented: the app must see exactly the same.

Every observation (results, row types, `rowcount`, `statusmessage`,
descriptions, transaction state, and each exception's class, SQLSTATE and
message) is collected in order; the instrumented runs (sampled, unsampled,
with service SQL comments) must produce the same list as the plain run, and
the server must have run the same number of statements.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler
from psycopg import sql
from psycopg.rows import class_row, dict_row, namedtuple_row

from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from tests.fix_traced import instrument_psycopg


@dataclass
class Book:
    id: int
    title: str


class Observer:
    """Collects what the app sees, step by step."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def outcome(self, label: str, value: Any) -> None:
        self.seen.append((label, _plain(value)))

    def error(self, label: str, exc: BaseException) -> None:
        sqlstate = getattr(exc, "sqlstate", None)
        self.seen.append(
            (label, ("raised", type(exc).__module__, type(exc).__name__, sqlstate, str(exc)))
        )

    def see(self, label: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except Exception as exc:
            self.error(label, exc)
            return None
        self.outcome(label, value)
        return value

    async def see_async(self, label: str, fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        try:
            value = await fn()
        except Exception as exc:
            self.error(label, exc)
            return None
        self.outcome(label, value)
        return value

    def cursor_state(self, label: str, cur: Any) -> None:
        description = [(d.name, d.type_code) for d in cur.description or []]
        self.seen.append(
            (label, (type(cur).__name__, cur.rowcount, cur.statusmessage, description))
        )


def _plain(value: Any) -> Any:
    """Values as comparable data: cursors and connections by their type, not identity."""
    if isinstance(value, (psycopg.Cursor, psycopg.AsyncCursor)):
        return ("cursor", type(value).__name__)
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [_plain(v) for v in value]]
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _sync_session(dsn: str, table: str, see: Observer) -> None:
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"DROP TABLE IF EXISTS {table}")
        admin.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, title text NOT NULL CHECK (title <> ''))"
        )
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        see.outcome("connection type", (type(conn).__name__, conn.cursor_factory.__name__))
        # Every parameter style.
        see.see("positional", lambda: cur.execute("SELECT %s::int, %s::text", (1, "a")).fetchall())
        see.see("named", lambda: cur.execute("SELECT %(x)s::int * 2", {"x": 21}).fetchone())
        see.see("binary format", lambda: cur.execute("SELECT %b::int", (5,)).fetchone())
        see.see("text format", lambda: cur.execute("SELECT %t::text", ("t",)).fetchone())
        see.see("no params, literal %", lambda: cur.execute("SELECT '100%'").fetchone())
        see.see("escaped %%", lambda: cur.execute("SELECT '5%%', %s::int", (5,)).fetchone())
        see.see("prepared", lambda: cur.execute("SELECT %s::int", (9,), prepare=True).fetchone())
        see.see("binary rows", lambda: cur.execute("SELECT 1.5::float8", binary=True).fetchone())
        see.see("bytes query", lambda: cur.execute(b"SELECT 'b'::text").fetchone())
        composed = sql.SQL("SELECT {} FROM {} WHERE false").format(
            sql.Identifier("id"), sql.Identifier(table)
        )
        see.see("composed", lambda: cur.execute(composed).fetchall())
        see.cursor_state("after composed", cur)
        see.see(
            "client cursor",
            lambda: psycopg.ClientCursor(conn).execute("SELECT %s", ("c",)).fetchone(),
        )
        see.see(
            "raw cursor", lambda: psycopg.RawCursor(conn).execute("SELECT $1::int", (3,)).fetchone()
        )
        see.see("connection execute", lambda: conn.execute("SELECT 'conn'").fetchone())
        # executemany, plain and returning.
        see.see(
            "executemany",
            lambda: cur.executemany(
                f"INSERT INTO {table} VALUES (%s, %s)", [(i, f"t{i}") for i in range(1, 6)]
            ),
        )
        see.cursor_state("after executemany", cur)
        cur.executemany(
            f"INSERT INTO {table} VALUES (%s, %s) RETURNING id, title",
            [(i, f"t{i}") for i in range(6, 9)],
            returning=True,
        )
        see.outcome("returning", [r.fetchone() for r in cur.results()])
        conn.commit()
        # Fetch variants and row factories.
        cur.execute(f"SELECT id, title FROM {table} ORDER BY id")
        see.cursor_state("select", cur)
        see.see("fetchone", cur.fetchone)
        see.see("fetchmany", lambda: cur.fetchmany(2))
        see.see("scroll", lambda: cur.scroll(-1))
        see.see("iterate", lambda: list(cur))
        see.see("fetch after end", cur.fetchall)
        for name, factory in (
            ("dict", dict_row),
            ("namedtuple", namedtuple_row),
            ("class", class_row(Book)),
        ):
            with conn.cursor(row_factory=factory) as rows:  # type: ignore[call-overload]
                rows.execute(f"SELECT id, title FROM {table} WHERE id <= %s ORDER BY id", (2,))
                see.see(f"{name} rows", lambda: [repr(r) for r in rows.fetchall()])
        # Errors of several SQLSTATE classes, each followed by a rollback.
        for label, statement in (
            ("unique violation", f"INSERT INTO {table} VALUES (1, 'dup')"),
            ("not null violation", f"INSERT INTO {table} VALUES (100, NULL)"),
            ("check violation", f"INSERT INTO {table} VALUES (101, '')"),
            ("syntax error", "SELEC 1"),
            ("undefined table", "SELECT * FROM no_such_table_here"),
            ("division by zero", "SELECT 1 / 0"),
            ("invalid text", "SELECT 'x'::int"),
        ):
            see.see(label, lambda statement=statement: conn.execute(statement))
            see.outcome(f"{label}: state", conn.info.transaction_status.name)
            conn.rollback()
        see.see("too few params", lambda: cur.execute("SELECT %s, %s", (1,)))
        see.see("executemany without params", lambda: cur.executemany("SELECT 1"))  # type: ignore[call-arg]
        conn.execute("SET statement_timeout = '50ms'")
        see.see("statement timeout", lambda: conn.execute("SELECT pg_sleep(1)"))
        conn.rollback()
        # COPY both ways, and a failing one.
        with cur.copy(f"COPY {table} (id, title) FROM STDIN") as copy:
            for i in range(20, 25):
                copy.write_row((i, f"c{i}"))
        see.cursor_state("copy in", cur)
        with cur.copy(
            f"COPY (SELECT id FROM {table} WHERE id >= 20 ORDER BY id) TO STDOUT"
        ) as copy:
            see.outcome("copy out rows", list(copy.rows()))
        see.cursor_state("copy out", cur)

        def failing_copy() -> None:
            with cur.copy(f"COPY {table} (id, title) FROM STDIN") as copy:
                copy.write_row((1, "dup"))

        see.see("copy error", failing_copy)
        conn.rollback()
        # stream, complete and stopped early.
        see.see("stream", lambda: list(cur.stream(f"SELECT id FROM {table} ORDER BY id")))
        for row in cur.stream("SELECT generate_series(1, 10)"):
            if row[0] == 3:
                break
        see.outcome("after early stop", conn.info.transaction_status.name)
        conn.commit()
        # Pipeline mode, with an error inside.
        with conn.pipeline() as pipeline:
            first = conn.execute(f"SELECT count(*) FROM {table}")
            second = conn.execute("SELECT %s::int + 1", (41,))
            pipeline.sync()
            see.see("pipeline results", lambda: [first.fetchone(), second.fetchone()])
        try:
            with conn.pipeline():
                conn.execute(f"INSERT INTO {table} VALUES (1, 'dup')")
                conn.execute("SELECT 2")
        except psycopg.Error as exc:
            see.error("pipeline error", exc)
        conn.rollback()
        # Named cursors, every way of fetching.
        with conn.transaction():
            with conn.cursor(name="named_one", scrollable=True) as named:
                named.itersize = 2
                named.execute(f"SELECT id FROM {table} ORDER BY id")
                see.cursor_state("declared", named)
                see.see("named fetchone", named.fetchone)
                see.see("named fetchmany", lambda: named.fetchmany(3))
                see.see("named scroll", lambda: named.scroll(1))
                see.see("named iterate", lambda: [r[0] for r in named])
                see.see("named fetchall", named.fetchall)
                see.see("named rownumber", lambda: named.rownumber)
            with conn.cursor(name="named_bad") as bad:
                see.see(
                    "named error",
                    lambda: bad.execute(
                        "SELECT 1 / (2 - g) FROM generate_series(1, 3) g"
                    ).fetchall(),
                )
            see.outcome("in failed block", conn.info.transaction_status.name)
            raise_rollback = psycopg.Rollback()
            raise raise_rollback
        # Transactions: nested blocks, rollbacks, explicit commit.
        with conn.transaction() as outer:
            conn.execute(f"UPDATE {table} SET title = 'outer' WHERE id = 1")
            with conn.transaction(savepoint_name="inner_sp") as inner:
                conn.execute(f"UPDATE {table} SET title = 'inner' WHERE id = 2")
            see.outcome("inner status", inner.status.name)
            try:
                with conn.transaction():
                    conn.execute(f"INSERT INTO {table} VALUES (2, 'dup')")
            except psycopg.Error as exc:
                see.error("nested failure", exc)
        see.outcome("outer status", outer.status.name)
        with conn.transaction(force_rollback=True):
            conn.execute(f"DELETE FROM {table}")
        conn.execute(f"UPDATE {table} SET title = 'explicit' WHERE id = 3")
        conn.commit()
        see.see(
            "final table",
            lambda: conn.execute(f"SELECT id, title FROM {table} ORDER BY id").fetchall(),
        )
        see.outcome("final state", conn.info.transaction_status.name)


async def _async_session(dsn: str, table: str, see: Observer) -> None:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = conn.cursor()
        await see.see_async("async positional", lambda: _fetchall(cur, "SELECT %s::int", (1,)))
        await see.see_async(
            "async executemany",
            lambda: cur.executemany(
                f"INSERT INTO {table} VALUES (%s, %s)", [(200, "a"), (201, "b")]
            ),
        )
        see.cursor_state("async after executemany", cur)
        await see.see_async(
            "async unique", lambda: conn.execute(f"INSERT INTO {table} VALUES (200, 'x')")
        )
        await conn.rollback()
        async with conn.cursor(row_factory=dict_row) as rows:
            await rows.execute("SELECT 1 AS one")
            see.outcome("async dict", await rows.fetchall())
        async with cur.copy("COPY (SELECT generate_series(1, 3)) TO STDOUT") as copy:
            see.outcome("async copy", [bytes(chunk) async for chunk in copy])
        async with conn.pipeline() as pipeline:
            a = await conn.execute("SELECT 'p1'")
            b = await conn.execute("SELECT 1 / %s::int", (0,))
            try:
                await pipeline.sync()
            except psycopg.Error as exc:
                see.error("async pipeline error", exc)
            see.outcome("async pipeline ok", await a.fetchone())
            see.outcome("async failed result", b.pgresult is None)
        await conn.rollback()
        async with conn.transaction():
            async with conn.cursor(name="async_named") as named:
                await named.execute("SELECT generate_series(1, 5)")
                see.outcome(
                    "async named",
                    [await named.fetchone(), await named.fetchmany(2), await named.fetchall()],
                )
            async with conn.transaction():
                await conn.execute("SELECT 1")
        see.outcome("async final", conn.info.transaction_status.name)
        # Last: after a stream psycopg's own pipeline mode misreads results (plain or not).
        see.outcome("async stream", [r async for r in cur.stream("SELECT generate_series(1, 4)")])


async def _fetchall(cur: psycopg.AsyncCursor[Any], query: str, params: Any) -> Any:
    await cur.execute(query, params)
    return await cur.fetchall()


def _statements_run(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements"
        ).fetchone()
    return int(row[0]) if row else 0


def _run(dsn: str, table: str, stats: bool) -> tuple[list[tuple[str, Any]], int | None]:
    see = Observer()
    before = _statements_run(dsn) if stats else None
    _sync_session(dsn, table, see)
    asyncio.run(_async_session(dsn, table, see))
    after = _statements_run(dsn) if stats else None
    ran = after - before if before is not None and after is not None else None
    return see.seen, ran


def _without_comment(seen: Any) -> Any:
    if isinstance(seen, tuple) and seen and seen[0] == "raised":
        return (*seen[:4], re.sub(r" /\*application=[^\n]*", "", seen[4]))
    return seen


def _has_statement_stats(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        loaded = conn.execute("SHOW shared_preload_libraries").fetchone()
        if loaded is None or "pg_stat_statements" not in loaded[0]:
            return False
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return True


@pytest.mark.parametrize(
    ("sampler", "env"),
    [
        (ALWAYS_ON, {}),
        (ALWAYS_OFF, {}),
        (ALWAYS_ON, {"PGOTEL_SQLCOMMENTER": "service"}),
    ],
    ids=["sampled", "unsampled", "service-comments"],
)
def test_the_app_sees_the_same_either_way(dsn: str, sampler: Sampler, env: dict[str, str]) -> None:
    table = f"behaviour_{uuid.uuid4().hex[:10]}"
    stats = _has_statement_stats(dsn)
    try:
        plain, plain_ran = _run(dsn, table, stats)
        traced = instrument_psycopg(sampler, env)
        try:
            instrumented, instrumented_ran = _run(dsn, table, stats)
        finally:
            PsycopgInstrumentor().uninstrument()
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    assert len(plain) > 70
    if env.get("PGOTEL_SQLCOMMENTER"):
        # The one documented difference: a server message that quotes the statement
        # (a syntax error's LINE 1) quotes its comment too.
        instrumented = [(label, _without_comment(got)) for label, got in instrumented]
    for (label, want), (label_got, got) in zip(plain, instrumented, strict=True):
        assert (label_got, got) == (label, want)
    assert instrumented_ran == plain_ran  # no statement of pgotel's own
    # The session really was traced: every statement counted, errors included.
    rows = traced.rows()
    assert rows["SELEC $1"]["error_codes"] == [("42601", 1)]
    assert rows["COMMIT"]["calls"] >= 3
    assert traced.engine.stats()["internal_errors"] == 0
    if sampler is ALWAYS_ON:
        assert len(traced.spans()) > 50


def test_an_async_stream_closed_early_frees_its_connection_at_once(dsn: str) -> None:
    # Found by review: closing the instrumented async stream (aclosing, or an `async with`
    # around it) left psycopg's own stream generator unclosed until the event loop finalized
    # it: the connection stayed ACTIVE with its lock held, so a pool given it back discarded it.
    from contextlib import aclosing

    def state_after_early_close() -> list[Any]:
        async def main() -> list[Any]:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                cur = conn.cursor()
                async with aclosing(cur.stream("SELECT generate_series(1, 100000)")) as rows:
                    async for _row in rows:
                        break
                status, locked = conn.pgconn.transaction_status, conn.lock.locked()
                after = await (await conn.execute("SELECT 42")).fetchone()
                return [status, locked, after]

        return asyncio.run(main())

    plain = state_after_early_close()
    traced = instrument_psycopg()
    try:
        assert state_after_early_close() == plain == [0, False, (42,)]
    finally:
        PsycopgInstrumentor().uninstrument()
    assert traced.rows()["SELECT generate_series($1, $2)"]["calls"] == 1
