"""Hostile input and safe defaults, end to end (issue: hardening; docs/reliability.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgotel import Engine
from pgotel.cli import cli
from pgotel.cli.options import EXIT_ONLY_STOPPED
from pgotel.exporters.local import write_atomic
from tests.otlp_receiver import Receiver

CANARY = "canary-7f3a9c"
LAUNCHER = Path(sys.executable).parent / "opentelemetry-instrument"

# Secrets placed everywhere an app puts them; none may leave the process by pgotel.
SECRETS_APP = textwrap.dedent(
    """
    import sys
    import graphql
    import psycopg

    C = sys.argv[2]
    with psycopg.connect(sys.argv[1], autocommit=True) as conn:
        conn.execute(f"SELECT '{C}-literal' AS a")
        conn.execute(f"SELECT 1 /* {C}-comment */")
        conn.execute(f"SELECT 2 -- {C}-line-comment")
        conn.execute(f"SELECT $tag${C}-dollar$tag$")
        conn.execute(f"SELECT E'{C}-escape\\\\n'")
        conn.execute(f"SELECT '{{\\"key\\": \\"{C}-json\\"}}'::jsonb ->> 'key'")
        conn.execute("SELECT %s::text", (f"{C}-parameter",))
        conn.execute("SELECT %(v)s::text", {"v": f"{C}-named"})
        for bad in (f"SELECT '{C}-unterminated", f"SELECT * FROM {C}_missing_table",
                    f"SELECT 1 WHERE '{C}-cast'::int = 1"):
            try:
                conn.execute(bad)
            except psycopg.Error:
                pass

    def echo(_root, _info, text):
        if text.endswith("boom"):
            raise ValueError(f"resolver failed on {text}")
        return text

    schema = graphql.GraphQLSchema(graphql.GraphQLObjectType("Query", {
        "echo": graphql.GraphQLField(
            graphql.GraphQLString,
            args={"text": graphql.GraphQLArgument(graphql.GraphQLNonNull(graphql.GraphQLString))},
            resolve=echo,
        ),
    }))
    for source, variables in [
        ("query Q($s: String!) { echo(text: $s) }", {"s": f"{C}-variable"}),
        (f'query Inline {{ echo(text: "{C}-argument") }}', None),
        ("query Fails($s: String!) { echo(text: $s) }", {"s": f"{C}-boom"}),
        (f'query Broken {{ echo(text: "{C}-parse-error"', None),
    ]:
        result = graphql.graphql_sync(schema, source, variable_values=variables)
    print("done", flush=True)
    """
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_canary_secrets_never_leave_the_process(
    dsn: str, tmp_path: Path, receiver: Receiver
) -> None:
    state = tmp_path / "state"
    env = {
        **os.environ,
        "OTEL_SERVICE_NAME": "canary",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "PGOTEL_STATE_DIR": str(state),
        "PGOTEL_SLOW_QUERY_MS": "0",  # every call a slow sample: the most text kept
    }
    out = subprocess.run(
        [str(LAUNCHER), sys.executable, "-c", SECRETS_APP, dsn, CANARY],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0 and "done" in out.stdout, out.stderr
    assert CANARY not in out.stderr  # the app's log

    # The receiver got the spans and the engine's metrics: the payloads as sent.
    assert receiver.wait_for(lambda: len(receiver.spans()) >= 14)
    assert receiver.wait_for(lambda: any(True for _ in receiver.metrics()))
    names = {span.name for _, span in receiver.spans()}
    assert {"SELECT", "query Q", "query Inline", "query Fails"} <= names
    payloads = [r.SerializeToString() for r in receiver.trace_requests + receiver.metric_requests]
    assert all(CANARY.encode() not in p for p in payloads)

    (snapshot,) = state.glob("*.pgotel")
    assert CANARY.encode() not in snapshot.read_bytes()
    commands = [
        ["db", "top"],
        ["db", "slow"],
        ["db", "recent"],
        ["db", "errors"],
        ["graphql", "ops"],
        ["graphql", "slow"],
        ["graphql", "n-plus-one"],
        ["health"],
    ]
    for command in commands:
        for fmt in ("table", "json"):
            extra = ["--format", fmt] + (["--wide"] if command != ["health"] else [])
            if command == ["health"] and fmt == "table":
                extra = []
            result = CliRunner().invoke(cli, [*command, "--state-dir", str(state), *extra])
            assert result.exit_code in (0, 1, EXIT_ONLY_STOPPED), (command, result.output)
            assert CANARY not in result.output, (command, fmt)
    # The failures were counted with their codes, not their messages.
    errors = CliRunner().invoke(
        cli, ["db", "errors", "--state-dir", str(state), "--format", "json"]
    )
    codes = {(r["code"], r["text"]) for r in json.loads(errors.stdout)}
    assert codes == {
        ("42601", "SELECT $1"),
        ("42601", "SELECT * FROM canary-$1f3a9c_missing_table"),
        ("22P02", "SELECT $1 WHERE $2::int = $3"),
    }


def test_a_million_distinct_shapes_stay_within_the_key_cap() -> None:
    engine = Engine(max_keys=10_000)
    for i in range(20_000):
        engine.record_query(f"SELECT c{i} FROM t", 1000)
    at_cap = engine.stats()["memory_bytes"]
    for i in range(20_000, 1_000_000):
        engine.record_query(f"SELECT c{i} FROM t", 1000)
    stats = engine.stats()
    assert stats["keys"] == 10_000 + 1  # the cap, plus the one overflow key
    assert stats["overflowed"] == 1_000_000 - 10_000
    assert stats["memory_bytes"] <= at_cap * 1.05


def test_snapshots_are_written_without_following_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    target = state / "host-1-abc.pgotel"
    target.symlink_to(victim)
    write_atomic(target, Engine().snapshot())
    assert victim.read_text() == "untouched"
    assert not target.is_symlink() and target.stat().st_mode & 0o777 == 0o600


def test_the_cli_names_and_skips_every_odd_file_in_the_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    engine = Engine(service="ok")
    engine.record_query("SELECT 1", 1000)
    good = engine.snapshot()
    (state / "good-1-a.pgotel").write_bytes(good)
    (state / "empty-2-a.pgotel").write_bytes(b"")
    (state / "cut-3-a.pgotel").write_bytes(good[: len(good) // 2])
    future = bytearray(good)
    future[8:10] = (99).to_bytes(2, "little")
    (state / "future-4-a.pgotel").write_bytes(bytes(future))
    absurd = bytearray(good)
    absurd[12:20] = (2**62).to_bytes(8, "little")  # a body length no file has
    (state / "absurd-5-a.pgotel").write_bytes(bytes(absurd))
    (state / "foreign-6-a.pgotel").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (state / "loop-7-a.pgotel").symlink_to(state / "loop-7-a.pgotel")
    (state / "dir-8-a.pgotel").mkdir()
    (state / "notes.txt").write_text("not a snapshot, not read")
    result = CliRunner().invoke(cli, ["db", "top", "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    assert "SELECT $1" in result.output  # the good file still answers
    for name in (
        "empty-2-a",
        "cut-3-a",
        "future-4-a",
        "absurd-5-a",
        "foreign-6-a",
        "loop-7-a",
        "dir-8-a",
    ):
        assert f"skipped {name}.pgotel:" in result.output, name
    assert "notes.txt" not in result.output


LISTENERS = textwrap.dedent(
    """
    import os, sys
    import pgotel
    pgotel.configure(**({"prometheus_port": int(sys.argv[1])} if sys.argv[1] != "0" else {}))
    import time; time.sleep(0.5)
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        link = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # LISTEN
                print("listening", cols[1])
    print("checked")
    """
)


@pytest.mark.parametrize("port", [0, 1])
def test_no_listening_socket_unless_configured_and_then_on_loopback(
    tmp_path: Path, port: int
) -> None:
    from tests.test_metrics import _free_port

    chosen = _free_port() if port else 0
    env = {
        **os.environ,
        "PGOTEL_STATE_DIR": str(tmp_path / "state"),
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
    }
    out = subprocess.run(
        [sys.executable, "-c", LISTENERS, str(chosen)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    listening = [
        line.split()[1] for line in out.stdout.splitlines() if line.startswith("listening")
    ]
    if not port:
        assert listening == []
    else:
        # 0100007F:port is 127.0.0.1 in /proc/net/tcp's little-endian hex.
        assert listening == [f"0100007F:{chosen:04X}"]


TRACE, CALLER = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"

# (case, headers, joined): W3C Trace Context, level 1 and 2. A traceparent that does not parse
# is ignored (a new trace starts); a tracestate that does not parse is dropped, the valid
# traceparent beside it still joined.
W3C_CASES: list[tuple[str, dict[str, str], bool]] = [
    ("valid", {"traceparent": f"00-{TRACE}-{CALLER}-01"}, True),
    ("future version, extra field", {"traceparent": f"cc-{TRACE}-{CALLER}-01-what-next"}, True),
    ("version ff", {"traceparent": f"ff-{TRACE}-{CALLER}-01"}, False),
    ("short trace id", {"traceparent": f"00-{TRACE[:30]}-{CALLER}-01"}, False),
    ("short span id", {"traceparent": f"00-{TRACE}-{CALLER[:14]}-01"}, False),
    ("all-zero trace id", {"traceparent": f"00-{'0' * 32}-{CALLER}-01"}, False),
    ("all-zero span id", {"traceparent": f"00-{TRACE}-{'0' * 16}-01"}, False),
    ("uppercase hex", {"traceparent": f"00-{TRACE.upper()}-{CALLER.upper()}-01"}, False),
    ("version 00, extra field", {"traceparent": f"00-{TRACE}-{CALLER}-01-extra"}, False),
    ("bad flags", {"traceparent": f"00-{TRACE}-{CALLER}-zz"}, False),
    ("garbage", {"traceparent": "\x7f;;\u00e9--\\x00 not a header"}, False),
    ("huge", {"traceparent": f"00-{TRACE}-{CALLER}-01-" + "a" * 8000}, False),
    ("garbage tracestate", {"traceparent": f"00-{TRACE}-{CALLER}-01", "tracestate": "=,=;x"}, True),
    (
        "huge tracestate",
        {
            "traceparent": f"00-{TRACE}-{CALLER}-01",
            "tracestate": ",".join(f"k{i}=v{i}" for i in range(2000)),
        },
        True,
    ),
]


def test_malformed_trace_context_headers_start_a_new_trace(
    dsn: str, tmp_path: Path, receiver: Receiver
) -> None:
    from tests.test_otlp import App

    app = App(
        dsn,
        tmp_path / "state",
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        },
    )
    try:
        for i, (_, headers, _) in enumerate(W3C_CASES):
            # The app answers as if the header were not there.
            result = app.graphql(f"query Case{i} {{ double(n: {i}) }}", headers)
            assert result == {"data": {"double": 2 * i}}

        def complete() -> bool:
            # Every request's operation and server span: they can come in different batches.
            spans = [span for _, span in receiver.spans()]
            names = {span.name for span in spans}
            servers = [span for span in spans if span.kind == span.SPAN_KIND_SERVER]
            operations = {f"query Case{i}" for i in range(len(W3C_CASES))}
            return operations <= names and len(servers) >= len(W3C_CASES)

        assert receiver.wait_for(complete)
    finally:
        stderr = app.stop()
    # Nothing but the server's access log and the SDK's own notes on the bad tracestates.
    sdk_notes = ("Member doesn't match the w3c", "tracestate header exceeded the maximum")
    for line in stderr.splitlines():
        assert '"POST /graphql HTTP/1.1" 200' in line or line.startswith(sdk_notes), stderr
    spans = [span for _, span in receiver.spans()]
    traces = set()
    for i, (case, _, joined) in enumerate(W3C_CASES):
        (operation,) = [s for s in spans if s.name == f"query Case{i}"]
        by_id = {s.span_id: s for s in spans if s.trace_id == operation.trace_id}
        root = operation
        while root.parent_span_id in by_id:
            root = by_id[root.parent_span_id]
        assert root.kind == root.SPAN_KIND_SERVER, case
        if joined:
            assert operation.trace_id.hex() == TRACE, case
            assert root.parent_span_id.hex() == CALLER, case
            if "tracestate" in case:
                assert root.trace_state == "", case  # dropped, not half-kept
        else:
            assert operation.trace_id.hex() != TRACE, case
            assert root.parent_span_id == b"", case  # a root: the header was ignored
            traces.add(operation.trace_id)
    assert len(traces) == sum(not joined for *_, joined in W3C_CASES)  # a new trace each
