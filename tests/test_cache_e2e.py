"""Caches under `opentelemetry-instrument` alone, in a real subprocess, read back by the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from pgotel.cli import cli
from pgotel.cli.options import EXIT_ONLY_STOPPED

APP = textwrap.dedent(
    """
    import asyncio, functools, sys
    import redis
    from strawberry.dataloader import DataLoader
    import pgotel.cache

    client = redis.Redis.from_url(sys.argv[1])
    client.set("user:1", "ann")
    for _ in range(4):
        client.get("user:1")
    client.get("user:2")

    @pgotel.cache.track(name="squares")
    @functools.lru_cache(maxsize=8)
    def square(x):
        return x * x

    for x in (1, 1, 1, 2):
        square(x)

    async def load_names(keys):
        return [str(k) for k in keys]

    async def main():
        loader = DataLoader(load_fn=load_names)
        await asyncio.gather(*(loader.load(k % 4) for k in range(20)))

    asyncio.run(main())
    client.close()
    print("done", flush=True)
    """
)


def test_the_launcher_loads_every_cache_hook_and_the_cli_shows_them(
    redis_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    env = {
        **os.environ,
        "OTEL_SERVICE_NAME": "cache-test",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "PGOTEL_STATE_DIR": str(state),
        "PGOTEL_REDIS_PREFIXES": "user:",
    }
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    out = subprocess.run(
        [str(launcher), sys.executable, "-c", APP, redis_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "done" in out.stdout
    result = CliRunner().invoke(
        cli, ["cache", "stats", "--state-dir", str(state), "--format", "json"]
    )
    assert result.exit_code == EXIT_ONLY_STOPPED, result.output  # the app has exited
    rows = {r["cache"]: r for r in json.loads(result.stdout)}
    assert (rows["user:"]["hits"], rows["user:"]["misses"], rows["user:"]["sets"]) == (4, 1, 1)
    # Read at exit, after the app's last call: counted, not timed.
    assert (rows["squares"]["hits"], rows["squares"]["misses"]) == (2, 2)
    assert rows["squares"]["size"] == 2
    loader = rows["load_names"]
    assert (loader["hits"], loader["misses"], loader["batches"], loader["keys_per_batch"]) == (
        16,
        4,
        1,
        4.0,
    )
