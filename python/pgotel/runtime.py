"""The process's one engine: made on first use from the settings, emptied in a forked child."""

from __future__ import annotations

import os
import secrets
import socket
import threading

from pgotel._native import Engine
from pgotel.config import settings

_engine: Engine | None = None
_lock = threading.Lock()


def engine() -> Engine:
    """The engine every pgotel hook of this process records into."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = _new_engine()
    return _engine


def _new_engine() -> Engine:
    s = settings()
    made = Engine(
        max_keys=s.max_keys,
        slow_threshold_ns=int(s.slow_query_ms * 1_000_000),
        service=s.service_name,
        host=socket.gethostname(),
        instance=secrets.token_hex(4),
    )
    # A forked child (gunicorn, multiprocessing) starts with empty aggregates of its own.
    os.register_at_fork(after_in_child=made.reset)
    return made
