"""The options every reading command shares, and loading the state they point at."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from pgotel.config import default_state_dir
from pgotel.state import StateView, read_state

F = TypeVar("F", bound=Callable[..., Any])

WINDOWS = {"1m": 1, "5m": 5, "15m": 15, "all": None}
NS_PER_MINUTE = 60_000_000_000


@dataclass(frozen=True)
class Source:
    """Which snapshots a command reads, and which minutes of them."""

    state_dir: Path
    service: str | None
    pid: int | None
    window: str

    def load(self, required: bool = True) -> StateView:
        return load_state(self.state_dir, self.service, self.pid, required)

    @property
    def window_minutes(self) -> int | None:
        return WINDOWS[self.window]

    @property
    def window_start_ns(self) -> int:
        """The first nanosecond the window covers (0 for all time)."""
        minutes = WINDOWS[self.window]
        if minutes is None:
            return 0
        return (time.time_ns() // NS_PER_MINUTE - minutes) * NS_PER_MINUTE


@dataclass(frozen=True)
class Output:
    """How a command shows its answer."""

    fmt: str
    limit: int
    wide: bool


#: Where the snapshots are: every reading command, `health` included, takes it.
state_dir_option = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="PGOTEL_STATE_DIR",
    default=default_state_dir,
    show_default="$PGOTEL_STATE_DIR, else $XDG_RUNTIME_DIR/pgotel",
    help="Where the instrumented processes write their snapshots.",
)


def source_options(f: F) -> F:
    """--state-dir, --service, --pid, --window, handed to the command as `source`."""

    @functools.wraps(f)
    def command(
        *args: Any, state_dir: Path, service: str | None, pid: int | None, window: str, **kw: Any
    ) -> Any:
        return f(*args, source=Source(state_dir, service, pid, window), **kw)

    for option in reversed(
        [
            state_dir_option,
            click.option("--service", help="Only processes of this OTEL_SERVICE_NAME."),
            click.option("--pid", type=int, help="Only this process."),
            click.option(
                "--window",
                type=click.Choice(list(WINDOWS)),
                default="all",
                show_default=True,
                help="Only the last 1, 5 or 15 minutes (to the minute), or since start.",
            ),
        ]
    ):
        command = option(command)
    return command  # type: ignore[return-value]


def output_options(f: F) -> F:
    """--format, --limit, --wide, handed to the command as `out`."""

    @functools.wraps(f)
    def command(*args: Any, fmt: str, limit: int, wide: bool, **kw: Any) -> Any:
        return f(*args, out=Output(fmt, limit, wide), **kw)

    for option in reversed(
        [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["table", "json", "csv"]),
                default="table",
                show_default=True,
            ),
            click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True),
            click.option("--wide", is_flag=True, help="Do not cut long query texts."),
        ]
    ):
        command = option(command)
    return command  # type: ignore[return-value]


#: Exit code when there is nothing to read: no state dir, or no snapshot in it.
EXIT_NO_SNAPSHOTS = 3
#: Exit code after an answer made only of stopped processes' figures (a script can tell).
EXIT_ONLY_STOPPED = 4


def load_state(
    state_dir: Path, service: str | None, pid: int | None, required: bool = True
) -> StateView:
    """Read the snapshots; say on stderr what was skipped, or that there is nothing yet.

    With no snapshot to read at all, the command stops here with exit code 3
    (`EXIT_NO_SNAPSHOTS`) unless not `required` (it has another source, such as a
    live probe); filters that match nothing give an empty answer.
    """
    view = read_state(state_dir, service=service, pid=pid)
    for path, reason in view.unreadable:
        click.echo(f"pgotel: skipped {path.name}: {reason}", err=True)
    if not view.files and not view.unreadable and service is None and pid is None:
        click.echo(
            f"pgotel: no snapshots in {state_dir}. Is the app running under "
            "`opentelemetry-instrument` with pgotel installed? (--state-dir or "
            "PGOTEL_STATE_DIR looks elsewhere)",
            err=True,
        )
        if required:
            sys.exit(EXIT_NO_SNAPSHOTS)
    if view.files and all(p == "dead" for p in _states(view)):
        click.echo(
            f"pgotel: every process that wrote to {state_dir} has stopped; "
            "these figures are what they wrote before they did",
            err=True,
        )
        # The answer is still printed; the exit code says it is a post-mortem.
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.call_on_close(lambda: sys.exit(EXIT_ONLY_STOPPED))
    return view


def _states(view: StateView) -> list[str]:
    import socket

    from pgotel.cli.processes import boot_time_s, state_of

    here, boot = socket.gethostname(), boot_time_s()
    return [state_of(p, here, boot) for p in view.report.processes]
