"""What every process wrote: the snapshots of a state dir, read and merged (the CLI's source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pgotel._native import Report, merge_snapshots, snapshot_info
from pgotel.errors import SnapshotError
from pgotel.exporters.local import SUFFIX, pid_of


@dataclass
class StateView:
    """The merged report, and which files went into it or could not be read."""

    state_dir: Path
    report: Report
    files: list[Path] = field(default_factory=list)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def read_state(
    state_dir: Path,
    *,
    service: str | None = None,
    pid: int | None = None,
    now_ns: int | None = None,
    skip_pid: int | None = None,
    extra: list[bytes] | None = None,
) -> StateView:
    """Read and merge every snapshot in `state_dir`, optionally of one service or process.

    Never raises for a bad file: files that cannot be read are listed in
    `unreadable` with the reason, and the rest are merged. `skip_pid` leaves
    out one process's file, which `extra` snapshots (a live engine's) replace.
    """
    paths = sorted(state_dir.glob(f"*{SUFFIX}")) if state_dir.is_dir() else []
    if pid is not None:
        paths = [p for p in paths if pid_of(p.name) == pid]
    if skip_pid is not None:
        paths = [p for p in paths if pid_of(p.name) != skip_pid]
    unreadable: list[tuple[Path, str]] = []
    kept: list[tuple[Path, bytes]] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:  # pruned or replaced between listing and reading
            unreadable.append((path, exc.strerror or str(exc)))
            continue
        if service is not None:
            try:
                if snapshot_info(data)["service"] != service:
                    continue
            except SnapshotError as exc:
                unreadable.append((path, str(exc)))
                continue
        kept.append((path, data))
    report = merge_snapshots([data for _, data in kept] + (extra or []), now_ns)
    bad = dict(report.unreadable)
    unreadable += [(kept[i][0], reason) for i, reason in bad.items()]
    files = [path for i, (path, _) in enumerate(kept) if i not in bad]
    return StateView(state_dir, report, files, unreadable)
