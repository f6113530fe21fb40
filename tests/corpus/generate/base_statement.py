"""A base statement: one statement taken from a source, with its hand-declared near misses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BaseStatement:
    """A statement the generator starts a group from, and how to derive more from it.

    `near` lists hand-written near misses as (statement, what differs). `alts` gives
    replacement literals for literal variants, keyed by the literal's text in `sql`.
    `vary` also varies the literals of a utility statement (those of DML always vary).
    `auto` is how many automatic near misses to add; None lets the generator decide.
    `note` is appended to `source`, e.g. to say how the statement was adapted.
    """

    group: str
    source: str
    sql: str
    near: Sequence[tuple[str, str]] = ()
    alts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    vary: bool = False
    auto: int | None = None
    note: str | None = None

    @property
    def full_source(self) -> str:
        """The source as written in the corpus: with the note in parentheses, if any."""
        return f"{self.source} ({self.note})" if self.note else self.source
