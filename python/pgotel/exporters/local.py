"""The local exporter: the engine's snapshot, written atomically to the state dir every few seconds.

One file per process, `<host>-<pid>-<instance>.pgotel`, mode 0600, in a
directory that is 0700 and owned by this user. Each write goes to an
exclusive temporary file that is fsynced and renamed over the old one, so a
reader (the CLI) always sees a complete snapshot, even after a SIGKILL. Files
of dead processes stay for a retention period, so the CLI can still say what
was slow before a process died, and are then pruned.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import signal
import socket
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from pgotel._native import Engine
from pgotel.config import Settings
from pgotel.errors import StateDirError
from pgotel.exporters.files import SUFFIX as SUFFIX  # re-exported: tests and tools use them here
from pgotel.exporters.files import TMP_SUFFIX
from pgotel.exporters.files import pid_alive as _pid_alive
from pgotel.exporters.files import pid_of as pid_of
from pgotel.faults import report_fault

#: Temporary files older than this are leftovers of a writer that died mid-write.
STALE_TMP_S = 60.0
#: Prune at most once per this many writes (a directory of thousands of files stays cheap).
PRUNE_EVERY = 12


def prepare_state_dir(path: Path) -> Path:
    """Create `path` (0700) if needed and check it is safe to write snapshots into."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise StateDirError(f"state dir {path} is not a directory (or is a symlink)")
    if info.st_uid != os.geteuid():
        raise StateDirError(
            f"state dir {path} is owned by uid {info.st_uid}, not by this user ({os.geteuid()}); "
            "set PGOTEL_STATE_DIR to a directory of your own"
        )
    if info.st_mode & stat.S_IWOTH:
        raise StateDirError(
            f"state dir {path} is world-writable; use a private directory (chmod 700) "
            "or set PGOTEL_STATE_DIR"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        # Ours, but open to the group or others (0755, 0775): make it private.
        path.chmod(0o700)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a torn one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def prune(directory: Path, retention_s: float, now: float | None = None) -> int:
    """Remove snapshots of dead processes older than `retention_s`, and stale temporary files."""
    now = time.time() if now is None else now
    removed = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            try:
                if name.startswith(".") and name.endswith(TMP_SUFFIX):
                    expired = now - entry.stat().st_mtime > STALE_TMP_S
                elif name.endswith(SUFFIX):
                    pid = pid_of(name)
                    old = now - entry.stat().st_mtime > retention_s
                    expired = old and (pid is None or not _pid_alive(pid))
                else:
                    continue
                if expired:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue
    return removed


class LocalExporter:
    """Writes `engine`'s snapshot every `interval_s` on a daemon thread, and at exit."""

    def __init__(
        self, engine: Engine, state_dir: Path, interval_s: float, retention_s: float
    ) -> None:
        self.engine = engine
        self.directory = prepare_state_dir(state_dir)
        self.interval_s = interval_s
        self.retention_s = retention_s
        self.host = socket.gethostname().replace("/", "_")
        self.writes = 0
        self.failures = 0
        self.last_success_ns = 0
        self.last_error = ""
        self._lock = threading.Lock()
        self._new_identity()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._previous_sigterm: Any = None
        #: Called on a SIGTERM that will end the process (no atexit will run).
        self.before_dying: Callable[[], object] | None = None

    def _new_identity(self) -> None:
        self.pid = os.getpid()
        self.instance = secrets.token_hex(4)
        self.path = self.directory / f"{self.host}-{self.pid}-{self.instance}{SUFFIX}"

    def start(self) -> LocalExporter:
        """Start the writer thread and the exit hooks (atexit, SIGTERM, fork)."""
        self._start_thread()
        atexit.register(self.shutdown)
        os.register_at_fork(after_in_child=self._after_fork)
        self._install_sigterm()
        return self

    def _start_thread(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pgotel-local-exporter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.write_now()

    def write_now(self, wait: bool = True) -> bool:
        """Write the snapshot now; False (counted, logged once a minute) if it failed.

        With `wait=False` (from a signal handler, which may have interrupted a write on
        this very thread) a write already under way is left to finish instead.
        """
        if not self._lock.acquire(blocking=wait):
            return False
        try:
            return self._write_locked()
        finally:
            self._lock.release()

    def _write_locked(self) -> bool:
        if os.getpid() != self.pid:
            # Forked without Python's hooks (uWSGI and the like): start over as a new process.
            self.engine.reset()
            self._new_identity()
        try:
            write_atomic(self.path, self.engine.snapshot())
            self.writes += 1
            self.last_success_ns = time.time_ns()
            if self.writes % PRUNE_EVERY == 1:
                prune(self.directory, self.retention_s)
            return True
        except Exception as exc:
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            report_fault(self.engine, "local exporter", exc)
            return False

    def shutdown(self, timeout_s: float = 2.0, wait: bool = True) -> None:
        """Stop the thread and write a last snapshot. Safe to call more than once."""
        self._stop.set()
        thread = self._thread
        # A SIGTERM can land while the thread is being started (right after a fork).
        if thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join(timeout_s)
        self.write_now(wait=wait)

    def _after_fork(self) -> None:
        # The child has the parent's objects but not its threads: empty figures, a fresh
        # file and a new thread. (The process engine resets itself too; twice is harmless.)
        self.engine.reset()
        self._lock = threading.Lock()
        if self._stop.is_set():
            return  # shut down before the fork: the child writes nothing either
        self._new_identity()
        self.writes = 0
        self._start_thread()

    def _install_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)
        if previous is signal.SIG_IGN:
            return
        self._previous_sigterm = previous
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        # Never wait on the write lock here: the signal may have interrupted a write.
        self.shutdown(timeout_s=1.0, wait=False)
        previous = self._previous_sigterm
        if callable(previous):
            previous(signum, frame)
            return
        # About to die without atexit: hand the last spans and metrics over first (bounded).
        if self.before_dying is not None:
            try:
                self.before_dying()
            except Exception as exc:
                report_fault(self.engine, "local exporter (SIGTERM)", exc)
        # The default action: die by the signal, as the process would have without pgotel.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def health(self) -> dict[str, Any]:
        """What `pgotel health` will show of this exporter."""
        return {
            "path": str(self.path),
            "writes": self.writes,
            "failures": self.failures,
            "last_success_ns": self.last_success_ns,
            "last_error": self.last_error,
        }


def start(engine: Engine, config: Settings) -> LocalExporter:
    """Start the local exporter for `engine` with the configured directory and timings."""
    exporter = LocalExporter(
        engine, config.state_dir, config.snapshot_interval_s, config.snapshot_retention_s
    )
    return exporter.start()
