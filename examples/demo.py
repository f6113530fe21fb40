"""`make demo`: a GraphQL service over an embedded PostgreSQL, run under `opentelemetry-instrument`
with two worker processes and no pgotel import, under HTTP load; then what `pgotel` says.

Traces and metrics go nowhere unless `OTLP=http://host:4317` is given to make; the figures
come from pgotel's own per-process snapshots either way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

import pgotel
from pgotel import devdb, devredis

SECONDS = float(os.environ.get("DEMO_SECONDS", "20"))
WORKERS = 2

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (
    id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors, title text NOT NULL, year int
);
CREATE TABLE reviews (
    id serial PRIMARY KEY, book_id int NOT NULL REFERENCES books, reader text NOT NULL,
    stars int NOT NULL, UNIQUE (book_id, reader)
);
INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 5000) g;
INSERT INTO books SELECT g, 1 + g % 5000, 'book ' || g, 1900 + g % 125
    FROM generate_series(1, 100000) g;
ANALYZE;
"""


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def pgotel_cli(*args: str, state_dir: Path) -> None:
    print(f"\n$ pgotel {' '.join(args)}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pgotel", *args, "--state-dir", str(state_dir)], check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            body = b'{"query": "{ book(id: 1) { title } }"}'
            request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the service did not answer at {url} within {timeout_s:.0f}s")


def main() -> None:
    print(f"pgotel {pgotel.__version__} (native engine: {pgotel.build_profile} build)")
    started = time.perf_counter()
    with (
        devdb.start() as server,
        devredis.start() as cache,
        tempfile.TemporaryDirectory(prefix="pgotel-demo-") as tmp,
    ):
        step(
            f"embedded PostgreSQL up in {time.perf_counter() - started:.1f}s; seeding 100,000 books"
        )
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
        state_dir = Path(tmp) / "state"
        otlp = os.environ.get("OTLP")
        env = {
            **os.environ,
            "OTEL_SERVICE_NAME": "books",
            "OTEL_TRACES_EXPORTER": "otlp" if otlp else "none",
            "OTEL_METRICS_EXPORTER": "otlp" if otlp else "none",
            "OTEL_LOGS_EXPORTER": "none",
            "PGOTEL_STATE_DIR": str(state_dir),
            "PGOTEL_SNAPSHOT_INTERVAL": "1",
            "PGOTEL_DEMO_DSN": server.dsn,
            "PGOTEL_DEMO_REDIS_URL": cache.url,
            # Keys under this prefix are one cache in `pgotel cache stats`.
            "PGOTEL_REDIS_PREFIXES": "books:year:",
        }
        if otlp:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp
        port = free_port()
        url = f"http://127.0.0.1:{port}/graphql"
        bin_dir = Path(sys.executable).parent
        command = [
            str(bin_dir / "opentelemetry-instrument"),
            str(bin_dir / "uvicorn"),
            "examples.books_service:app",
            f"--port={port}",
            "--host=127.0.0.1",
            f"--workers={WORKERS}",
            "--log-level=warning",
        ]
        step(f"the service: {WORKERS} uvicorn workers, opentelemetry-instrument, no pgotel import")
        print("  $ " + " ".join(Path(c).name if "/" in c else c for c in command))
        service = subprocess.Popen(command, env=env)
        try:
            wait_until_serving(url)
            step(f"{SECONDS:.0f}s of GraphQL over HTTP")
            load = subprocess.Popen([sys.executable, "-m", "examples.load", url, str(SECONDS)])
            time.sleep(SECONDS * 0.6)
            step("under load: is it healthy? (exit code 0 healthy, 1 degraded, 2 unhealthy)")
            pgotel_cli("health", "--dsn", server.dsn, state_dir=state_dir)
            load.wait(timeout=SECONDS + 60)
        finally:
            service.send_signal(signal.SIGTERM)  # workers write their last snapshots
            service.wait(timeout=30)
        step("what pgotel saw, merged across the workers")
        pgotel_cli("graphql", "ops", state_dir=state_dir)
        pgotel_cli("graphql", "slow", "--limit", "3", state_dir=state_dir)
        pgotel_cli("graphql", "n-plus-one", state_dir=state_dir)
        pgotel_cli("db", "top", "--limit", "6", state_dir=state_dir)
        pgotel_cli("db", "slow", "--limit", "5", state_dir=state_dir)
        pgotel_cli("db", "errors", state_dir=state_dir)
        pgotel_cli("db", "pool", state_dir=state_dir)
        pgotel_cli("cache", "stats", state_dir=state_dir)
    step("service, Redis and PostgreSQL stopped, their files removed")


if __name__ == "__main__":
    main()
