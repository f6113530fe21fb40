"""Faults inside pgotel: a panic or exception forced in the engine or a processor never reaches
the app, is counted, and is logged at most once a minute (docs/reliability.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

# Run in a fresh interpreter: the app's stderr is then exactly what pgotel wrote there, and
# the once-a-minute log limit starts from nothing.
FAULTS_APP = textwrap.dedent(
    """
    import json, sys
    import psycopg
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from pgotel import Engine, merge_snapshots
    from pgotel.config import Settings
    from pgotel.instrumentation.psycopg import PsycopgInstrumentor
    from pgotel.processor import AggregatingSpanProcessor

    def session(conn):
        seen = [conn.execute("SELECT 41 + 1").fetchone()]
        try:
            conn.execute("SELECT * FROM no_such_table_for_faults")
        except psycopg.Error as exc:
            seen.append([type(exc).__name__, exc.sqlstate, str(exc)])
        return seen

    out = {}
    conn = psycopg.connect(sys.argv[1], autocommit=True)
    out["plain"] = session(conn)
    engine = Engine()
    provider = TracerProvider()
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    PsycopgInstrumentor().instrument(
        tracer_provider=provider, engine=engine, settings=Settings.from_env({})
    )
    conn = psycopg.connect(sys.argv[1], autocommit=True)

    def errors():
        return engine.stats()["internal_errors"]

    def calls():
        return {r["text"]: r["calls"] for r in merge_snapshots([engine.snapshot()]).rows()}

    engine._panic_next(1000)
    out["panicking"] = [session(conn) for _ in range(3)]
    out["after_panics"] = [errors(), calls()]
    engine._panic_next(0)
    engine._raise_next(1000)
    out["raising"] = [session(conn) for _ in range(3)]
    out["after_raises"] = [errors(), calls()]
    engine._raise_next(0)
    out["healthy"] = session(conn)
    out["after_healthy"] = [errors(), calls()]

    # The processor's path: spans of another instrumentation, with the app's own exception.
    tracer = provider.get_tracer("another.instrumentation")
    attrs = {"db.system.name": "postgresql", "db.query.text": "SELECT 7"}
    for force in (engine._panic_next, engine._raise_next):
        force(1000)
        for _ in range(3):
            try:
                with tracer.start_as_current_span("SELECT", attributes=attrs):
                    raise KeyError("the app's own")
            except KeyError as exc:
                out.setdefault("app_errors", []).append(repr(exc))
        force(0)
    out["after_spans"] = [errors(), calls()]
    print(json.dumps(out), flush=True)
    """
)


def test_forced_engine_and_processor_faults_never_reach_the_app(dsn: str) -> None:
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}
    out = subprocess.run(
        [sys.executable, "-c", FAULTS_APP, dsn],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    plain = seen["plain"]
    assert plain[0] == [42] and plain[1][:2] == ["UndefinedTable", "42P01"]
    # The app saw the same results and the same exception, message included, every time.
    assert seen["panicking"] == seen["raising"] == [plain] * 3
    assert seen["healthy"] == plain
    ok, failed = "SELECT $1 + $2", "SELECT * FROM no_such_table_for_faults"
    # Each session makes two engine calls (the statement, the failed one): each failed.
    assert seen["after_panics"] == [6, {}]
    # Raising, each hook also ends the span it leaves open, and the processor's attempt to
    # aggregate that span (it was never marked as pgotel's) raises too: four per session.
    assert seen["after_raises"] == [6 + 3 * 4, {}]
    assert seen["after_healthy"] == [18, {ok: 1, failed: 1}]
    assert seen["app_errors"] == ['KeyError("the app\'s own")'] * 6
    assert seen["after_spans"] == [24, {ok: 1, failed: 1}]

    # Nothing on stderr but pgotel's own warnings, one per place in the minute: no Rust panic
    # message, no traceback, however many faults.
    lines = out.stderr.splitlines()
    assert all(line.startswith("pgotel: internal error in ") for line in lines), out.stderr
    places = [line.split(" in ", 1)[1].split(" (counted")[0] for line in lines]
    assert sorted(places) == [
        "AggregatingSpanProcessor.on_end",
        "psycopg hook (fail)",
        "psycopg hook (finish)",
        "the native engine (recording)",
    ], out.stderr
    (panic,) = [line for line in lines if "native engine" in line]
    assert "RuntimeError: panic: forced by Engine._panic_next (test only)" in panic
