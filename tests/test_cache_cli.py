"""`pgotel cache stats` and the health check's cache component, on real snapshots."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import pgotel.cache
from pgotel import Engine
from pgotel.cli import cli
from pgotel.exporters.local import prepare_state_dir, write_atomic
from pgotel.health import Status, Thresholds, check


def _write(directory: Path, engine: Engine) -> Path:
    prepare_state_dir(directory)
    write_atomic(directory / f"web-{os.getpid()}-{id(engine):x}.pgotel", engine.snapshot())
    return directory


def _engine() -> Engine:
    engine = Engine(service="books")
    for _ in range(90):
        pgotel.cache.record("user:", hit=True, duration_ns=40_000, engine=engine)
    for _ in range(10):
        pgotel.cache.record("user:", hit=False, duration_ns=900_000, engine=engine)
    pgotel.cache.count("books", hits=10, misses=190, sets=190, evictions=60, engine=engine)
    pgotel.cache.record_size("books", 128, engine=engine)
    engine.count_named("cache", "load_authors:hit", "hit", 20)
    engine.count_named("cache", "load_authors:miss", "miss", 20)
    for _ in range(2):
        engine.record_named("cache", "load_authors:batch", "batch", 3_000_000, None, 10)
    return engine


def _stats(directory: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli, ["cache", "stats", "--state-dir", str(directory), *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_stats_as_json_put_each_cache_back_together(tmp_path: Path) -> None:
    directory = _write(tmp_path / "state", _engine())
    rows = {r["cache"]: r for r in json.loads(_stats(directory, "--format", "json"))}
    assert list(rows) == ["books", "user:", "load_authors"]  # most lookups first
    user = rows["user:"]
    assert (user["lookups"], user["hits"], user["misses"], user["hit_ratio"]) == (100, 90, 10, 0.9)
    assert abs(user["hit_p50_ns"] - 40_000) <= 400 and abs(user["miss_p99_ns"] - 900_000) <= 9_000
    books = rows["books"]
    assert (books["hit_ratio"], books["sets"], books["evictions"], books["size"]) == (
        0.05,
        190,
        60,
        128,
    )
    assert books["hit_p50_ns"] is None  # counted, never timed
    loader = rows["load_authors"]
    assert (loader["source"], loader["batches"], loader["keys_per_batch"]) == ("dataloader", 2, 10)


def test_stats_as_a_table_and_csv(tmp_path: Path) -> None:
    directory = _write(tmp_path / "state", _engine())
    lines = _stats(directory, "--sort", "hit-ratio", "--wide").splitlines()
    assert lines[0].split()[:4] == ["CACHE", "SOURCE", "LOOKUPS", "HIT%"]
    assert lines[1].split()[:4] == ["books", "app", "200", "5.0%"]  # the worst ratio first
    assert "40µs" in lines[3] or "40µs" in lines[2]
    table: list[dict[str, Any]] = list(
        csv.DictReader(io.StringIO(_stats(directory, "--format", "csv")))
    )
    assert {r["cache"] for r in table} == {"books", "user:", "load_authors"}


def test_health_flags_a_cache_below_the_floor(tmp_path: Path) -> None:
    directory = _write(tmp_path / "state", _engine())
    health = check(directory)
    cache = next(c for c in health.components if c.name == "cache")
    assert cache.status is Status.DEGRADED
    assert any("cache books: 5.0% hits of 200 lookups" in r for r in cache.reasons)
    lenient = check(directory, thresholds=Thresholds(cache_hit_ratio=0.01))
    assert next(c for c in lenient.components if c.name == "cache").status is Status.HEALTHY
    # Too few lookups to judge: not degraded.
    few = check(directory, thresholds=Thresholds(cache_min_lookups=1000))
    assert next(c for c in few.components if c.name == "cache").status is Status.HEALTHY
    result = CliRunner().invoke(
        cli, ["health", "--state-dir", str(directory), "--cache-hit-ratio", "0.01"]
    )
    assert "cache     ok" in result.stdout
