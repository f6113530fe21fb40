"""One renderer for every command: rows of dicts as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMATS = ("table", "json", "csv")


@dataclass(frozen=True)
class Column:
    """A column: its header, the row key it shows, how a table shows it."""

    header: str
    key: str
    show: Callable[[Any], str] = str
    right: bool = True
    #: The column that takes what width is left (the query text); others keep their size.
    flexible: bool = False


def duration(ns: Any) -> str:
    """Nanoseconds as a person reads them: 812µs, 1.23ms, 2.50s."""
    if ns is None:
        return "-"
    # Each unit up to the value that would round to 1000 of it, never "1000µs".
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 999_500:
        return f"{ns / 1e3:.0f}µs"
    if ns < 999_995_000:
        return f"{ns / 1e6:.2f}ms"
    return f"{ns / 1e9:.2f}s"


def clock(ns: Any) -> str:
    """A wall-clock time in ns since the epoch, local time, to the millisecond."""
    if not ns:
        return "-"
    return datetime.fromtimestamp(ns / 1e9).strftime("%H:%M:%S.%f")[:-3]


def iso(ns: Any) -> str | None:
    return datetime.fromtimestamp(ns / 1e9).astimezone().isoformat() if ns else None


def count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: str, wide: bool) -> str:
    """Render `rows`: a table for people (JSON and CSV carry the raw values, all keys)."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2, default=str)
    if fmt == "csv":
        out = io.StringIO()
        keys = list(rows[0].keys()) if rows else [c.key for c in columns]
        writer = csv.DictWriter(out, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in keys})
        return out.getvalue().rstrip("\n")
    return _table(rows, columns, wide)


def _csv_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], wide: bool) -> str:
    cells = [[c.show(row.get(c.key)) for c in columns] for row in rows]
    widths = [max([len(c.header)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    if not wide:
        total = shutil.get_terminal_size((120, 24)).columns
        fixed = sum(w + 2 for w, c in zip(widths, columns, strict=True) if not c.flexible)
        for i, c in enumerate(columns):
            if c.flexible:
                widths[i] = max(len(c.header), min(widths[i], total - fixed))
    lines = [_line([c.header for c in columns], columns, widths, wide)]
    lines += [_line(r, columns, widths, wide) for r in cells]
    return "\n".join(lines)


def _line(
    values: Sequence[str], columns: Sequence[Column], widths: Sequence[int], wide: bool
) -> str:
    parts = []
    for value, column, width in zip(values, columns, widths, strict=True):
        text = " ".join(value.split()) if column.flexible else value
        if column.flexible and not wide and len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        parts.append(text.rjust(width) if column.right else text.ljust(width))
    return "  ".join(parts).rstrip()
