"""The options every reading command shares, and loading the state they point at."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pgotel.config import default_state_dir
from pgotel.state import StateView, read_state

F = TypeVar("F", bound=Callable[..., Any])

WINDOWS = {"1m": 1, "5m": 5, "15m": 15, "all": None}
NS_PER_MINUTE = 60_000_000_000


def source_options(f: F) -> F:
    """--state-dir, --service, --pid, --window: which snapshots, and which minutes of them."""
    for option in reversed(
        [
            click.option(
                "--state-dir",
                type=click.Path(path_type=Path, file_okay=False),
                envvar="PGOTEL_STATE_DIR",
                default=default_state_dir,
                show_default="$PGOTEL_STATE_DIR, else $XDG_RUNTIME_DIR/pgotel",
                help="Where the instrumented processes write their snapshots.",
            ),
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
        f = option(f)
    return f


def output_options(f: F) -> F:
    """--format, --limit, --wide: how the answer is shown."""
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
        f = option(f)
    return f


def load_state(state_dir: Path, service: str | None, pid: int | None) -> StateView:
    """Read the snapshots; say on stderr what was skipped, or that there is nothing yet."""
    view = read_state(state_dir, service=service, pid=pid)
    for path, reason in view.unreadable:
        click.echo(f"pgotel: skipped {path.name}: {reason}", err=True)
    if not view.files:
        click.echo(
            f"pgotel: no snapshots in {state_dir}. Is the app running under "
            "`opentelemetry-instrument` with pgotel installed? (--state-dir or "
            "PGOTEL_STATE_DIR looks elsewhere)",
            err=True,
        )
    return view


def window_minutes(window: str) -> int | None:
    return WINDOWS[window]


def window_start_ns(window: str) -> int:
    """The first nanosecond a window covers (0 for all time)."""
    minutes = WINDOWS[window]
    if minutes is None:
        return 0
    now_minute = time.time_ns() // NS_PER_MINUTE
    return (now_minute - minutes) * NS_PER_MINUTE
