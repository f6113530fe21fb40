"""A tiny WSGI app for the worker churn test: one query per request, no pgotel import.

It answers with its pid, so the test knows which worker served each request.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

_conn: psycopg.Connection[Any] | None = None


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _conn
    if _conn is None:  # one connection per worker, opened after the fork
        _conn = psycopg.connect(os.environ["PGOTEL_CHURN_DSN"], autocommit=True)
    _conn.execute("SELECT %s::int + 1", (1,)).fetchone()
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
