"""pgotel: OpenTelemetry for Python services on PostgreSQL and GraphQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pgotel._native import (
    Engine,
    Fingerprint,
    Report,
    __version__,
    build_profile,
    fingerprint,
    merge_snapshots,
)

if TYPE_CHECKING:
    from pgotel.setup import configure, shutdown


def __getattr__(name: str) -> Any:
    # The set-up (and the SDK and logging it pulls in) loads on first use, so
    # that the CLI, which never configures, starts without it.
    if name in ("configure", "shutdown"):
        from pgotel import setup

        return getattr(setup, name)
    raise AttributeError(f"module 'pgotel' has no attribute {name!r}")


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
