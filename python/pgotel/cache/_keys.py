"""How cache figures are keyed in the engine: one key of kind "cache" per cache name and outcome.

A key's name is `<cache name>:<outcome>` and its operation is the outcome, so
hits and misses of one cache are separate keys, each with its own latency
quantiles. Readers take the cache name back by cutting `:<outcome>` off the
end, whatever the cache name holds (redis prefixes end in `:` themselves).
"""

from __future__ import annotations

import threading

#: The engine's key kind for every cache figure.
KIND = "cache"

HIT = "hit"
MISS = "miss"
SET = "set"
DELETE = "delete"
EVICT = "evict"
#: A failed cache call (its error code says why): neither a hit nor a miss.
ERROR = "error"
#: Any other command sent to a cache server (INCR, EXPIRE, PING, ...).
OTHER = "other"
#: One call per time the size was read; the newest sample's `rows` is the size then.
SIZE = "size"
#: A DataLoader's call of its batch function: `rows` the keys in the batch.
BATCH = "batch"

OUTCOMES = (HIT, MISS, SET, DELETE, EVICT, ERROR, OTHER, SIZE, BATCH)

#: Key names kept ready-made; past the cap they are built on each call.
MAX_CACHED_NAMES = 4096

_names: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def key_name(cache: str, outcome: str) -> str:
    """The engine key name of `cache`'s `outcome` (built once, then reused)."""
    name = _names.get((cache, outcome))
    if name is None:
        name = f"{cache}:{outcome}"
        with _lock:
            if len(_names) < MAX_CACHED_NAMES:
                _names[(cache, outcome)] = name
    return name


def split(text: str, operation: str) -> tuple[str, str] | None:
    """(cache name, outcome) of an engine row's `text` and `operation`; None if not a cache key."""
    suffix = ":" + operation
    if operation not in OUTCOMES or not text.endswith(suffix):
        return None
    return text[: -len(suffix)], operation
