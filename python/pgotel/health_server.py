"""Opt-in health endpoints for the app: `/healthz` (liveness) and `/readyz` (readiness).

Off unless PGOTEL_HEALTH_PORT is set; then one daemon thread serves them on
127.0.0.1 (PGOTEL_HEALTH_HOST to bind elsewhere), so a Kubernetes httpGet
probe or a load balancer can ask the app itself. `/readyz` answers with the
model of `pgotel health` (`pgotel.health.check`) over the state dir: 200 when
healthy or degraded (the app still serves), 503 when unhealthy. A failure to
bind is logged and the app runs on without the endpoints.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pgotel.config import Settings
from pgotel.health import SCHEMA_VERSION, Status, check

logger = logging.getLogger("pgotel")


#: Readiness is read from the state dir at most once per this many seconds: probes
#: that come faster (or together) share one answer instead of each merging every snapshot.
READY_CACHE_S = 1.0


class HealthServer(ThreadingHTTPServer):
    """The HTTP server, knowing which state dir readiness is read from."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], state_dir: Path, cache_s: float = READY_CACHE_S
    ) -> None:
        super().__init__(address, _Handler)
        self.state_dir = state_dir
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._answer: tuple[float, int, dict[str, Any]] | None = None

    def readiness(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) of /readyz, read anew at most once per `cache_s`."""
        with self._lock:
            now = time.monotonic()
            if self._answer is None or now - self._answer[0] >= self.cache_s:
                self._answer = (now, *self._check())
            return self._answer[1], self._answer[2]

    def _check(self) -> tuple[int, dict[str, Any]]:
        try:
            health = check(self.state_dir)
        except Exception as exc:  # a probe gets an answer, never a dropped connection
            return 503, {"status": "unhealthy", "error": f"{type(exc).__name__}: {exc}"}
        return (503 if health.status is Status.UNHEALTHY else 200), health.as_dict()


class _Handler(BaseHTTPRequestHandler):
    server: HealthServer

    def do_GET(self) -> None:  # the name http.server calls
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            # Liveness: this thread answers, so the interpreter is not stuck.
            self._reply(200, {"status": "alive", "pid": os.getpid()})
        elif path == "/readyz":
            self._reply(*self.server.readiness())
        else:
            self._reply(404, {"error": f"no such endpoint {path}; use /healthz or /readyz"})

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps({**body, "schema_version": SCHEMA_VERSION}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the app's stderr is not ours to fill with one line per probe."""


def start(config: Settings) -> HealthServer | None:
    """Serve the endpoints on a daemon thread if configured; None when off or the bind failed."""
    if config.health_port is None:
        return None
    try:
        server = HealthServer((config.health_host, config.health_port), config.state_dir)
    except OSError as exc:
        # The app comes first: no endpoints, said loudly, and the app runs on.
        logger.error(
            "pgotel: health endpoints are off: cannot listen on %s:%s: %s",
            config.health_host,
            config.health_port,
            exc,
        )
        return None
    thread = threading.Thread(target=server.serve_forever, name="pgotel-health", daemon=True)
    thread.start()
    # A forked child has the listening socket but not the thread: let go of the port, which
    # the parent serves (the answer covers every process of the state dir either way).
    os.register_at_fork(after_in_child=server.socket.close)
    return server
