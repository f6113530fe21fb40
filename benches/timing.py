"""Timing shared by the benchmarks: best of several rounds, interleaved.

Rounds of the contenders alternate so that a noisy neighbour on this shared
machine hurts all of them alike; the best round stands for each.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult


class NullExporter(SpanExporter):
    """Exports nothing: the processor's own cost, without a collector's."""

    def export(self, spans: object) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def best_per_call_ns(
    contenders: dict[str, Callable[[], None]], calls: int, rounds: int = 5
) -> dict[str, float]:
    """Nanoseconds per call of each contender, best round of `rounds`."""
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter_ns()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter_ns() - start) / calls)
    return best


def report(title: str, results: dict[str, float], baseline: str) -> None:
    """Print each contender in µs per call and as a ratio to the baseline."""
    print(f"\n{title}")
    base = results[baseline]
    for name, ns in results.items():
        print(f"  {name:<48} {ns / 1000:9.3f} µs/call  {ns / base:8.3f}x {baseline}")


def rss_mb() -> float:
    """This process's resident memory, in MiB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
