"""`pgotel processes`: which processes wrote snapshots, and whether they still run."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

import click

from pgotel.cli.options import Output, load_state, output_options, state_dir_option
from pgotel.cli.render import Column, count, iso, render
from pgotel.exporters.files import pid_alive

NS_PER_S = 1_000_000_000


def boot_time_s() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def _process_start_s(pid: int, boot_s: float | None) -> float | None:
    """When process `pid` started (Linux /proc), in seconds since the epoch; None if unknown."""
    if boot_s is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (start time in clock ticks since boot) follows the command name in parentheses.
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return boot_s + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None


def state_of(process: dict[str, Any], here: str, boot_s: float | None) -> str:
    """alive, dead, or unknown (written on another host: its pids mean nothing here)."""
    if process["host"] and process["host"] != here:
        return "unknown"
    pid = process["pid"]
    if not pid_alive(pid):
        return "dead"
    # A live pid may be a new process that reuses the number: it started after the writer did.
    started = _process_start_s(pid, boot_s)
    if started is not None and started > process["started_ns"] / NS_PER_S + 1.0:
        return "dead"
    return "alive"


def _when(ns: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / NS_PER_S)) if ns else "-"


def _ago(ns: Any) -> str:
    if not ns:
        return "-"
    seconds = max(0.0, (time.time_ns() - ns) / NS_PER_S)
    if seconds < 120:
        return f"{seconds:.0f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m ago"
    return f"{seconds / 3600:.0f}h ago"


@click.command()
@state_dir_option
@click.option("--service", help="Only processes of this OTEL_SERVICE_NAME.")
@output_options
def processes(state_dir: Path, service: str | None, out: Output) -> None:
    """The processes with snapshots: service, pid, host, started, last write, alive or dead."""
    view = load_state(state_dir, service, None)
    here, boot_s = socket.gethostname(), boot_time_s()
    rows = []
    for path, p in zip(view.files, view.report.processes, strict=True):
        rows.append(
            {
                "service": p["service"],
                "pid": p["pid"],
                "host": p["host"],
                "instance": p["instance"],
                "state": state_of(p, here, boot_s),
                "started_ns": p["started_ns"],
                "started": iso(p["started_ns"]),
                "written_ns": p["written_ns"],
                "written": iso(p["written_ns"]),
                "keys": p["keys"],
                "recorded": p["recorded"],
                "file": path.name,
            }
        )
    rows.sort(key=lambda r: (r["state"] != "alive", -r["written_ns"], r["pid"]))
    columns = [
        Column("SERVICE", "service", right=False),
        Column("PID", "pid"),
        Column("HOST", "host", right=False),
        Column("STATE", "state", right=False),
        Column("STARTED", "started_ns", _when),
        Column("LAST WRITE", "written_ns", _ago),
        Column("KEYS", "keys", count),
        Column("CALLS", "recorded", count),
        Column("FILE", "file", right=False, flexible=True),
    ]
    click.echo(render(rows[: out.limit], columns, out.fmt, out.wide))
