"""`python -m benches`: run every benchmark and print its ratios."""

from __future__ import annotations

from benches import bench_psycopg_baseline


def main() -> None:
    for bench in (bench_psycopg_baseline,):
        bench.run()


main()
