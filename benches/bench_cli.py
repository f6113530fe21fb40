"""The CLI's speed as a person meets it: the wall time of a whole `pgotel db top` process.

Issue 6's targets: the median under 150 ms over 4 snapshots of 1,000 queries,
under 500 ms over 8 snapshots of 10,000. Beside it, in the same run: `python
-c pass` (the interpreter's own start-up, which no change to pgotel can
remove) and `pgotel --version` (start-up and imports, no snapshots read).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgotel import Engine
from pgotel.exporters.local import prepare_state_dir, write_atomic

#: Runs per command; the median stands for it (a noisy neighbour moves the mean, not it).
RUNS = 11


def _engine(keys: int, seed: int) -> Engine:
    """`keys` distinct queries, 5 calls each, as a busy process would have."""
    engine = Engine(max_keys=keys + 10)
    for k in range(keys):
        for j in range(5):
            engine.record_query(
                f"SELECT c{k} FROM t{k % 97} WHERE id = {j}",
                1000 * (seed + j + 1) + k,
                "23505" if (k + j) % 50 == 0 else None,
                1,
            )
    return engine


def write_state(directory: Path, processes: int, keys: int) -> Path:
    """A state dir with `processes` snapshots of `keys` queries (shared by all of them)."""
    state = prepare_state_dir(directory)
    for pid in range(processes):
        write_atomic(state / f"bench-{pid + 1}-ab.pgotel", _engine(keys, pid).snapshot())
    return state


def median_ms(argv: list[str], runs: int = RUNS) -> float:
    """Median wall time of running `argv` to completion, in ms (output discarded)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run() -> None:
    pgotel = [str(Path(sys.executable).with_name("pgotel"))]
    with tempfile.TemporaryDirectory() as tmp:
        small = write_state(Path(tmp) / "small", processes=4, keys=1_000)
        large = write_state(Path(tmp) / "large", processes=8, keys=10_000)
        print(f"\nThe CLI from a shell: median wall time of {RUNS} runs")
        baseline = median_ms([sys.executable, "-c", "pass"])
        print(f"  {'python -c pass (baseline)':<44} {baseline:7.1f} ms")
        version = median_ms([*pgotel, "--version"])
        print(f"  {'pgotel --version (start-up and imports)':<44} {version:7.1f} ms")
        for label, state, target in (
            ("pgotel db top, 4 snapshots x 1,000 queries", small, 150),
            ("pgotel db top, 8 snapshots x 10,000 queries", large, 500),
        ):
            ms = median_ms([*pgotel, "db", "top", "--state-dir", str(state)])
            verdict = "met" if ms < target else "NOT met"
            print(f"  {label:<44} {ms:7.1f} ms   target < {target} ms: {verdict}")
        ms = median_ms([*pgotel, "health", "--state-dir", str(large)])
        print(f"  {'pgotel health, 8 snapshots x 10,000 queries':<44} {ms:7.1f} ms")


if __name__ == "__main__":
    run()
