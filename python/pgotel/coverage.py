"""Spans of other instrumentations whose statement a pgotel hook already recorded.

An ORM's span (SQLAlchemy's, say) wraps the psycopg call that pgotel's hook
records; the AggregatingSpanProcessor must then skip the ORM's span, or the
statement would count twice, and only when sampled. The hook marks the span
here by its ids; the processor looks it up once, when the span ends.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextvars import ContextVar

#: Marks kept at most; the oldest go first (a span that never ends must not pin memory).
MAX_COVERED = 4096

_covered: OrderedDict[tuple[int, int], None] = OrderedDict()
_lock = threading.Lock()


def _after_fork() -> None:
    # Another thread of the parent may have held the lock at the fork: the child gets its own.
    global _lock
    _lock = threading.Lock()
    _covered.clear()


os.register_at_fork(after_in_child=_after_fork)


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


#: When the last statement a pgotel hook recorded in this context started and ended
#: (wall clock, ns); (0, 0) when none or when it has excused a span already.
_last_statement: ContextVar[tuple[int, int]] = ContextVar("pgotel_last_statement", default=(0, 0))


def recorded(started_ns: int, ended_ns: int) -> None:
    """A pgotel hook recorded a statement that ran from `started_ns` to `ended_ns`
    (time.time_ns())."""
    _last_statement.set((started_ns, ended_ns))


def statement_recorded() -> bool:
    """Has a pgotel hook recorded a statement in this context that no span has claimed?"""
    return _last_statement.get()[0] != 0


def take_wrapped(span_started_ns: int, span_ended_ns: int) -> bool:
    """Is a database span ending now one that wrapped the statement pgotel recorded last in
    this context (it started before that statement and ended after it)? Then that
    statement is its own.

    For ORM spans that are never current (SQLAlchemy's): such a span ends, in the app's
    context, right after the statement it covers. Forgets the statement when it matches,
    so it excuses one span only.
    """
    started, ended = _last_statement.get()
    if not started or started < span_started_ns or ended > span_ended_ns:
        return False
    _last_statement.set((0, 0))
    return True
