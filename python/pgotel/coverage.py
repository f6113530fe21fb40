"""Spans of other instrumentations whose statement a pgotel hook already recorded.

An ORM's span (SQLAlchemy's, say) wraps the psycopg call that pgotel's hook
records; the AggregatingSpanProcessor must then skip the ORM's span, or the
statement would count twice, and only when sampled. The hook marks the span
here by its ids; the processor looks it up once, when the span ends.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: Marks kept at most; the oldest go first (a span that never ends must not pin memory).
MAX_COVERED = 4096

_covered: OrderedDict[tuple[int, int], None] = OrderedDict()
_lock = threading.Lock()


def cover(trace_id: int, span_id: int) -> None:
    with _lock:
        _covered[(trace_id, span_id)] = None
        if len(_covered) > MAX_COVERED:
            _covered.popitem(last=False)


def take(trace_id: int, span_id: int) -> bool:
    """Was this span covered? Forgets it either way (a span ends once)."""
    if not _covered:  # the common case, without the lock
        return False
    with _lock:
        return _covered.pop((trace_id, span_id), 0) is None
