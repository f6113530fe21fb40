"""Every pgotel setting, read once from PGOTEL_* environment variables.

Later features add their settings here, so there is one place to look up a
name, its default and its validation. A bad value is a `ConfigError` naming
the variable, raised when the settings are read, never a crash later.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pgotel.errors import ConfigError

T = TypeVar("T")


def default_state_dir() -> Path:
    """Where snapshots live when PGOTEL_STATE_DIR is unset: a per-user runtime dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "pgotel"
    import tempfile

    return Path(tempfile.gettempdir()) / f"pgotel-{os.getuid()}"


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


@dataclass(frozen=True)
class Settings:
    """The effective settings of this process."""

    state_dir: Path
    snapshot_interval_s: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings from `env` (default: os.environ)."""
        env = os.environ if env is None else env
        return cls(
            state_dir=_read(env, "PGOTEL_STATE_DIR", Path, default_state_dir),
            snapshot_interval_s=_read(
                env, "PGOTEL_SNAPSHOT_INTERVAL", _positive_float, lambda: 5.0
            ),
        )


def _read(
    env: Mapping[str, str], name: str, parse: Callable[[str], T], default: Callable[[], T]
) -> T:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default()
    try:
        return parse(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None
