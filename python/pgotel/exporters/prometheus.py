"""Opt-in Prometheus exposition of the engine's series, on loopback by default.

With `PGOTEL_PROMETHEUS_PORT` set, a daemon thread serves `GET /metrics` in
the Prometheus text format. Several worker processes of one service share a
port: the first to bind it serves, and it answers for all of them, merging
its own live engine with the snapshots the others wrote to the state dir
(at most a snapshot interval old). The others retry binding at every
snapshot interval, so the port moves on when the serving worker exits.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pgotel._native import Engine, Report, merge_snapshots
from pgotel.config import Settings
from pgotel.exporters import metrics

logger = logging.getLogger("pgotel")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNIT_SUFFIXES = {"s": "_seconds", "By": "_bytes"}


def metric_name(series: metrics.Series) -> str:
    """OpenTelemetry name to Prometheus name: dots to underscores, the unit as a suffix."""
    name = series.name.replace(".", "_").replace("-", "_")
    suffix = UNIT_SUFFIXES.get(series.unit, "")
    if suffix and not name.endswith(suffix):
        name += suffix
    return name


def _label_value(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(attrs: metrics.Attributes, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = [(k.replace(".", "_"), _label_value(v)) for k, v in attrs] + list(extra)
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


def exposition(series_list: list[metrics.Series]) -> str:
    """The text format (version 0.0.4) of `series_list`."""
    lines: list[str] = []
    for series in series_list:
        name = metric_name(series)
        help_text = series.description.replace("\\", "\\\\").replace("\n", " ")
        if series.histogram:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
            for attrs, point in series.histograms.items():
                running = 0
                bounds = [*series.bounds, math.inf]
                for bound, count in zip(bounds, point.bucket_counts, strict=True):
                    running += count
                    le = (("le", _number(bound)),)
                    lines.append(f"{name}_bucket{_labels(attrs, le)} {running}")
                lines.append(f"{name}_sum{_labels(attrs)} {_number(point.sum)}")
                lines.append(f"{name}_count{_labels(attrs)} {point.count}")
        else:
            lines += [f"# HELP {name}_total {help_text}", f"# TYPE {name}_total counter"]
            for attrs, value in series.counters.items():
                lines.append(f"{name}_total{_labels(attrs)} {value}")
    return "\n".join(lines) + "\n"


def current_report(engine: Engine, config: Settings) -> Report:
    """This process's live engine merged with the snapshots of the service's other processes."""
    from pgotel.state import read_state

    own = engine.snapshot()
    if not config.local_exporter:
        return merge_snapshots([own])
    return read_state(
        config.state_dir, service=config.service_name, skip_pid=os.getpid(), extra=[own]
    ).report


class PrometheusServer:
    """The `/metrics` endpoint; `start()` keeps trying to bind until it can."""

    def __init__(self, engine: Engine, config: Settings) -> None:
        self.engine = engine
        self.config = config
        self.server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()
        self.scrapes = 0
        #: Attempts to bind that found the port taken (by another worker, usually).
        self.bind_failures = 0

    def start(self) -> PrometheusServer:
        threading.Thread(target=self._run, name="pgotel-prometheus", daemon=True).start()
        os.register_at_fork(after_in_child=self._after_fork)
        return self

    def _after_fork(self) -> None:
        # The child has the listening socket but not the thread serving it: let go of the
        # port and, like any other worker, try to take it over should the parent go.
        server, self.server = self.server, None
        if server is not None:
            server.socket.close()
        if not self._stop.is_set():
            self._stop = threading.Event()
            self.bind_failures = 0
            threading.Thread(target=self._run, name="pgotel-prometheus", daemon=True).start()

    def _run(self) -> None:
        warned = False
        while not self._stop.is_set():
            try:
                server = ThreadingHTTPServer(
                    (self.config.prometheus_host, self.config.prometheus_port or 0), _handler(self)
                )
            except OSError as exc:
                self.bind_failures += 1
                if not warned:  # another worker serves; try again later
                    logger.info("pgotel: Prometheus port not bound (%s); will retry", exc)
                    warned = True
                self._stop.wait(self.config.snapshot_interval_s)
                continue
            server.daemon_threads = True
            self.server = server
            server.serve_forever(poll_interval=0.5)
            server.server_close()
            return

    def body(self) -> bytes:
        report = current_report(self.engine, self.config)
        return exposition(metrics.collect(report)).encode()

    def shutdown(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.shutdown()


def _handler(owner: PrometheusServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404, "only /metrics is served here")
                return
            try:
                body = owner.body()
                status = 200
            except Exception as exc:  # a scrape error, never a dead thread
                owner.engine.count_internal_error()
                body, status = f"pgotel: {exc}\n".encode(), 500
            owner.scrapes += 1
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def start(engine: Engine, config: Settings) -> PrometheusServer | None:
    """Start serving if `PGOTEL_PROMETHEUS_PORT` is set."""
    if not config.prometheus_port:
        return None
    return PrometheusServer(engine, config).start()
