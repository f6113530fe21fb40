"""A small WSGI service (Flask + strawberry over a psycopg pool), with no pgotel import.

The end-to-end tests run it under `opentelemetry-instrument` with env vars
alone; Flask's own OpenTelemetry instrumentation takes the W3C `traceparent`
of each request, so the GraphQL and database spans join the caller's trace.

    PGOTEL_DEMO_DSN=... opentelemetry-instrument python -m examples.flask_app
"""

from __future__ import annotations

import os

import strawberry
from flask import Flask
from psycopg_pool import ConnectionPool
from strawberry.flask.views import GraphQLView
from werkzeug.serving import make_server

POOL = ConnectionPool(
    os.environ.get("PGOTEL_DEMO_DSN", ""), min_size=1, max_size=4, name="flask", open=False
)


@strawberry.type
class Query:
    @strawberry.field
    def double(self, n: int) -> int:
        with POOL.connection() as conn:
            row = conn.execute("SELECT %s::int * 2", (n,)).fetchone()
        return int(row[0]) if row else 0

    @strawberry.field
    def broken(self) -> int:
        with POOL.connection() as conn:
            conn.execute("SELECT 1 / 0")  # division_by_zero, SQLSTATE 22012
        return 0


app = Flask(__name__)
app.add_url_rule(
    "/graphql", view_func=GraphQLView.as_view("graphql", schema=strawberry.Schema(Query))
)


def main() -> None:
    POOL.open(wait=True)
    server = make_server("127.0.0.1", int(os.environ.get("PORT", "0")), app, threaded=True)
    print(f"listening on {server.port}", flush=True)
    try:
        server.serve_forever()
    finally:
        POOL.close()


if __name__ == "__main__":
    main()
