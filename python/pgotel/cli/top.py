"""`pgotel top`: a live view of the instrumented processes, redrawn every second.

The frame is built as plain lines (`frame`), so `--once` prints the same view
without a terminal; the live loop only draws those lines with curses, which
restores the terminal on the way out (`q`, Ctrl-C, or an error).
"""

from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pgotel.cli.options import WINDOWS, state_dir_option
from pgotel.cli.processes import state_of
from pgotel.cli.render import Column, count, duration, render
from pgotel.state import StateView, read_state

NS_PER_S = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_S
#: Minutes the throughput sparkline covers (the engine keeps 15 and the current one).
SPARK_MINUTES = 15
BLOCKS = "▁▂▃▄▅▆▇█"
ASCII_BLOCKS = "_.-=+*#@"


@dataclass
class Options:
    state_dir: Path
    service: str | None
    pid: int | None
    window: str
    limit: int
    ascii: bool = False
    host: str = field(default_factory=socket.gethostname)


def _rate(calls: int, window_minutes: int, view: StateView, now_ns: int) -> float:
    """Calls per second over the window, counting only the time some process was running."""
    start = (now_ns // NS_PER_MINUTE - window_minutes) * NS_PER_MINUTE
    started = [p["started_ns"] for p in view.report.processes if p["started_ns"]]
    if started:
        start = max(start, min(started))
    return calls / max((now_ns - start) / NS_PER_S, 1.0)


def _summary(label: str, view: StateView, kind: str, minutes: int, now_ns: int) -> str:
    latency = view.report.latency(kind, minutes)
    calls, errors = latency["calls"], latency["errors"]
    ratio = f"{errors / calls:.1%}" if calls else "-"
    return (
        f"{label:<9}{_rate(calls, minutes, view, now_ns):>9.1f}/s   errors {ratio:>6}   "
        f"p50 {duration(latency['p50_ns']):>8}  p95 {duration(latency['p95_ns']):>8}  "
        f"p99 {duration(latency['p99_ns']):>8}"
    )


def sparkline(values: list[int], ascii: bool = False) -> str:
    """One character per value, its height relative to the largest."""
    blocks = ASCII_BLOCKS if ascii else BLOCKS
    top = max(values, default=0)
    if top == 0:
        return blocks[0] * len(values)
    return "".join(blocks[min(len(blocks) - 1, v * (len(blocks) - 1) // top)] for v in values)


def _histogram(view: StateView, minutes: int, ascii: bool, width: int) -> list[str]:
    buckets = view.report.latency("query", minutes)["histogram"]
    used = [i for i, (_, n) in enumerate(buckets) if n]
    if not used:
        return []
    shown = buckets[used[0] : used[-1] + 1]
    top = max(n for _, n in shown)
    bar_width = max(10, min(50, width - 30))
    bar = "#" if ascii else "█"
    lines = []
    for upper, n in shown:
        label = f"< {_decade(upper)}" if upper is not None else f">= {_decade(buckets[-2][0])}"
        length = max(1 if n else 0, n * bar_width // top)
        lines.append(f"  {label:>8}  {bar * length:<{bar_width}}  {n:,}")
    return lines


def _decade(ns: int) -> str:
    """A histogram bound: 1µs, 10µs, ... 10s."""
    for unit, size in (("s", 1_000_000_000), ("ms", 1_000_000), ("µs", 1_000)):
        if ns >= size:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def _table(title: str, rows: list[dict[str, Any]], columns: list[Column]) -> list[str]:
    if not rows:
        return []
    return ["", title, *render(rows, columns, "table", wide=False).splitlines()]


def frame(opts: Options, now_ns: int | None = None, width: int = 120) -> list[str]:
    """The whole view as lines of text, from what the state dir holds now."""
    now = time.time_ns() if now_ns is None else now_ns
    minutes = WINDOWS[opts.window] or 15
    view = read_state(opts.state_dir, service=opts.service, pid=opts.pid, now_ns=now)
    report = view.report
    states = [state_of(p, opts.host, None) for p in report.processes]
    head = (
        f"pgotel top   {time.strftime('%H:%M:%S', time.localtime(now / NS_PER_S))}   "
        f"{opts.state_dir}   q quits"
    )
    lines = [head]
    alive = states.count("alive")
    unreadable = f", {len(view.unreadable)} unreadable" if view.unreadable else ""
    if not report.processes:
        lines += [
            f"no snapshots in {opts.state_dir} yet{unreadable}: waiting for an instrumented "
            "process to write one"
        ]
        return lines
    lines.append(
        f"processes: {alive} alive, {len(states) - alive} stopped{unreadable}   "
        f"window: last {opts.window} (the current minute and the {minutes} before)"
    )
    lines.append(_summary("queries", view, "query", minutes, now))
    if report.rows("graphql", minutes, "calls", 1):
        lines.append(_summary("graphql", view, "graphql", minutes, now))
    timeline = report.timeline("query", SPARK_MINUTES)
    per_minute = [m["calls"] for m in timeline]
    lines.append(
        f"calls/min {sparkline(per_minute, opts.ascii)}  last {SPARK_MINUTES} min, now at right "
        f"(peak {max(per_minute, default=0):,})"
    )
    histogram = _histogram(view, minutes, opts.ascii, width)
    if histogram:
        lines += ["", "query latency", *histogram]
    queries = report.rows("query", minutes, "total_ns", opts.limit)
    lines += _table(
        "TOP QUERIES by total time",
        queries,
        [
            Column("CALLS", "calls", count),
            Column("TOTAL", "total_ns", duration),
            Column("P95", "p95_ns", duration),
            Column("ERR", "errors", count),
            Column("QUERY", "text", right=False, flexible=True),
        ],
    )
    operations = report.rows("graphql", minutes, "total_ns", opts.limit)
    lines += _table(
        "TOP OPERATIONS by total time",
        operations,
        [
            Column("CALLS", "calls", count),
            Column("TOTAL", "total_ns", duration),
            Column("P95", "p95_ns", duration),
            Column("ERR", "errors", count),
            Column("OPERATION", "text", right=False, flexible=True),
        ],
    )
    pools = report.rows("pool", minutes, "calls", opts.limit)
    for pool in pools:
        pool["timeouts"] = dict(pool["error_codes"]).get("PoolTimeout", 0)
    lines += _table(
        "POOLS",
        pools,
        [
            Column("POOL", "text", right=False),
            Column("CHECKOUTS", "calls", count),
            Column("TIMEOUTS", "timeouts", count),
            Column("WAIT P95", "p95_ns", duration),
            Column("MAX", "max_ns", duration),
        ],
    )
    return lines


def _live(opts: Options, interval: float) -> None:
    import curses

    def loop(screen: Any) -> None:
        with contextlib.suppress(curses.error):  # a terminal without an invisible cursor
            curses.curs_set(0)
        screen.timeout(max(50, int(interval * 1000)))
        while True:
            height, width = screen.getmaxyx()
            try:
                lines = frame(opts, width=width)
            except Exception as exc:  # say it and retry next time: a live view stays up
                lines = [f"pgotel top: cannot read {opts.state_dir}: {exc}"]
            screen.erase()
            for y, line in enumerate(lines[:height]):
                # One column short: writing the last cell of the screen is an error.
                with contextlib.suppress(curses.error):
                    screen.addnstr(y, 0, line, max(width - 1, 0))
            screen.refresh()
            key = screen.getch()  # waits up to the interval; a resize just redraws
            if key in (ord("q"), ord("Q")):
                return

    curses.wrapper(loop)


@click.command()
@state_dir_option
@click.option("--service", help="Only processes of this OTEL_SERVICE_NAME.")
@click.option("--pid", type=int, help="Only this process.")
@click.option(
    "--window",
    type=click.Choice(list(WINDOWS)),
    default="1m",
    show_default=True,
    help="The minutes the figures cover ('all' shows the last 15).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between redraws.",
)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--once", is_flag=True, help="Print one frame and exit (no terminal needed).")
@click.option("--ascii", "ascii_only", is_flag=True, help="Bars and sparkline in ASCII.")
def top(
    state_dir: Path,
    service: str | None,
    pid: int | None,
    window: str,
    interval: float,
    limit: int,
    once: bool,
    ascii_only: bool,
) -> None:
    """A live view: throughput, errors, latency, top queries and operations, pools (q quits)."""
    import locale
    import sys

    encoding = locale.getpreferredencoding(False).lower().replace("-", "")
    opts = Options(state_dir, service, pid, window, limit, ascii_only or encoding != "utf8")
    if once or not sys.stdout.isatty():
        click.echo("\n".join(frame(opts)))
        return
    locale.setlocale(locale.LC_ALL, "")  # curses writes UTF-8 only with the user's locale
    # Ctrl-C quits like q; curses.wrapper has restored the terminal by then.
    with contextlib.suppress(KeyboardInterrupt):
        _live(opts, interval)
