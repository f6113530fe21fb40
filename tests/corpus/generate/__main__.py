"""Command line: write fingerprint_corpus.jsonl, malformed.jsonl and schema.sql into --out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benches.corpus import CORPUS_DIR, SCHEMA_PATH
from tests.corpus.generate import malformed
from tests.corpus.generate.agent_statements import AGENT_STATEMENTS
from tests.corpus.generate.builder import CorpusBuilder
from tests.corpus.generate.docs_statements import DOCS_STATEMENTS
from tests.corpus.generate.handwritten_statements import HANDWRITTEN_STATEMENTS
from tests.corpus.generate.validation import Validator, handwritten_schema

BASE_STATEMENTS = [*DOCS_STATEMENTS, *AGENT_STATEMENTS, *HANDWRITTEN_STATEMENTS]


def generate(out: Path, verbose: bool = False) -> None:
    """Build the corpus against a throwaway PostgreSQL and write its three files into `out`."""
    schema = handwritten_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = Validator(schema)
    try:
        builder = CorpusBuilder(validator)
        builder.build(BASE_STATEMENTS)
        twins = validator.twins_sql()
    finally:
        validator.close()
    out.mkdir(parents=True, exist_ok=True)
    builder.write(out / "fingerprint_corpus.jsonl")
    malformed.write(out / "malformed.jsonl")
    (out / "schema.sql").write_text(schema.rstrip("\n") + "\n\n" + twins, encoding="utf-8")

    statements = sum(len(members) for members in builder.groups.values())
    print(
        f"{out}: {statements} statements in {len(builder.groups)} groups from "
        f"{len(BASE_STATEMENTS)} base statements, {len(builder.near)} near-miss declarations, "
        f"{len(malformed.MALFORMED)} malformed inputs"
    )
    for source, count in builder.source_counts().most_common():
        print(f"  {count:5}  {source}")
    notes = f"{len(builder.log)} notes: statements left out, merged or invalid"
    print(notes + (":" if verbose else " (-v lists them)"))
    if verbose:
        for line in builder.log:
            print(f"  {line}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.generate", description=__doc__)
    parser.add_argument(
        "--out",
        type=Path,
        default=CORPUS_DIR,
        help="directory to write the corpus files into (default: tests/corpus)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list what was left out or merged"
    )
    args = parser.parse_args(argv)
    generate(args.out, args.verbose)


if __name__ == "__main__":
    main(sys.argv[1:])
