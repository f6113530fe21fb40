"""A load driver: a realistic mix of GraphQL operations over HTTP for a set time.

    python -m examples.load http://127.0.0.1:8000/graphql 30

Prints progress each second, then throughput and client-side latency.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

#: (weight, document, variables): mostly lookups, some pages (one with the N+1, one with
#: its DataLoader fix), reviews (repeats break a unique constraint), a few slow searches.
MIX: list[tuple[int, str, Callable[[], dict[str, Any]]]] = [
    (
        50,
        "query Book($id: Int!) { book(id: $id) { title } }",
        lambda: {"id": random.randint(1, 100_000)},
    ),
    (
        12,
        "query Shelf($offset: Int!) { books(offset: $offset, limit: 10) { title author } }",
        lambda: {"offset": random.randint(0, 99_990)},
    ),
    (
        12,
        "query ShelfBatched($offset: Int!) "
        "{ books(offset: $offset, limit: 10) { title authorBatched } }",
        lambda: {"offset": random.randint(0, 99_990)},
    ),
    (
        20,
        "mutation Review($b: Int!, $r: String!, $s: Int!) "
        "{ addReview(bookId: $b, reader: $r, stars: $s) }",
        lambda: {"b": random.randint(1, 300), "r": f"reader{random.randint(1, 30)}", "s": 4},
    ),
    (
        10,
        "query YearCount($year: Int!) { booksOfYear(year: $year) }",
        lambda: {"year": random.randint(1900, 2024)},
    ),
    (
        6,
        "query Search($text: String!) { search(text: $text) }",
        lambda: {"text": str(random.randint(0, 999))},
    ),
]
THREADS = 8


def main() -> None:
    url, seconds = sys.argv[1], float(sys.argv[2])
    weighted = [(doc, variables) for weight, doc, variables in MIX for _ in range(weight)]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            document, variables = random.choice(weighted)
            body = json.dumps({"query": document, "variables": variables()}).encode()
            request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    ok = "errors" not in json.loads(response.read())
            except (urllib.error.URLError, TimeoutError, ValueError):
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    for t in threads:
        t.start()
    live = sys.stderr.isatty()  # a redrawn bar on a terminal, a line every 5 s in a log
    ticks = 0
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        ticks += 1
        left = max(deadline - time.monotonic(), 0)
        with lock:
            done = len(latencies)
        bar = "#" * int(30 * (1 - left / seconds))
        if live:
            print(f"\r  [{bar:<30}] {done:,} requests, {left:4.0f}s left", end="", file=sys.stderr)
        elif ticks % 5 == 0:
            print(f"  {done:,} requests, {left:.0f}s left", file=sys.stderr, flush=True)
    if live:
        print(file=sys.stderr)
    latencies.sort()
    n = len(latencies)

    def quantile(q: float) -> float:
        return latencies[min(int(q * n), n - 1)] * 1000 if n else 0.0

    print(
        f"  {n:,} requests in {seconds:.0f}s ({n / seconds:,.0f}/s), {errors[0]:,} with errors; "
        f"client latency p50 {quantile(0.5):.1f}ms, p95 {quantile(0.95):.1f}ms, "
        f"p99 {quantile(0.99):.1f}ms"
    )


if __name__ == "__main__":
    main()
