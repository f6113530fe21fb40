"""Internal failures: caught where they happen, counted in the engine, logged at most once a minute.

pgotel never lets its own failure reach the app. Every hook catches, calls
`report_fault`, and carries on; `pgotel health` shows the count.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from pgotel._native import Engine

logger = logging.getLogger("pgotel")

LOG_INTERVAL_S = 60.0

_last_logged: dict[str, float] = {}
_lock = threading.Lock()


def _after_fork() -> None:
    # Another thread of the parent may have held the lock at the fork: the child gets its own.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def report_fault(engine: Engine | None, where: str, exc: BaseException) -> None:
    """Count `exc` (raised inside pgotel at `where`) and log it unless logged in the last minute."""
    try:
        if engine is not None:
            engine.count_internal_error()
        now = time.monotonic()
        with _lock:
            last = _last_logged.get(where)
            if last is not None and now - last < LOG_INTERVAL_S:
                return
            _last_logged[where] = now
        logger.warning(
            "pgotel: internal error in %s (counted; the app is not affected): %s: %s",
            where,
            type(exc).__name__,
            exc,
        )
    except Exception:
        pass


def is_fatal(exc: BaseException) -> bool:
    """Exceptions pgotel lets through: the interpreter is exiting or the user asked to stop."""
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))
