"""The example service under `opentelemetry-instrument`, loaded over HTTP, then read by the CLI.

One test runs examples/books_service.py (no pgotel import) against the test
database with a short load and a few deterministic requests; another runs
`make demo`'s script end to end in a shortened mode.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from examples import demo

from pgotel.cli import cli
from pgotel.cli.options import EXIT_ONLY_STOPPED

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _post(url: str, document: str) -> dict[str, object]:
    body = json.dumps({"query": document}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, object] = json.load(response)
        return result


def _cli(state: Path, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, [*args, "--state-dir", str(state), "--format", "json"])
    assert result.exit_code == EXIT_ONLY_STOPPED, result.output  # the service has stopped
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.fixture(scope="module")
def seeded(dsn: str) -> str:
    """The demo's tables and rows in the test database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS reviews, books, authors")
        conn.execute(demo.SCHEMA)
    return dsn


def _serve(app: str, dsn: str, state: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`app` on uvicorn under opentelemetry-instrument, configured by env vars alone."""
    port = demo.free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    env = {
        **os.environ,
        "OTEL_SERVICE_NAME": "books",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "PGOTEL_STATE_DIR": str(state),
        "PGOTEL_SNAPSHOT_INTERVAL": "0.5",
        "PGOTEL_SLOW_QUERY_MS": "5",
        "PGOTEL_DEMO_DSN": dsn,
    }
    service = subprocess.Popen(
        [
            str(BIN / "opentelemetry-instrument"),
            str(BIN / "uvicorn"),
            app,
            f"--port={port}",
            "--host=127.0.0.1",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        demo.wait_until_serving(url)
    except BaseException:
        service.kill()
        raise
    return service, url


def test_the_service_under_load_shows_its_slow_query_n_plus_one_and_error(
    seeded: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    service, url = _serve("examples.books_service:app", seeded, state)
    try:
        subprocess.run(
            [sys.executable, "-m", "examples.load", url, "3"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        review = 'mutation { addReview(bookId: 7, reader: "twice", stars: 5) }'
        assert _post(url, review) == {"data": {"addReview": True}}
        assert _post(url, review) == {"data": {"addReview": False}}  # the unique constraint
        _post(url, 'query Search { search(text: "42") }')
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)

    errors = _cli(state, "db", "errors")
    assert any(e["code"] == "23505" and "INSERT INTO reviews" in str(e["text"]) for e in errors)
    n_plus_one = _cli(state, "graphql", "n-plus-one")
    assert any(
        r["operation"] == "query Shelf" and r["text"] == "SELECT name FROM authors WHERE id = $1"
        for r in n_plus_one
    ), n_plus_one
    assert not any(r["operation"] == "query ShelfBatched" for r in n_plus_one)
    slow = _cli(state, "db", "slow", "--limit", "1000")
    assert any("WHERE title LIKE" in str(s["text"]) for s in slow)  # the unindexed search


def test_the_demo_script_runs_end_to_end_in_a_short_mode() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "examples.demo"],
        cwd=ROOT,
        env={**os.environ, "DEMO_SECONDS": "3"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for command in (
        "health",
        "graphql ops",
        "graphql n-plus-one",
        "db top",
        "db slow",
        "cache stats",
    ):
        assert f"$ pgotel {command}" in out.stdout
    assert "query Shelf" in out.stdout and "service, Redis and PostgreSQL stopped" in out.stdout


def test_the_ariadne_variant_is_instrumented_the_same_way(seeded: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    service, url = _serve("examples.books_ariadne:app", seeded, state)
    shelf = "query Shelf { books(offset: 0, limit: 12) { title author } }"
    try:
        books = _post(url, shelf)["data"]["books"]  # type: ignore[index]
        assert len(books) == 12 and books[0] == {"title": "book 1", "author": "author 2"}
        for _ in range(2):
            _post(url, shelf)
        assert _post(url, 'query Search { search(text: "999") }')["data"] == {"search": 280}
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)
    ops = {r["text"]: r for r in _cli(state, "graphql", "ops")}
    # Per operation: the page and 12 authors, each with the COMMIT its pool block ends with.
    assert ops["query Shelf"]["calls"] == 3 and ops["query Shelf"]["rows"] == 3 * 26
    (n_plus_one,) = _cli(state, "graphql", "n-plus-one")
    assert (n_plus_one["operation"], n_plus_one["resolver"]) == ("query Shelf", "Book.author")
    assert n_plus_one["calls"] == 3 and n_plus_one["rows"] == 36
