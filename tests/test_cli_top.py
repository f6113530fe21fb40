"""`pgotel top`: one frame as text, and the live view driven in a real terminal (tmux)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgotel import Engine
from pgotel.cli import cli
from pgotel.exporters.local import prepare_state_dir, write_atomic

TMUX = shutil.which("tmux")


def _engine(calls: int) -> Engine:
    engine = Engine(service="books")
    for i in range(calls):
        engine.record_query(f"SELECT * FROM books WHERE id = {i}", 1_000_000, None, 1)
    engine.record_query("SELECT pg_sleep(1)", 200_000_000, "57014", 0)
    engine.record_named("graphql", "query Books", "query", 5_000_000)
    engine.record_named("pool", "main", "checkout", 2_000_000, None)
    return engine


def _write(state: Path, engine: Engine) -> Path:
    path = state / f"web-{os.getpid()}-{id(engine):x}.pgotel"
    write_atomic(path, engine.snapshot())
    return path


def test_once_prints_every_part_of_the_view(tmp_path: Path) -> None:
    state = prepare_state_dir(tmp_path / "state")
    _write(state, _engine(10))
    result = CliRunner().invoke(cli, ["top", "--state-dir", str(state), "--once"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "processes: 1 alive, 0 stopped" in out
    queries = next(line for line in out.splitlines() if line.startswith("queries"))
    assert "errors   9.1%" in queries  # 1 of 11 calls failed
    assert "calls/min" in out and "query latency" in out
    assert "    < 10ms  " in out and "   < 1s  " in out
    lines = out.splitlines()
    books = next(line for line in lines if line.endswith("SELECT * FROM books WHERE id = $1"))
    assert books.split()[:4] == ["10", "10.00ms", "1.00ms", "0"]
    assert "query Books" in out
    assert any(line.split()[:3] == ["main", "1", "0"] for line in lines)


def test_once_on_an_empty_state_dir_says_it_waits(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["top", "--state-dir", str(tmp_path / "none"), "--once"])
    assert result.exit_code == 0
    assert "no snapshots in" in result.stdout and "waiting" in result.stdout


class Pane:
    """A tmux server of our own (its own socket), one window running `pgotel top`."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        out = subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "top")

    def wait_for(self, what: str, test: Callable[[str], bool], timeout_s: float = 20.0) -> str:
        """Poll the screen until `test` holds (a wait, not a timed assertion)."""
        deadline = time.monotonic() + timeout_s
        while True:
            screen = self.screen()
            if test(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed {what}:\n{screen}")
            time.sleep(0.1)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[tuple[Pane, Path]]:
    if TMUX is None:
        pytest.skip("tmux is not installed: the live view cannot be driven in a terminal")
    state = prepare_state_dir(tmp_path / "state")
    p = Pane(f"pgotel-test-{os.getpid()}-{tmp_path.name}")
    command = shlex.join(
        [sys.executable, "-m", "pgotel", "top", "--state-dir", str(state), "--interval", "0.2"]
    )
    p.tmux(
        "new-session", "-d", "-s", "top", "-x", "150", "-y", "50",
        "-e", "LANG=C.UTF-8", "-e", "LC_ALL=C.UTF-8", "-e", f"PGOTEL_STATE_DIR={state}",
        # The shell outlives top (a trap, not an ignore, so top still gets Ctrl-C) to show its exit.
        "sh -c "
        + shlex.quote(
            f"trap true INT; clear; echo before-top; {command}; echo top-exited-$?; sleep 60"
        ),
    )  # fmt: skip
    try:
        yield p, state
    finally:
        subprocess.run([TMUX, "-L", p.socket, "kill-server"], capture_output=True, check=False)


def _calls_of_books(screen: str) -> str | None:
    for line in screen.splitlines():
        if line.rstrip().endswith("SELECT * FROM books WHERE id = $1"):
            return line.split()[0]
    return None


def test_live_view_draws_refreshes_follows_processes_and_quits_on_q(
    pane: tuple[Pane, Path],
) -> None:
    p, state = pane
    # An empty state dir: the view says it waits, and keeps running.
    p.wait_for("the empty-state line", lambda s: "no snapshots in" in s)
    engine = _engine(10)
    path = _write(state, engine)
    p.wait_for("10 calls", lambda s: _calls_of_books(s) == "10")
    screen = p.screen()
    assert "pgotel top" in screen and "query latency" in screen and "POOLS" in screen
    # The process writes a new snapshot: the numbers follow.
    for i in range(25):
        engine.record_query(f"SELECT * FROM books WHERE id = {i}", 1_000_000, None, 1)
    _write(state, engine)
    p.wait_for("35 calls", lambda s: _calls_of_books(s) == "35")
    # A second process comes, then both go: the view follows and keeps running.
    second = _write(state, _engine(5))
    p.wait_for("2 processes", lambda s: "processes: 2 alive" in s)
    p.wait_for("40 calls", lambda s: _calls_of_books(s) == "40")
    path.unlink()
    second.unlink()
    p.wait_for("the empty-state line again", lambda s: "no snapshots in" in s)
    # q quits with exit status 0 and the terminal is given back as it was.
    p.tmux("send-keys", "-t", "top", "q")
    screen = p.wait_for("the shell after top", lambda s: "top-exited-" in s)
    assert "top-exited-0" in screen
    assert "before-top" in screen  # the screen from before top, restored
    assert "pgotel top" not in screen


def test_ctrl_c_quits_cleanly(pane: tuple[Pane, Path]) -> None:
    p, state = pane
    _write(state, _engine(3))
    p.wait_for("the view", lambda s: "TOP QUERIES" in s)
    p.tmux("send-keys", "-t", "top", "C-c")
    screen = p.wait_for("the shell after top", lambda s: "top-exited-" in s)
    assert "top-exited-0" in screen
    assert "Traceback" not in screen and "pgotel top" not in screen


def test_sparkline_heights_and_ascii_bars(tmp_path: Path) -> None:
    from pgotel.cli.top import sparkline

    assert sparkline([0, 1, 2, 4, 8]) == "▁▁▂▄█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([0, 8], ascii=True) == "_@"
    state = prepare_state_dir(tmp_path / "state")
    _write(state, _engine(10))
    out = CliRunner().invoke(cli, ["top", "--state-dir", str(state), "--once", "--ascii"]).stdout
    assert "█" not in out and "▁" not in out and "#" in out
