"""SQL comments (sqlcommenter format): the format, and what they do to a real server."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from pgotel.instrumentation import sqlcomment
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from tests.fix_traced import instrument_psycopg


def test_keys_are_sorted_and_encoded_so_nothing_escapes() -> None:
    rendered = sqlcomment.render({"route": "/a*/b'c", "application": "books app"})
    assert rendered == "/*application='books%20app',route='%2Fa%2A%2Fb%27c'*/"
    assert rendered.count("*/") == 1 and rendered.endswith("*/")


def test_append_keeps_the_query_kind_and_escapes_percent() -> None:
    c = "/*k='a%2Fb'*/"
    assert sqlcomment.append("SELECT %s", c, escape_percent=True) == "SELECT %s /*k='a%%2Fb'*/"
    assert sqlcomment.append(b"SELECT 1", c, escape_percent=False) == b"SELECT 1 /*k='a%2Fb'*/"
    composed = sqlcomment.append(sql.SQL("SELECT 1"), c, escape_percent=False)
    assert isinstance(composed, sql.Composed)
    assert sqlcomment.has_comment("SELECT /*+ SeqScan(t) */ 1")
    assert not sqlcomment.has_comment(b"SELECT 1")


def _prepared_and_counted(dsn: str, mode: str) -> tuple[int, list[tuple[str, int]], str]:
    """Run one query ten times in `mode`; what the server prepared and counted."""
    marker = f"m_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        # Column aliases are not in the server's query id: start each run from zero.
        admin.execute("SELECT pg_stat_statements_reset()")
    t = instrument_psycopg(env={"PGOTEL_SQLCOMMENTER": mode, "OTEL_SERVICE_NAME": "books"})
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for i in range(10):
                conn.execute(f"SELECT %s::int AS {marker}", (i,))
            prepared = conn.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                (f"%{marker}%",),
            ).fetchone()
            counted = conn.execute(
                "SELECT query, calls FROM pg_stat_statements WHERE query LIKE %s",
                (f"%{marker}%",),
            ).fetchall()
    finally:
        PsycopgInstrumentor().uninstrument()
    spans = [s for s in t.spans() if marker in str((s.attributes or {}).values())]
    assert len(spans) == 10
    text = str((spans[0].attributes or {})["db.query.text"])
    return (prepared[0] if prepared else -1), counted, text


def test_service_comments_keep_prepare_and_grouping_trace_comments_do_not_prepare(
    dsn: str, conn: psycopg.Connection
) -> None:
    loaded = conn.execute("SHOW shared_preload_libraries").fetchone()
    if loaded is None or "pg_stat_statements" not in loaded[0]:
        pytest.skip("this server does not preload pg_stat_statements")
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    prepared, counted, text = _prepared_and_counted(dsn, "service")
    assert prepared == 1  # psycopg prepared it after its 5th run, as without a comment
    ((query, calls),) = counted
    assert calls == 10
    assert "application='books'" in query and "db_driver='psycopg%3A" in query
    assert "/*" not in text  # the span's text is the normalized statement, no comment

    prepared, counted, _ = _prepared_and_counted(dsn, "trace")
    assert prepared == 0  # every text differs: nothing is ever prepared
    ((query, calls),) = counted  # the server still groups them: comments are not in its query id
    assert calls == 10
    assert "traceparent='00-" in query


def test_existing_comments_raw_cursors_and_percent_signs(dsn: str) -> None:
    t = instrument_psycopg(env={"PGOTEL_SQLCOMMENTER": "service"})
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert conn.execute("SELECT /* mine */ %s::text LIKE 'a%%'", ("abc",)).fetchone() == (
                True,
            )
            assert conn.execute("SELECT 'a%' LIKE 'a%'").fetchone() == (True,)
            raw = psycopg.RawCursor(conn)
            assert raw.execute("SELECT $1::text || '%'", ("x",)).fetchone() == ("x%",)
            assert psycopg.ClientCursor(conn).execute("SELECT %s::int", (7,)).fetchone() == (7,)
            composed = sql.SQL("SELECT {}::int, current_query()").format(sql.Literal(8))
            value, seen_by_server = conn.execute(composed).fetchone() or (None, "")
    finally:
        PsycopgInstrumentor().uninstrument()
    assert value == 8 and "application=" in seen_by_server
    assert len([s for s in t.spans() if s.name == "SELECT"]) == 5
    assert t.engine.stats()["internal_errors"] == 0


def test_huge_texts_are_commented_but_not_cached() -> None:
    # Found by review: the cache was bounded in count only, pinning huge texts.
    from opentelemetry.sdk.trace import TracerProvider

    from pgotel import Engine
    from pgotel.config import Settings
    from pgotel.instrumentation.psycopg import MAX_CACHED_COMMENT_TEXT, _Hooks

    hooks = _Hooks(
        TracerProvider().get_tracer("t"),
        Engine(),
        Settings.from_env({"PGOTEL_SQLCOMMENTER": "service"}),
    )
    big = "SELECT 1 " + "x" * (MAX_CACHED_COMMENT_TEXT + 1)
    sent = hooks.commented(object(), big, False, None)
    assert sent.startswith(big) and "application=" in sent
    small = hooks.commented(object(), "SELECT 2", False, None)
    assert "application=" in small
    assert [k[0] for k in hooks._commented_texts] == ["SELECT 2"]
