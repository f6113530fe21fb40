"""A collector that is up, answers 503, never answers, then is up again, under steady load.

One app thread runs `SELECT 1` through pgotel's psycopg instrumentation, every
statement sampled, spans going to a real OTLP/HTTP exporter behind pgotel's
watched batch processor, to the OTLP receiver of the tests. Each phase
reports the app's per-statement latency (p50, p99, as a ratio to the first
phase), its resident memory, and what the exporter produced, exported,
failed and dropped.

    python -m benches.bench_outage [seconds per phase, default 10]
"""

from __future__ import annotations

import sys
import time

import psycopg
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from tests.otlp_receiver import Receiver

from benches.timing import rss_mb
from pgotel import Engine
from pgotel.config import Settings
from pgotel.devdb import start
from pgotel.exporters.watch import ExportHealth, WatchedBatchSpanProcessor
from pgotel.instrumentation.psycopg import PsycopgInstrumentor
from pgotel.processor import AggregatingSpanProcessor

PHASES = [("up", "ok"), ("503", "unavailable"), ("black hole", "blackhole"), ("up again", "ok")]


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000


def run(seconds: float = 10.0) -> None:
    receiver = Receiver(keep=False).start()  # counts only: RSS is the app's, not the receiver's
    engine = Engine()
    health = ExportHealth(engine, "spans")
    exporter = OTLPSpanExporter(endpoint=f"{receiver.http_endpoint}/v1/traces")
    processor = WatchedBatchSpanProcessor(exporter, health)
    provider = TracerProvider()
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    provider.add_span_processor(processor)
    PsycopgInstrumentor().instrument(
        tracer_provider=provider, engine=engine, settings=Settings.from_env({})
    )
    base_p99 = 0.0
    print(
        f"  {'collector':<12}{'calls':>9}{'p50 µs':>9}{'p99 µs':>9}{'p99 ratio':>11}"
        f"{'RSS MB':>8}{'produced':>10}{'exported':>10}{'failed':>8}{'dropped':>9}"
    )
    try:
        with start() as server, psycopg.connect(server.dsn, autocommit=True) as conn:
            cur = conn.cursor()
            for name, mode in PHASES:
                receiver.mode = mode
                latencies: list[int] = []
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    started = time.perf_counter_ns()
                    cur.execute("SELECT 1")
                    cur.fetchall()
                    latencies.append(time.perf_counter_ns() - started)
                latencies.sort()
                p99 = _percentile(latencies, 0.99)
                base_p99 = base_p99 or p99
                f = health.figures
                print(
                    f"  {name:<12}{len(latencies):>9,}{_percentile(latencies, 0.5):>9.1f}"
                    f"{p99:>9.1f}{p99 / base_p99:>10.2f}x{rss_mb():>8.1f}{f['produced']:>10,}"
                    f"{f['exported']:>10,}{f['failed']:>8,}{f['dropped']:>9,}"
                )
        processor.force_flush(60_000)
        f = health.figures
        accounted = f["exported"] + f["failed"] + f["dropped"]
        print(
            f"  after flush: produced {f['produced']:,} = exported + failed + dropped "
            f"{accounted:,} ({'exact' if accounted == f['produced'] else 'MISMATCH'})"
        )
        print(f"  spans the receiver got: {receiver.spans_received:,}")
    finally:
        PsycopgInstrumentor().uninstrument()
        provider.shutdown()
        receiver.mode = "ok"
        receiver.stop()


if __name__ == "__main__":
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
