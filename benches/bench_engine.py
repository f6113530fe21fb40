"""The engine's costs, each beside a baseline measured in the same run.

- record_query (cached text) against a raw psycopg round trip and a dict counter;
- AggregatingSpanProcessor.on_end against BatchSpanProcessor.on_end, same span;
- snapshot of 10,000 keys and merge of 8 such snapshots, against json.dumps of the same rows.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import psycopg
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from benches.timing import NullExporter, best_per_call_ns, report
from pgotel import Engine, merge_snapshots
from pgotel.devdb import start
from pgotel.processor import AggregatingSpanProcessor

SQL = "SELECT id, name, email FROM users WHERE id = %s AND status = %s ORDER BY created_at LIMIT 10"
TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C


def bench_record_query() -> None:
    engine = Engine()
    counter: Counter[str] = Counter()
    with start() as server, psycopg.connect(server.dsn, autocommit=True) as conn:

        def dict_counter() -> None:
            counter[SQL] += 1

        results = best_per_call_ns(
            {
                "raw psycopg SELECT 1 round trip": lambda: conn.execute("SELECT 1").fetchall(),
                "Engine.record_query (cached, unsampled)": lambda: engine.record_query(SQL, 1234),
                "Engine.record_query (cached, with trace)": lambda: engine.record_query(
                    SQL, 1234, None, 1, TRACE_ID, 42
                ),
                "Python dict counter (floor)": dict_counter,
            },
            calls=20_000,
        )
    report("Per-query cost of the exact aggregates", results, "raw psycopg SELECT 1 round trip")


def bench_processor() -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("opentelemetry.instrumentation.asyncpg")
    with tracer.start_as_current_span("SELECT users") as span:
        span.set_attribute("db.system.name", "postgresql")
        span.set_attribute("db.query.text", SQL)
    ours = AggregatingSpanProcessor(Engine())
    batch = BatchSpanProcessor(NullExporter(), max_queue_size=1 << 20, schedule_delay_millis=60_000)
    results = best_per_call_ns(
        {
            "BatchSpanProcessor.on_end": lambda: batch.on_end(span),  # type: ignore[arg-type]
            "AggregatingSpanProcessor.on_end": lambda: ours.on_end(span),  # type: ignore[arg-type]
        },
        calls=20_000,
    )
    batch.shutdown()
    report("on_end of one finished database span", results, "BatchSpanProcessor.on_end")


def _engine_with_keys(keys: int, seed: int) -> Engine:
    engine = Engine(max_keys=keys + 10)
    for k in range(keys):
        for j in range(5):
            engine.record_query(
                f"SELECT c{k} FROM t{k % 97} WHERE id = {j}", 1000 * (seed + j + 1) + k, None, 1
            )
    return engine


def _ms(fn: object, rounds: int = 5) -> float:
    """Best wall time of `fn()` in ms; its result is freed outside the timed part."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
        del result
    return best * 1000


def bench_snapshots() -> None:
    engines = [_engine_with_keys(10_000, seed) for seed in range(8)]
    blobs = [e.snapshot() for e in engines]
    rows = merge_snapshots(blobs[:1]).rows()
    snap_ms = _ms(engines[0].snapshot)
    merge_ms = _ms(lambda: merge_snapshots(blobs), rounds=5)
    top_ms = _ms(lambda: merge_snapshots(blobs).rows("query", None, "total_ns", 20), rounds=5)
    rows_ms = _ms(lambda: merge_snapshots(blobs).rows(), rounds=3)
    json_ms = _ms(lambda: json.dumps(rows))
    stats = engines[0].stats()
    print("\nSnapshots of 10,000 keys (5 calls each)")
    print(f"  snapshot (encode)             {snap_ms:8.2f} ms   target < 20 ms")
    print(f"  merge of 8 snapshots          {merge_ms:8.2f} ms   target < 100 ms")
    print(f"    + the top 20 rows (db top)  {top_ms:8.2f} ms")
    print(f"    + all 10,000 rows as dicts  {rows_ms:8.2f} ms")
    print(f"  json.dumps of the same rows   {json_ms:8.2f} ms   (baseline)")
    print(f"  snapshot / json.dumps         {snap_ms / json_ms:8.2f}x")
    print(f"  snapshot size                 {len(blobs[0]) / 1e6:8.2f} MB")
    print(f"  engine memory (10,000 keys)   {stats['memory_bytes'] / 1e6:8.2f} MB")


def run() -> None:
    bench_record_query()
    bench_processor()
    bench_snapshots()


if __name__ == "__main__":
    run()
