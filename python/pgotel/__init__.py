"""pgotel: OpenTelemetry for Python services on PostgreSQL and GraphQL."""

from __future__ import annotations

from pgotel._native import (
    Engine,
    Fingerprint,
    Report,
    __version__,
    build_profile,
    fingerprint,
    merge_snapshots,
)
from pgotel.setup import configure, shutdown

__all__ = [
    "Engine",
    "Fingerprint",
    "Report",
    "__version__",
    "build_profile",
    "configure",
    "fingerprint",
    "merge_snapshots",
    "shutdown",
]
