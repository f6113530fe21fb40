"""Snapshot file names (`<host>-<pid>-<instance>.pgotel`) and whether their writer still runs.

Kept apart from the writer (`pgotel.exporters.local`) so that the CLI can list
and read snapshots without importing what writing them needs.
"""

from __future__ import annotations

import os

SUFFIX = ".pgotel"
TMP_SUFFIX = ".tmp"


def pid_of(name: str) -> int | None:
    """The writer's pid from `<host>-<pid>-<instance>.pgotel` (hosts may contain dashes)."""
    parts = name[: -len(SUFFIX)].rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this host (it may be another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:  # not a pid this system can have
        return False
    return True
