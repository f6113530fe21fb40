"""`python -m benches` (`make bench`): every benchmark beside its baseline from the same run."""

from __future__ import annotations

from benches import (
    bench_cache,
    bench_cli,
    bench_engine,
    bench_graphql,
    bench_psycopg,
    bench_psycopg_hooks,
    fingerprint_corpus,
)


def main() -> None:
    print("== fingerprint corpus: pgotel against pglast, sqlglot and PostgreSQL's query id ==")
    fingerprint_corpus.run()
    print("\n== engine ==")
    bench_engine.run()
    print("\n== the command line ==")
    bench_cli.run()
    print("\n== psycopg instrumentation ==")
    bench_psycopg.run()
    bench_psycopg_hooks.run()
    print("\n== redis instrumentation ==")
    bench_cache.run()
    print("\n== GraphQL instrumentation ==")
    bench_graphql.run()


main()
