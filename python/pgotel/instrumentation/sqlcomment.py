"""SQL comments that tie a statement to its service or trace (the sqlcommenter format), opt-in.

`PGOTEL_SQLCOMMENTER=service` appends only keys that stay the same from one
call to the next (the application, the driver, the HTTP route), so the text
psycopg sends is stable: its automatic prepare and pg_stat_statements keep
working. `trace` adds the `traceparent` of the statement's span, which makes
every text unique: psycopg never prepares it, and the server parses and plans
every call. A statement that already holds a comment is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

MODES = ("off", "service", "trace")


def render(keys: Mapping[str, str]) -> str:
    """`/*k1='v1',k2='v2'*/`: keys sorted, keys and values URL-encoded (so no `*/`,
    quote or backslash can survive to end the comment or the value early)."""
    pairs = ",".join(
        f"{quote(key, safe='')}='{quote(value, safe='')}'" for key, value in sorted(keys.items())
    )
    return f"/*{pairs}*/"


def has_comment(query: str | bytes) -> bool:
    return ("/*" in query) if isinstance(query, str) else (b"/*" in query)


def append(query: Any, comment: str, escape_percent: bool) -> Any:
    """`query` with `comment` at its end, of the same kind (str, bytes or psycopg.sql).

    `escape_percent` doubles `%` for queries psycopg will format with parameters.
    """
    if escape_percent:
        comment = comment.replace("%", "%%")
    if isinstance(query, str):
        return f"{query} {comment}"
    if isinstance(query, bytes):
        return query + b" " + comment.encode()
    from psycopg import sql

    return sql.Composed([query, sql.SQL(" " + comment)])


def traceparent(trace_id: int, span_id: int, flags: int) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{flags & 0xFF:02x}"
