"""`make demo`: a throwaway PostgreSQL, an app with no pgotel import run in two processes
under `opentelemetry-instrument`, then what `pgotel` says about it.

Traces go nowhere unless `OTLP=http://host:4317` is given to make (then to that
collector); the figures come from pgotel's own snapshots either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

import pgotel
from pgotel import devdb

SECONDS = float(os.environ.get("DEMO_SECONDS", "10"))
WORKERS = 2

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (
    id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors, title text NOT NULL, year int
);
CREATE INDEX ON books (author_id);
CREATE TABLE reviews (
    id serial PRIMARY KEY, book_id int NOT NULL REFERENCES books, reader text NOT NULL,
    stars int NOT NULL, UNIQUE (book_id, reader)
);
INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 1000) g;
INSERT INTO books SELECT g, 1 + g % 1000, 'book ' || g, 1900 + g % 125
    FROM generate_series(1, 50000) g;
ANALYZE;
"""


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def pgotel_cli(*args: str, state_dir: Path) -> None:
    print(f"\n$ pgotel {' '.join(args)}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pgotel", *args, "--state-dir", str(state_dir)], check=False
    )


def main() -> None:
    print(f"pgotel {pgotel.__version__} (native engine: {pgotel.build_profile} build)")
    started = time.perf_counter()
    with devdb.start() as server, tempfile.TemporaryDirectory(prefix="pgotel-demo-") as tmp:
        step(f"embedded PostgreSQL up in {time.perf_counter() - started:.1f}s; seeding")
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
        state_dir = Path(tmp) / "state"
        env = {
            **os.environ,
            "OTEL_SERVICE_NAME": "books-demo",
            "OTEL_TRACES_EXPORTER": "otlp" if os.environ.get("OTLP") else "none",
            "OTEL_METRICS_EXPORTER": "otlp" if os.environ.get("OTLP") else "none",
            "OTEL_LOGS_EXPORTER": "none",
            "PGOTEL_STATE_DIR": str(state_dir),
            "PGOTEL_SNAPSHOT_INTERVAL": "1",
        }
        if os.environ.get("OTLP"):
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = os.environ["OTLP"]
        launcher = str(Path(sys.executable).parent / "opentelemetry-instrument")
        step(f"{WORKERS} workers, opentelemetry-instrument, {SECONDS:.0f}s, no pgotel import")
        workers = [
            subprocess.Popen(
                [launcher, sys.executable, "-m", "examples.workload", server.dsn, str(SECONDS)],
                env=env,
            )
            for _ in range(WORKERS)
        ]
        time.sleep(SECONDS / 2)
        step("halfway: is it healthy? (exit code 0 healthy, 1 degraded, 2 unhealthy)")
        pgotel_cli("health", "--dsn", server.dsn, state_dir=state_dir)
        failed = [w.args for w in workers if w.wait(timeout=SECONDS + 60) != 0]
        if failed:
            sys.exit(f"a worker failed: {failed}")
        step("what pgotel saw, merged across the workers' snapshots")
        pgotel_cli("db", "top", "--limit", "6", state_dir=state_dir)
        pgotel_cli("db", "slow", "--limit", "5", state_dir=state_dir)
        pgotel_cli("db", "errors", state_dir=state_dir)
        pgotel_cli("db", "pool", state_dir=state_dir)
    step("server stopped and its files removed")


if __name__ == "__main__":
    main()
