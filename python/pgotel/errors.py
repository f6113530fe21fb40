"""The exceptions pgotel raises to its callers (never into the instrumented app)."""

from __future__ import annotations


class PgotelError(Exception):
    """Base of every pgotel error."""


class ConfigError(PgotelError, ValueError):
    """A setting has a value pgotel cannot use; the message names the variable."""


class SnapshotError(PgotelError):
    """A snapshot file cannot be read: foreign, truncated, corrupt or from a newer pgotel."""


class StateDirError(PgotelError):
    """The state directory is unsafe to use (world-writable, foreign-owned, not a directory)."""
