"""A steady load for minutes: memory, open files and threads must stay flat.

One process runs pgotel as an app would (`pgotel.configure`: the local
exporter writing every second, OTLP spans and metrics to the tests' receiver)
and sends a steady rate of statements of 200 shapes through the psycopg
instrumentation. Every 30 s it prints its resident memory, open file
descriptors and threads; at the end, the growth of each from the first
minute to the last. Outside CI:

    python -m benches.bench_soak [minutes, default 10] [statements per second, default 500]
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time

import psycopg
from tests.otlp_receiver import Receiver

from benches.timing import rss_mb
from pgotel.devdb import start


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def run(minutes: float = 10.0, rate: float = 500.0) -> None:
    receiver = Receiver(keep=False).start()
    state = tempfile.mkdtemp(prefix="pgotel-soak-")
    os.environ.update(
        {
            "OTEL_SERVICE_NAME": "soak",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_METRIC_EXPORT_INTERVAL": "5000",
            "PGOTEL_STATE_DIR": state,
            "PGOTEL_SNAPSHOT_INTERVAL": "1",
        }
    )
    import pgotel

    pgotel.configure()
    samples: list[tuple[float, float, int, int]] = []
    sent = 0
    with start() as server, psycopg.connect(server.dsn, autocommit=True) as conn:
        began = time.monotonic()
        end = began + minutes * 60
        next_sample = began
        while time.monotonic() < end:
            conn.execute(f"SELECT {sent % 200} AS shape_{sent % 200}, %s::int", (sent,))
            sent += 1
            now = time.monotonic()
            if now >= next_sample:
                samples.append((now - began, rss_mb(), _fds(), threading.active_count()))
                t, rss, fds, threads = samples[-1]
                print(
                    f"  {t:6.0f}s  {sent:>10,} statements  RSS {rss:7.1f} MB  "
                    f"fds {fds:4}  threads {threads:3}",
                    flush=True,
                )
                next_sample += 30
            time.sleep(max(0.0, began + sent / rate - time.monotonic()))
    first = [s for s in samples if s[0] >= 60][:1] or samples[:1]
    last = samples[-1]
    print(
        f"  growth from {first[0][0]:.0f}s to {last[0]:.0f}s: RSS {last[1] - first[0][1]:+.1f} MB, "
        f"fds {last[2] - first[0][2]:+d}, threads {last[3] - first[0][3]:+d}; "
        f"spans received {receiver.spans_received:,}"
    )
    pgotel.shutdown()
    receiver.stop()


if __name__ == "__main__":
    run(*(float(a) for a in sys.argv[1:3]))
