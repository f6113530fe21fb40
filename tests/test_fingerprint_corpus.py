"""pgotel's fingerprint on the corpus: grouping agreement, no literal leaking from bad input."""

from __future__ import annotations

import pytest
from benches.corpus import (
    COMMENT,
    NUMBER,
    QIDENT,
    STRING,
    Malformed,
    Pair,
    load_corpus,
    load_malformed,
    string_content,
    tokens,
)

from pgotel._native import fingerprint

AGREEMENT_FLOOR = 99.0
SHOWN = 40
MALFORMED = load_malformed()


def describe(pair: Pair) -> str:
    relation = "the SAME fingerprint" if pair.should_group else "DIFFERENT fingerprints"
    return "\n".join(
        [
            f"{pair.group_a} / {pair.group_b}: expected {relation}",
            f"  A: {pair.sql_a!r}\n     -> {fingerprint(pair.sql_a).normalized!r}",
            f"  B: {pair.sql_b!r}\n     -> {fingerprint(pair.sql_b).normalized!r}",
        ]
    )


def test_agreement_over_the_pairs_that_matter():
    corpus = load_corpus()
    ids = {stmt.sql: fingerprint(stmt.sql).id for stmt in corpus.statements}
    pairs = list(corpus.pairs())
    wrong = [pair for pair in pairs if (ids[pair.sql_a] == ids[pair.sql_b]) != pair.should_group]
    agreement = 100.0 * (len(pairs) - len(wrong)) / len(pairs)
    shown = "\n".join(describe(pair) for pair in wrong[:SHOWN])
    assert agreement >= AGREEMENT_FLOOR, (
        f"agreement {agreement:.2f}% < {AGREEMENT_FLOOR}% "
        f"({len(wrong)} of {len(pairs)} pairs wrong; first {SHOWN}):\n{shown}"
    )


def literals(text: str) -> tuple[set[str], set[str]]:
    """String contents of 3+ characters and numbers of 3+ digits, as PostgreSQL would lex them."""
    strings, numbers = set(), set()
    for tok in tokens(text):
        if tok.kind == STRING and len(content := string_content(tok.text)) >= 3:
            strings.add(content)
        elif tok.kind == NUMBER and sum(char.isdigit() for char in tok.text) >= 3:
            numbers.add(tok.text)
    return strings, numbers


def kept_numbers(normalized: str) -> set[str]:
    """Number tokens of the normalized text, comment bodies included."""
    found = set()
    for tok in tokens(normalized):
        if tok.kind == NUMBER:
            found.add(tok.text)
        elif tok.kind == COMMENT:
            found |= {inner.text for inner in tokens(tok.text[2:]) if inner.kind == NUMBER}
    return found


def without_quoted_identifiers(normalized: str) -> str:
    return "".join(tok.text for tok in tokens(normalized) if tok.kind != QIDENT)


@pytest.mark.parametrize(
    "entry", MALFORMED, ids=[f"{n}-{entry.why[:40]}" for n, entry in enumerate(MALFORMED)]
)
def test_malformed_input_gives_a_result_without_literals(entry: Malformed):
    result = fingerprint(entry.sql)
    assert isinstance(result.id, int)
    assert isinstance(result.normalized, str)
    assert isinstance(result.exact, bool)
    text = entry.sql.decode("utf-8", "replace") if isinstance(entry.sql, bytes) else entry.sql
    strings, numbers = literals(text)
    visible = without_quoted_identifiers(result.normalized)
    leaked_strings = sorted(content for content in strings if content in visible)
    leaked_numbers = sorted(numbers & kept_numbers(result.normalized))
    assert not leaked_strings and not leaked_numbers, (
        f"{entry.why}: literals survive in {result.normalized[:500]!r}: "
        f"strings {leaked_strings[:5]}, numbers {leaked_numbers[:5]}"
    )
