"""Is it healthy? One model for `pgotel health` and for apps that ask themselves.

Each component gets a status with the reasons behind it; the overall status
is the worst of them. The CLI maps it to an exit code (0 healthy, 1 degraded,
2 unhealthy), so `pgotel health` serves as a Kubernetes exec probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from pgotel.state import StateView, read_state

#: Version of the health report's JSON (docs/cli.md): `pgotel health --format json`, /readyz.
SCHEMA_VERSION = 1
#: SQLSTATE classes that mean the database could not be reached or went away.
CONNECTION_CLASSES = ("08", "57")
#: query_canceled (class 57): a statement timeout or a cancel, the connection still up.
QUERY_CANCELED = "57014"
#: psycopg's error for a connection that broke with no SQLSTATE (the server vanished).
CONNECTION_ERROR_TYPES = ("OperationalError",)
NS_PER_S = 1_000_000_000


class Status(IntEnum):
    """Ordered from best to worst; the value is the CLI's exit code."""

    HEALTHY = 0
    DEGRADED = 1
    UNHEALTHY = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Thresholds:
    """When a figure turns a component degraded (configurable on the command line)."""

    #: A process whose last snapshot is older than this many seconds is stale.
    stale_after_s: float = 15.0
    #: The share of failed calls over the last 5 minutes that makes the database degraded.
    error_ratio: float = 0.05
    #: A live probe slower than this (milliseconds) makes the database degraded.
    probe_ms: float = 500.0
    #: A cache whose hit ratio over the last 5 minutes is below this is degraded...
    cache_hit_ratio: float = 0.5
    #: ...once it had at least this many lookups in that window (a cold start is not a fault).
    cache_min_lookups: int = 100


@dataclass
class Component:
    name: str
    status: Status = Status.HEALTHY
    reasons: list[str] = field(default_factory=list)

    def worse(self, status: Status, reason: str) -> None:
        self.status = max(self.status, status)
        self.reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return {"component": self.name, "status": str(self.status), "reasons": self.reasons}


@dataclass
class Health:
    components: list[Component]

    @property
    def status(self) -> Status:
        return max((c.status for c in self.components), default=Status.HEALTHY)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "status": str(self.status),
            "components": [c.as_dict() for c in self.components],
        }


def check(
    state_dir: Path,
    *,
    dsn: str | None = None,
    thresholds: Thresholds | None = None,
    now_ns: int | None = None,
) -> Health:
    """The health of the processes writing to `state_dir` (and of the database, given `dsn`)."""
    limits = thresholds or Thresholds()
    now = time.time_ns() if now_ns is None else now_ns
    view = read_state(state_dir, now_ns=now)
    components = [
        _exporter(view, limits, now),
        _otlp(view, limits, now),
        _engine(view),
        _database(view, limits, dsn),
        _pools(view),
        _caches(view, limits),
    ]
    return Health(components)


def _exporter(view: StateView, limits: Thresholds, now: int) -> Component:
    c = Component("exporter")
    processes = view.report.processes
    if not processes:
        c.worse(Status.UNHEALTHY, f"no snapshots in {view.state_dir}")
        return c
    stale_ns = int(limits.stale_after_s * NS_PER_S)
    fresh = [p for p in processes if now - p["written_ns"] <= stale_ns]
    if not fresh:
        newest = max(p["written_ns"] for p in processes)
        c.worse(Status.UNHEALTHY, f"no process wrote in {(now - newest) / NS_PER_S:.0f}s")
    elif len(fresh) < len(processes):
        c.reasons.append(f"{len(processes) - len(fresh)} stopped process(es) kept for retention")
    for path, reason in view.unreadable:
        c.worse(Status.DEGRADED, f"unreadable snapshot {path.name}: {reason}")
    if c.status is Status.HEALTHY:
        c.reasons.insert(0, f"{len(fresh)} live process(es)")
    return c


def _otlp(view: StateView, limits: Thresholds, now: int) -> Component:
    """The OTLP exporters of the live processes: failing now, or losing data."""
    c = Component("otlp")
    stale_ns = int(limits.stale_after_s * NS_PER_S)
    totals: dict[str, dict[str, int]] = {}
    for p in view.report.processes:
        if now - p["written_ns"] > stale_ns:
            continue
        for name, value in p.get("values", {}).items():
            parts = name.split(".")
            if len(parts) != 3 or parts[0] != "exporter":
                continue
            signal = totals.setdefault(parts[1], {})
            if parts[2].startswith("last_"):
                signal[parts[2]] = max(signal.get(parts[2], 0), value)
            else:
                signal[parts[2]] = signal.get(parts[2], 0) + value
            if parts[2] == "last_failure_ns" and value > p["values"].get(
                f"exporter.{parts[1]}.last_success_ns", 0
            ):
                signal["failing"] = signal.get("failing", 0) + 1
    if not totals:
        c.reasons.append("no OTLP exporter in the live processes")
    for signal_name, f in sorted(totals.items()):
        lost = f"{f.get('failed', 0):,} failed, {f.get('dropped', 0):,} dropped"
        text = f"{signal_name}: {f.get('exported', 0):,} exported, {lost}"
        if f.get("failing"):
            ago = (now - f["last_failure_ns"]) / NS_PER_S
            c.worse(
                Status.DEGRADED,
                f"{text}; the last export failed {ago:.0f}s ago in {f['failing']} process(es)",
            )
        else:
            c.reasons.append(text)
    return c


