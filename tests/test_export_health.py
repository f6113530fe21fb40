"""A collector that fails or never answers: counted, shown by `pgotel health`, bounded at exit."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider

from pgotel import Engine, merge_snapshots
from pgotel.exporters.local import write_atomic
from pgotel.exporters.watch import ExportHealth, WatchedBatchSpanProcessor
from pgotel.health import Status, check
from tests.otlp_receiver import Receiver, attributes


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.mode = "ok"
    r.stop()


def _otlp_component(engine: Engine, state: Path) -> tuple[Status, list[str]]:
    state.mkdir(mode=0o700, exist_ok=True)
    write_atomic(state / f"host-{os.getpid()}-x.pgotel", engine.snapshot())
    (otlp,) = [c for c in check(state).components if c.name == "otlp"]
    return otlp.status, otlp.reasons


def test_failed_and_dropped_spans_are_counted_exactly_and_recovery_is_seen(
    receiver: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.mode = "unavailable"
    engine = Engine()
    health = ExportHealth(engine, "spans")
    exporter = OTLPSpanExporter(endpoint=f"{receiver.http_endpoint}/v1/traces", timeout=1)
    processor = WatchedBatchSpanProcessor(
        exporter, health, max_queue_size=8, max_export_batch_size=4, schedule_delay_millis=50
    )
    provider = TracerProvider()
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("test")
    with caplog.at_level(logging.WARNING, logger="pgotel"):
        for i in range(40):
            tracer.start_span(f"span {i}").end()
        processor.force_flush(30_000)
        f = dict(health.figures)
        assert f["produced"] == 40 and f["exported"] == 0
        assert f["failed"] > 0 and f["dropped"] > 0
        assert f["produced"] == f["exported"] + f["failed"] + f["dropped"]
        assert receiver.refused > 0
        status, reasons = _otlp_component(engine, tmp_path / "state")
        assert status is Status.DEGRADED
        assert f"spans: 0 exported, {f['failed']} failed, {f['dropped']} dropped" in reasons[0]

        receiver.mode = "ok"
        for i in range(5):
            tracer.start_span(f"after {i}").end()
        processor.force_flush(30_000)
    provider.shutdown()
    assert health.figures["exported"] == 5 and len(receiver.spans()) == 5
    status, reasons = _otlp_component(engine, tmp_path / "state")
    assert status is Status.HEALTHY and reasons[0].startswith("spans: 5 exported")
    warnings = [r.getMessage() for r in caplog.records if r.name == "pgotel"]
    # One warning when loss starts, one when it ends: not one per failed batch.
    assert len(warnings) == 2, warnings
    assert "further loss is counted" in warnings[0] and "recovered" in warnings[1]


def test_the_values_reach_snapshots_and_reports() -> None:
    engine = Engine()
    ExportHealth(engine, "spans").exported(3, ok=True)
    (process,) = merge_snapshots([engine.snapshot()]).processes
    assert process["values"]["exporter.spans.exported"] == 3
    assert process["values"]["exporter.spans.last_success_ns"] > 0


APP = textwrap.dedent(
    """
    import sys
    import psycopg

    with psycopg.connect(sys.argv[1]) as conn:
        for _ in range(20):
            conn.execute("SELECT 1")
    print("done", flush=True)
    """
)


#: `make soak` raises this to 100: the exit must be bounded every time, not once.
EXITS = int(os.environ.get("PGOTEL_SOAK_EXITS", "1"))


def test_exit_with_a_collector_that_never_answers_is_bounded(
    dsn: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.mode = "blackhole"
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    slowest = 0.0
    for run in range(EXITS):
        state = tmp_path / f"state-{run}"
        env = {
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_LOGS_EXPORTER": "none",
            "PGOTEL_STATE_DIR": str(state),
            "PGOTEL_SHUTDOWN_TIMEOUT": "1",
        }
        started = time.monotonic()
        # Left to the SDK alone, this exit waits out the exporter's 10 s timeout per signal.
        out = subprocess.run(
            [str(launcher), sys.executable, "-c", APP, dsn],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        slowest = max(slowest, time.monotonic() - started)
        assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr
        assert "not all sent within 1.0s (is the collector reachable?)" in out.stderr
        (snapshot,) = state.glob("*.pgotel")
        rows = merge_snapshots([snapshot.read_bytes()]).rows()
        assert [r["calls"] for r in rows if r["text"] == "SELECT $1"] == [20]
    print(f"figures: {EXITS} exits, the slowest (start to exit) {slowest:.1f}s")


WAITER = textwrap.dedent(
    """
    import sys, time
    import psycopg

    with psycopg.connect(sys.argv[1]) as conn:
        for _ in range(7):
            conn.execute("SELECT 1")
    print("ready", flush=True)
    time.sleep(120)
    """
)


def test_a_sigterm_hands_the_last_spans_and_metrics_over_before_dying(
    dsn: str, tmp_path: Path, receiver: Receiver
) -> None:
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_LOGS_EXPORTER": "none",
        # Nothing would go out on its own before the signal.
        "OTEL_BSP_SCHEDULE_DELAY": "600000",
        "OTEL_METRIC_EXPORT_INTERVAL": "600000",
        "PGOTEL_STATE_DIR": str(tmp_path / "state"),
    }
    proc = subprocess.Popen(
        [str(launcher), sys.executable, "-c", WAITER, dsn],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    assert receiver.spans() == []
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM, stderr  # it still dies by the signal
    assert len([s for _, s in receiver.spans() if s.name == "SELECT"]) == 7
    counts = {
        attributes(p.attributes)["db.operation.name"]: p.count
        for scope, m in receiver.metrics()
        if scope == "pgotel" and m.name == "db.client.operation.duration"
        for p in m.histogram.data_points
    }
    assert counts == {"SELECT": 7, "COMMIT": 1}


def test_a_forked_child_counts_its_own_exports_and_never_inherits_a_held_lock() -> None:
    # Found by review: the figures and lock of ExportHealth crossed fork unchanged. A child
    # reported the parent's exports and losses as its own (counted twice by `pgotel health`),
    # and a fork while the exporter thread held the lock left every span end in the child
    # waiting on a lock no thread would release.
    engine = Engine()
    health = ExportHealth(engine, "spans")
    health.produced(7)
    health.exported(5, ok=True, queued=0)
    read, write = os.pipe()
    health._lock.acquire()  # as if the exporter thread were publishing at the fork
    try:
        pid = os.fork()
        if pid == 0:
            try:
                engine.reset()  # as the runtime's engine is reset in a child
                held = health._lock.locked()
                if not held:
                    health.produced()
                    health.exported(1, ok=True, queued=0)
                values = merge_snapshots([engine.snapshot()]).processes[0]["values"]
                answer = f"{held} {values.get('exporter.spans.produced')} "
                answer += f"{values.get('exporter.spans.exported')} "
                answer += f"{values.get('exporter.spans.dropped')}"
                os.write(write, answer.encode())
            finally:
                os._exit(0)
    finally:
        health._lock.release()
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "False 1 1 0"


def test_without_a_span_exporter_health_says_so(tmp_path: Path) -> None:
    from pgotel.exporters.watch import span_processor_factory

    engine = Engine()
    span_processor_factory(engine)  # what the SDK gets with OTEL_TRACES_EXPORTER=none: unused
    status, reasons = _otlp_component(engine, tmp_path / "state")
    assert status is Status.HEALTHY and reasons == ["no OTLP exporter in the live processes"]


@pytest.mark.parametrize(
    ("status", "retry_after", "retried"),
    [(429, "0", True), (429, None, True), (503, "0", True), (400, None, False)],
)
def test_retries_follow_the_otlp_rules_and_every_span_is_accounted_for(
    receiver: Receiver, status: int, retry_after: str | None, retried: bool
) -> None:
    # Throttling (429) and unavailability (503) are retried, after Retry-After when given,
    # else after a jittered backoff; a bad request (400) is not. Either way every span is
    # exported, failed or dropped, and counted as such.
    receiver.refusal_status, receiver.retry_after, receiver.refuse_next = status, retry_after, 1
    health = ExportHealth(Engine(), "spans")
    exporter = OTLPSpanExporter(endpoint=f"{receiver.http_endpoint}/v1/traces", timeout=10)
    # A long delay: the five spans go out together, in the flush.
    processor = WatchedBatchSpanProcessor(exporter, health, schedule_delay_millis=60_000)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    for i in range(5):
        provider.get_tracer("test").start_span(f"span {i}").end()
    processor.force_flush(30_000)
    provider.shutdown()
    f = health.figures
    assert receiver.refused == 1
    if retried:
        assert receiver.requests == 2 and f["exported"] == 5 and f["failed"] == 0
    else:
        assert receiver.requests == 1 and f["exported"] == 0 and f["failed"] == 5
    assert f["produced"] == f["exported"] + f["failed"] + f["dropped"] == 5
