"""Adding a tracked cache's counts to the engine: shared by the trackers."""

from __future__ import annotations

from pgotel._native import Engine
from pgotel.cache._keys import KIND, SIZE, key_name


def add(engine: Engine, name: str, outcome: str, n: int) -> None:
    """Add `n` untimed calls of `outcome` to cache `name` (none when n <= 0)."""
    if n > 0:
        engine.count_named(KIND, key_name(name, outcome), outcome, n)


def note_size(engine: Engine, name: str, entries: int) -> None:
    """Note cache `name`'s size now (the newest note is its size)."""
    engine.record_named(KIND, key_name(name, SIZE), SIZE, 0, None, max(int(entries), 0))
