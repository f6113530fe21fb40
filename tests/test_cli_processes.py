"""`pgotel processes`: who wrote snapshots, and which of them still run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pgotel import Engine
from pgotel.cli import cli
from pgotel.exporters.local import prepare_state_dir, write_atomic

HOST = socket.gethostname()


def _snapshot_of_a_process_that_exits(state: Path) -> int:
    """A real process writes its snapshot and exits; returns its pid."""
    code = (
        "import os, sys; from pathlib import Path; from pgotel import Engine; "
        "from pgotel.exporters.local import write_atomic; "
        f"e = Engine(service='worker', host={HOST!r}); e.record_query('SELECT 1', 1000); "
        f"write_atomic(Path(sys.argv[1]) / f'{HOST}-{{os.getpid()}}-dead.pgotel', e.snapshot()); "
        "print(os.getpid())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(state)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_processes_alive_dead_and_elsewhere(tmp_path: Path) -> None:
    state = prepare_state_dir(tmp_path / "state")
    live = Engine(service="web", host=HOST)
    for i in range(3):
        live.record_query(f"SELECT {i}", 1000)
    write_atomic(state / f"{HOST}-{os.getpid()}-live.pgotel", live.snapshot())
    dead_pid = _snapshot_of_a_process_that_exits(state)
    other = Engine(service="web", host="elsewhere")
    write_atomic(state / "elsewhere-1-othr.pgotel", other.snapshot())

    result = CliRunner().invoke(cli, ["processes", "--state-dir", str(state), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["file"]: r for r in json.loads(result.stdout)}
    me = rows[f"{HOST}-{os.getpid()}-live.pgotel"]
    assert (me["state"], me["pid"], me["service"], me["recorded"]) == (
        "alive",
        os.getpid(),
        "web",
        3,
    )
    assert me["started"][:10] == me["written"][:10]  # ISO dates
    dead = rows[f"{HOST}-{dead_pid}-dead.pgotel"]
    assert (dead["state"], dead["pid"], dead["service"]) == ("dead", dead_pid, "worker")
    # Another host's pid means nothing here (this test wrote it, so the pid is ours).
    assert rows["elsewhere-1-othr.pgotel"]["state"] == "unknown"

    table = CliRunner().invoke(cli, ["processes", "--state-dir", str(state)]).stdout
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["SERVICE", "PID", "HOST", "STATE"]
    assert lines[1].split()[:4] == ["web", str(os.getpid()), HOST, "alive"]  # alive first
    assert lines[-1].split()[3] in ("dead", "unknown")
    only = CliRunner().invoke(
        cli, ["processes", "--state-dir", str(state), "--service", "worker", "--format", "csv"]
    )
    assert only.stdout.splitlines()[1].startswith(f"worker,{dead_pid},{HOST},")


def test_a_reused_pid_is_not_taken_for_the_writer(tmp_path: Path) -> None:
    """A snapshot whose writer started before the process now holding its pid: dead."""
    from pgotel.cli.processes import boot_time_s, state_of

    me = {"host": HOST, "pid": os.getpid(), "started_ns": 1_000_000_000}  # written in 1970
    assert state_of(me, HOST, boot_time_s()) == "dead"
    me["started_ns"] = 2**62
    assert state_of(me, HOST, boot_time_s()) == "alive"
