"""The fingerprint corpus: statement groups, near-miss pairs, malformed inputs, and a SQL lexer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "corpus"
CORPUS_PATH = CORPUS_DIR / "fingerprint_corpus.jsonl"
MALFORMED_PATH = CORPUS_DIR / "malformed.jsonl"
SCHEMA_PATH = CORPUS_DIR / "schema.sql"


@dataclass(frozen=True)
class Statement:
    """One corpus statement and the group it belongs to."""

    group: str
    sql: str
    source: str


@dataclass(frozen=True)
class NearMiss:
    """Two groups whose statements differ in one detail, so must not share a fingerprint."""

    group_a: str
    group_b: str
    why: str


class Pair(NamedTuple):
    """A pair that matters: both statements, whether they must share a fingerprint, their groups."""

    sql_a: str
    sql_b: str
    should_group: bool
    group_a: str
    group_b: str


@dataclass
class Corpus:
    """Statements by group, in file order, and the declared near-miss pairs of groups."""

    groups: dict[str, list[Statement]] = field(default_factory=dict)
    near_misses: list[NearMiss] = field(default_factory=list)

    @property
    def statements(self) -> list[Statement]:
        return [stmt for members in self.groups.values() for stmt in members]

    def pairs(self) -> Iterator[Pair]:
        """Every pair within a group, then every cross pair of each near-miss declaration."""
        for group, members in self.groups.items():
            for a, b in combinations(members, 2):
                yield Pair(a.sql, b.sql, True, group, group)
        for miss in self.near_misses:
            for a in self.groups[miss.group_a]:
                for b in self.groups[miss.group_b]:
                    yield Pair(a.sql, b.sql, False, miss.group_a, miss.group_b)


@dataclass(frozen=True)
class Malformed:
    """An input a fingerprinter must survive; `sql` is bytes when the input is not valid UTF-8."""

    sql: str | bytes
    why: str


def load_corpus(path: Path = CORPUS_PATH) -> Corpus:
    """Read the corpus, checking it: near misses name known groups, no statement is in two."""
    corpus = Corpus()
    seen: dict[str, str] = {}
    for lineno, record in _records(path):
        if "near_miss" in record:
            group_a, group_b = record["near_miss"]
            corpus.near_misses.append(NearMiss(group_a, group_b, record["why"]))
            continue
        stmt = Statement(record["group"], record["sql"], record["source"])
        if seen.setdefault(stmt.sql, stmt.group) != stmt.group:
            raise ValueError(f"{path}:{lineno}: statement also in group {seen[stmt.sql]!r}")
        corpus.groups.setdefault(stmt.group, []).append(stmt)
    for miss in corpus.near_misses:
        for group in (miss.group_a, miss.group_b):
            if group not in corpus.groups:
                raise ValueError(f"{path}: near miss names unknown group {group!r}")
    return corpus


def load_malformed(path: Path = MALFORMED_PATH) -> list[Malformed]:
    """Read the malformed inputs; `sql_hex` entries become bytes."""
    entries = []
    for _, record in _records(path):
        sql = bytes.fromhex(record["sql_hex"]) if "sql_hex" in record else record["sql"]
        entries.append(Malformed(sql, record["why"]))
    return entries


def _records(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8") as lines:
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                yield lineno, json.loads(line)


class Token(NamedTuple):
    """A lexical token; `kind` is one of the kind names below (WS, COMMENT, STRING, ...)."""

    kind: str
    text: str


WS, COMMENT, STRING, NUMBER, PARAM, PLACEHOLDER = (
    "ws",
    "comment",
    "string",
    "number",
    "param",
    "placeholder",
)
IDENT, QIDENT, OP, PUNCT, OTHER = "ident", "qident", "op", "punct", "other"

_OP_CHARS = frozenset("+-*/<>=~!@#%^&|`?")
_OP_SPECIAL = frozenset("~!@#%^&|`?")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?"
)
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[sbt]")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$")
_IDENT = re.compile(r"[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*")
_PARAM = re.compile(r"\$\d+")
_STRING_PREFIX = re.compile(r"(?:[eEbBxXnN]|[uU]&)'")


def tokens(sql: str) -> list[Token]:
    """Split PostgreSQL text into tokens, psycopg placeholders included; never fails.

    Unterminated strings, quoted identifiers and comments run to the end of the text.
    """
    out: list[Token] = []
    pos = 0
    while pos < len(sql):
        kind, end = _scan(sql, pos)
        out.append(Token(kind, sql[pos:end]))
        pos = end
    return out


def _scan(sql: str, pos: int) -> tuple[str, int]:
    char = sql[pos]
    rest2 = sql[pos : pos + 2]
    if char.isspace():
        end = pos + 1
        while end < len(sql) and sql[end].isspace():
            end += 1
        return WS, end
    if rest2 == "--":
        end = sql.find("\n", pos)
        return COMMENT, len(sql) if end < 0 else end
    if rest2 == "/*":
        return COMMENT, _block_comment_end(sql, pos)
    if prefix := _STRING_PREFIX.match(sql, pos):
        escapes = sql[pos] in "eE"
        return STRING, _quoted_end(sql, prefix.end() - 1, "'", escapes)
    if char == "'":
        return STRING, _quoted_end(sql, pos, "'", False)
    if char == '"' or sql.startswith(('U&"', 'u&"'), pos):
        return QIDENT, _quoted_end(sql, sql.index('"', pos), '"', False)
    if char == "$":
        return _scan_dollar(sql, pos)
    if match := _IDENT.match(sql, pos):
        return IDENT, match.end()
    if (char.isdigit() or (char == "." and sql[pos + 1 : pos + 2].isdigit())) and (
        match := _NUMBER.match(sql, pos)
    ):
        return NUMBER, match.end()
    if char == "%" and (match := _PLACEHOLDER.match(sql, pos)):
        return PLACEHOLDER, match.end()
    if rest2 == "::":
        return PUNCT, pos + 2
    if char in "()[],;:.":
        return PUNCT, pos + 1
    if char in _OP_CHARS:
        return OP, _operator_end(sql, pos)
    return OTHER, pos + 1


def _block_comment_end(sql: str, pos: int) -> int:
    depth, end = 0, pos
    while end < len(sql):
        if sql.startswith("/*", end):
            depth, end = depth + 1, end + 2
        elif sql.startswith("*/", end):
            depth, end = depth - 1, end + 2
            if depth == 0:
                return end
        else:
            end += 1
    return len(sql)


def _quoted_end(sql: str, open_quote: int, quote: str, escapes: bool) -> int:
    end = open_quote + 1
    while end < len(sql):
        char = sql[end]
        if escapes and char == "\\":
            end += 2
        elif char == quote:
            if sql[end + 1 : end + 2] != quote:
                return end + 1
            end += 2
        else:
            end += 1
    return len(sql)


def _scan_dollar(sql: str, pos: int) -> tuple[str, int]:
    if match := _PARAM.match(sql, pos):
        return PARAM, match.end()
    if match := _DOLLAR_TAG.match(sql, pos):
        close = sql.find(match.group(), match.end())
        return STRING, len(sql) if close < 0 else close + len(match.group())
    return OTHER, pos + 1


def _operator_end(sql: str, pos: int) -> int:
    end = pos
    while end < len(sql) and sql[end] in _OP_CHARS:
        if end > pos and sql.startswith(("--", "/*"), end):
            break
        if sql[end] == "%" and _PLACEHOLDER.match(sql, end) and end > pos:
            break
        end += 1
    text = sql[pos:end]
    while len(text) > 1 and text[-1] in "+-" and not _OP_SPECIAL.intersection(text):
        text = text[:-1]
    return pos + len(text)


def string_content(text: str) -> str:
    """The characters between the quotes of a (possibly unterminated) string token."""
    if text.startswith("$"):
        tag = _DOLLAR_TAG.match(text)
        body = text[tag.end() :] if tag else text[1:]
        return body[: -len(tag.group())] if tag and body.endswith(tag.group()) else body
    body = text[text.index("'") + 1 :]
    return body[:-1] if body.endswith("'") else body
