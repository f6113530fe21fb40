"""pgotel: OpenTelemetry for Python services on PostgreSQL and GraphQL."""

from __future__ import annotations

from pgotel._native import __version__, build_profile

__all__ = ["__version__", "build_profile"]
