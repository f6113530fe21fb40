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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pgotel.config import Settings
from pgotel.health import SCHEMA_VERSION, Status, check

logger = logging.getLogger("pgotel")


class HealthServer(ThreadingHTTPServer):
    """The HTTP server, knowing which state dir readiness is read from."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state_dir: Path) -> None:
        super().__init__(address, _Handler)
        self.state_dir = state_dir


class _Handler(BaseHTTPRequestHandler):
    server: HealthServer

    def do_GET(self) -> None:  # the name http.server calls
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            # Liveness: this thread answers, so the interpreter is not stuck.
            self._reply(200, {"status": "alive", "pid": os.getpid()})
        elif path == "/readyz":
            self._readiness()
        else:
            self._reply(404, {"error": f"no such endpoint {path}; use /healthz or /readyz"})

    def _readiness(self) -> None:
        try:
            health = check(self.server.state_dir)
        except Exception as exc:  # a probe gets an answer, never a dropped connection
            self._reply(503, {"status": "unhealthy", "error": f"{type(exc).__name__}: {exc}"})
            return
        code = 503 if health.status is Status.UNHEALTHY else 200
        self._reply(code, health.as_dict())

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
    return server