def _engine(view: StateView) -> Component:
    c = Component("engine")
    counters = view.report.counters
    if counters["internal_errors"]:
        c.worse(
            Status.DEGRADED, f"{counters['internal_errors']:,} internal errors (see the app's log)"
        )
    if counters["overflowed"]:
        c.worse(
            Status.DEGRADED, f"key cap reached: {counters['overflowed']:,} calls went to overflow"
        )
    if counters["rejected"]:
        c.worse(Status.DEGRADED, f"{counters['rejected']:,} durations rejected")
    if c.status is Status.HEALTHY:
        c.reasons.append(f"{counters['recorded']:,} calls recorded")
    return c


def _database(view: StateView, limits: Thresholds, dsn: str | None) -> Component:
    c = Component("database")
    rows = view.report.rows("query", 5)
    calls = sum(r["calls"] for r in rows)
    failed = sum(r["errors"] for r in rows)
    lost = lost_connections(rows)
    if calls:
        ratio = failed / calls
        text = f"{failed:,} of {calls:,} calls failed in the last 5 minutes ({ratio:.1%})"
        if ratio > limits.error_ratio:
            c.worse(Status.DEGRADED, text)
        else:
            c.reasons.append(text)
    if lost:
        c.worse(Status.DEGRADED, f"{lost:,} calls lost their connection in the last 5 minutes")
    canceled = canceled_statements(rows)
    if canceled:
        c.worse(
            Status.DEGRADED,
            f"{canceled:,} statements timed out or were cancelled ({QUERY_CANCELED}) "
            "in the last 5 minutes",
        )
    if dsn is not None:
        _probe(c, dsn, limits)
    return c


def lost_connections(rows: list[dict[str, Any]]) -> int:
    """Calls in the window that lost their connection: SQLSTATE classes 08 and 57 (but not
    57014, a statement timeout, which leaves the connection usable), and psycopg's
    OperationalError without a SQLSTATE (the socket closed under the call)."""
    return _in_window(rows, _is_lost_connection)


def _is_lost_connection(code: str) -> bool:
    if code in CONNECTION_ERROR_TYPES:
        return True
    return code[:2] in CONNECTION_CLASSES and code != QUERY_CANCELED


def canceled_statements(rows: list[dict[str, Any]]) -> int:
    """Calls in the window cancelled by a statement timeout or a cancel request (57014)."""
    return _in_window(rows, lambda code: code == QUERY_CANCELED)


def _in_window(rows: list[dict[str, Any]], matches: Callable[[str], bool]) -> int:
    # Error codes are counted since start while `errors` covers the window: a key's failures
    # in the window bound its share, so an old failure does not count forever.
    total = 0
    for row in rows:
        since_start = sum(n for code, n in row["error_codes"] if matches(code))
        total += min(row["errors"], since_start)
    return total


def _probe(c: Component, dsn: str, limits: Thresholds) -> None:
    """A live `SELECT 1`, with a timeout: round-trip time and server version."""
    import psycopg

    started = time.perf_counter()
    try:
        with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as conn:
            conn.execute("SET statement_timeout = '5s'")
            conn.execute("SELECT 1").fetchone()
            version = conn.info.parameter_status("server_version") or "?"
    except psycopg.Error as exc:
        c.worse(Status.UNHEALTHY, f"probe failed: {str(exc).strip().splitlines()[0]}")
        return
    ms = (time.perf_counter() - started) * 1000
    text = f"probe: PostgreSQL {version}, connect + SELECT 1 in {ms:.1f}ms"
    if ms > limits.probe_ms:
        c.worse(Status.DEGRADED, text)
    else:
        c.reasons.append(text)


def pool_timeouts(row: dict[str, Any]) -> int:
    """A pool row's checkouts that timed out (its other failed checkouts are not timeouts)."""
    return int(dict(row["error_codes"]).get("PoolTimeout", 0))


def _pools(view: StateView) -> Component:
    c = Component("pool")
    for row in view.report.rows("pool", 5):
        timeouts = pool_timeouts(row)
        if row["errors"]:
            # Other checkout failures (a closed pool, a cancelled wait) are errors, not timeouts.
            c.worse(
                Status.DEGRADED,
                f"pool {row['text']}: {row['errors']:,} failed checkouts in the last 5 minutes "
                f"({timeouts:,} timeouts)",
            )
        else:
            c.reasons.append(f"pool {row['text']}: {row['calls']:,} checkouts, no timeouts")
    return c


def _caches(view: StateView, limits: Thresholds) -> Component:
    from pgotel.cache.stats import cache_stats

    c = Component("cache")
    for row in cache_stats(view.report, 5):
        ratio = row["hit_ratio"]
        if ratio is None:
            continue
        if row["source"] == "dataloader":
            # A DataLoader's cache only dedupes keys within one request: it is judged by
            # its batches (`pgotel cache stats`), not by a hit-ratio floor.
            continue
        text = (
            f"cache {row['cache']}: {ratio:.1%} hits of {row['lookups']:,} lookups "
            "in the last 5 minutes"
        )
        if row["lookups"] >= limits.cache_min_lookups and ratio < limits.cache_hit_ratio:
            c.worse(Status.DEGRADED, f"{text} (floor {limits.cache_hit_ratio:.0%})")
        else:
            c.reasons.append(text)
    return c
