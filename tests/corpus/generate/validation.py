"""PostgreSQL's verdict on generated statements, from a throwaway server with the corpus schema."""

from __future__ import annotations

import contextlib

import psycopg
from benches.fingerprint_corpus import QueryIdOracle

from pgotel import devdb

TWINS_BEGIN = "-- numeric-suffix twins (generated near misses rename a table: users -> users2)\n"


def _quoted(name: str) -> str:
    return name if name.islower() and name.isidentifier() else f'"{name}"'


def handwritten_schema(schema: str) -> str:
    """The schema without its generated section of twin tables."""
    return schema[: schema.index(TWINS_BEGIN)] if TWINS_BEGIN in schema else schema


class Validator(QueryIdOracle):
    """Whether PostgreSQL gives a statement a query id, on the schema without its twin tables.

    A near miss may rename a table (users -> users2); `twin` creates that table on the server
    as a copy of the original, and `twins_sql` gives the schema section that creates them all.
    """

    def __init__(self, schema: str) -> None:
        # Not QueryIdOracle.__init__: that loads schema.sql with its twin tables, and the
        # generator must start without them to learn which twins its near misses need.
        self._server = devdb.start()
        self._admin = psycopg.connect(self._server.dsn, autocommit=True, prepare_threshold=None)
        self._admin.execute(handwritten_schema(schema))
        self._admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        self._admin.execute("CREATE SCHEMA scratch")
        self._work = self._connect_work()
        self._baseline = {}
        self._valid: dict[str, bool] = {}
        self._twins: dict[str, str] = {}

    def valid(self, sql: str) -> bool:
        """Whether the server gives `sql` a query id (remembered: asked once per text)."""
        if sql not in self._valid:
            self._valid[sql] = self(sql) is not None
        return self._valid[sql]

    def twin(self, orig: str, new: str) -> None:
        """Create table `new` like `orig`, unless `new` exists or `orig` is not a table."""
        if new in self._twins:
            return
        with contextlib.suppress(psycopg.Error):
            found = self._admin.execute("SELECT to_regclass(%s)", [_quoted(new)]).fetchone()
            if found is not None and found[0] is not None:
                return
            self._admin.execute(f"CREATE TABLE {_quoted(new)} (LIKE {_quoted(orig)} INCLUDING ALL)")
            self._twins[new] = orig

    def twins_sql(self) -> str:
        """The schema section that creates every twin table made so far."""
        lines = [
            f"CREATE TABLE {_quoted(new)} (LIKE {_quoted(orig)} INCLUDING ALL);"
            for new, orig in sorted(self._twins.items())
        ]
        return TWINS_BEGIN + "\n".join(lines) + "\n"
