"""Every pgotel setting, read once from OTEL_* and PGOTEL_* environment variables.

This is the one place to look up a setting's name, default and validation
(docs/configuration.md lists them for users). A bad value is a `ConfigError`
naming the variable, raised when the settings are read, never a crash later.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pgotel.errors import ConfigError

T = TypeVar("T")

#: Cache names are bounded: at most this many redis key prefixes.
MAX_REDIS_PREFIXES = 256

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def default_state_dir() -> Path:
    """Where snapshots live when PGOTEL_STATE_DIR is unset: a per-user runtime dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "pgotel"
    import tempfile  # only here: it costs the CLI's start-up a few ms

    return Path(tempfile.gettempdir()) / f"pgotel-{os.getuid()}"


def _positive_float(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError("must be a positive number")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError("must be a number >= 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be an integer >= 1")
    return value


def _at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise ValueError("must be an integer >= 2")
    return value


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError("must be true or false")


def _comment_mode(text: str) -> str:
    mode = text.lower()
    if mode not in ("off", "service", "trace"):
        raise ValueError("must be off, service or trace")
    return mode


RESOLVER_SPAN_MODES = ("off", "nontrivial", "all")


def _resolver_spans(text: str) -> str:
    mode = text.lower()
    if mode not in RESOLVER_SPAN_MODES:
        raise ValueError("must be off, nontrivial or all")
    return mode


def _prefixes(text: str) -> tuple[str, ...]:
    """Comma-separated key prefixes, longest first so the most specific one names a key."""
    found = {word.strip() for word in text.split(",") if word.strip()}
    if len(found) > MAX_REDIS_PREFIXES:
        raise ValueError(f"at most {MAX_REDIS_PREFIXES} prefixes")
    return tuple(sorted(found, key=lambda p: (-len(p), p)))


def _port(text: str) -> int | None:
    value = int(text)
    if not 1 <= value <= 65535:
        raise ValueError("must be a TCP port, 1 to 65535")
    return value


def _host(text: str) -> str:
    if any(c.isspace() for c in text):
        raise ValueError("must be a host name or address")
    return text


def _words(text: str) -> frozenset[str]:
    return frozenset(word.strip().lower() for word in text.split(",") if word.strip())


@dataclass(frozen=True)
class Settings:
    """The effective settings of this process."""

    state_dir: Path
    snapshot_interval_s: float
    #: Snapshots of dead processes older than this are pruned.
    snapshot_retention_s: float
    #: Write snapshots at all (the CLI reads them).
    local_exporter: bool
    max_keys: int
    slow_query_ms: float
    capture_parameters: bool
    #: OTEL_SEMCONV_STABILITY_OPT_IN holds database/dup: also emit the older attribute names.
    database_semconv_dup: bool
    service_name: str
    #: off | service | trace: what SQL comment (sqlcommenter format) goes with each statement.
    sqlcommenter: str
    #: A pool checkout that waits at least this long becomes an event on the current span.
    pool_wait_event_ms: float
    #: One query run this many times within one GraphQL operation is an N+1 pattern.
    n_plus_one_threshold: int
    #: off | nontrivial | all: which GraphQL resolvers get a span (aggregates are kept for
    #: every non-default resolver whatever this says).
    graphql_resolver_spans: str
    #: Resolver spans are made down to this many fields deep (`users.*.posts` is 2).
    graphql_resolver_max_depth: int
    #: Put the GraphQL document, literals replaced, on the operation span.
    graphql_capture_document: bool
    #: A result with GraphQL errors marks the operation span ERROR (else: only its events).
    graphql_error_status: bool
    #: At exit (or `pgotel.shutdown()`), wait at most this many seconds for the collector.
    shutdown_timeout_s: float
    #: Serve the engine's metrics for Prometheus on this port (None: no listening socket).
    prometheus_port: int | None
    #: The address that port binds to: loopback unless told otherwise.
    prometheus_host: str
    #: Redis keys starting with one of these name a cache by that prefix; others are "redis".
    redis_prefixes: tuple[str, ...]
    #: Put redis key names on spans (they can hold personal data: off by default).
    redis_capture_keys: bool
    #: Serve /healthz and /readyz on this port (None: no listening socket).
    health_port: int | None
    #: The address the health endpoints bind to: loopback unless set otherwise.
    health_host: str

    def described(self) -> list[tuple[str, str, object]]:
        """(variable, field, value) for every setting, in the order they are read."""
        return [(VARIABLES[name], name, getattr(self, name)) for name in VARIABLES]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings from `env` (default: os.environ)."""
        env = os.environ if env is None else env
        opt_in = _read(env, "OTEL_SEMCONV_STABILITY_OPT_IN", _words, frozenset)
        return cls(
            state_dir=_read(env, "PGOTEL_STATE_DIR", Path, default_state_dir),
            snapshot_interval_s=_read(
                env, "PGOTEL_SNAPSHOT_INTERVAL", _positive_float, lambda: 5.0
            ),
            snapshot_retention_s=_read(
                env, "PGOTEL_SNAPSHOT_RETENTION", _positive_float, lambda: 3600.0
            ),
            local_exporter=_read(env, "PGOTEL_LOCAL_EXPORTER", _bool, lambda: True),
            max_keys=_read(env, "PGOTEL_MAX_KEYS", _positive_int, lambda: 10_000),
            slow_query_ms=_read(env, "PGOTEL_SLOW_QUERY_MS", _non_negative_float, lambda: 100.0),
            capture_parameters=_read(env, "PGOTEL_CAPTURE_PARAMETERS", _bool, lambda: False),
            database_semconv_dup="database/dup" in opt_in,
            service_name=_read(env, "OTEL_SERVICE_NAME", str, lambda: "unknown_service"),
            sqlcommenter=_read(env, "PGOTEL_SQLCOMMENTER", _comment_mode, lambda: "off"),
            pool_wait_event_ms=_read(
                env, "PGOTEL_POOL_WAIT_EVENT_MS", _non_negative_float, lambda: 10.0
            ),
            n_plus_one_threshold=_read(
                env, "PGOTEL_N_PLUS_ONE_THRESHOLD", _at_least_two, lambda: 10
            ),
            graphql_resolver_spans=_read(
                env, "PGOTEL_GRAPHQL_RESOLVER_SPANS", _resolver_spans, lambda: "nontrivial"
            ),
            graphql_resolver_max_depth=_read(
                env, "PGOTEL_GRAPHQL_RESOLVER_MAX_DEPTH", _positive_int, lambda: 10
            ),
            graphql_capture_document=_read(
                env, "PGOTEL_GRAPHQL_CAPTURE_DOCUMENT", _bool, lambda: False
            ),
            graphql_error_status=_read(env, "PGOTEL_GRAPHQL_ERROR_STATUS", _bool, lambda: True),
            shutdown_timeout_s=_read(
                env, "PGOTEL_SHUTDOWN_TIMEOUT", _non_negative_float, lambda: 5.0
            ),
            prometheus_port=_read(env, "PGOTEL_PROMETHEUS_PORT", _port, lambda: None),
            prometheus_host=_read(env, "PGOTEL_PROMETHEUS_HOST", _host, lambda: "127.0.0.1"),
            redis_prefixes=_read(env, "PGOTEL_REDIS_PREFIXES", _prefixes, tuple),
            redis_capture_keys=_read(env, "PGOTEL_REDIS_CAPTURE_KEYS", _bool, lambda: False),
            health_port=_read(env, "PGOTEL_HEALTH_PORT", _port, lambda: None),
            health_host=_read(env, "PGOTEL_HEALTH_HOST", _host, lambda: "127.0.0.1"),
        )


#: The variable each setting is read from.
VARIABLES = {
    "state_dir": "PGOTEL_STATE_DIR",
    "snapshot_interval_s": "PGOTEL_SNAPSHOT_INTERVAL",
    "snapshot_retention_s": "PGOTEL_SNAPSHOT_RETENTION",
    "local_exporter": "PGOTEL_LOCAL_EXPORTER",
    "max_keys": "PGOTEL_MAX_KEYS",
    "slow_query_ms": "PGOTEL_SLOW_QUERY_MS",
    "capture_parameters": "PGOTEL_CAPTURE_PARAMETERS",
    "database_semconv_dup": "OTEL_SEMCONV_STABILITY_OPT_IN",
    "service_name": "OTEL_SERVICE_NAME",
    "sqlcommenter": "PGOTEL_SQLCOMMENTER",
    "pool_wait_event_ms": "PGOTEL_POOL_WAIT_EVENT_MS",
    "n_plus_one_threshold": "PGOTEL_N_PLUS_ONE_THRESHOLD",
    "graphql_resolver_spans": "PGOTEL_GRAPHQL_RESOLVER_SPANS",
    "graphql_resolver_max_depth": "PGOTEL_GRAPHQL_RESOLVER_MAX_DEPTH",
    "graphql_capture_document": "PGOTEL_GRAPHQL_CAPTURE_DOCUMENT",
    "graphql_error_status": "PGOTEL_GRAPHQL_ERROR_STATUS",
    "shutdown_timeout_s": "PGOTEL_SHUTDOWN_TIMEOUT",
    "prometheus_port": "PGOTEL_PROMETHEUS_PORT",
    "prometheus_host": "PGOTEL_PROMETHEUS_HOST",
    "redis_prefixes": "PGOTEL_REDIS_PREFIXES",
    "redis_capture_keys": "PGOTEL_REDIS_CAPTURE_KEYS",
    "health_port": "PGOTEL_HEALTH_PORT",
    "health_host": "PGOTEL_HEALTH_HOST",
}


def _read(
    env: Mapping[str, str], name: str, parse: Callable[[str], T], default: Callable[[], T]
) -> T:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default()
    try:
        return parse(raw.strip())
    except ValueError as exc:
        where = env.origin(name) if isinstance(env, Keywords) else name
        raise ConfigError(f"{where}={raw!r} is not valid: {exc}") from None


class Keywords(Mapping[str, str]):
    """Keyword settings (`pgotel.configure(slow_query_ms=50)`) over the environment."""

    def __init__(self, keywords: Mapping[str, object], env: Mapping[str, str]) -> None:
        unknown = sorted(set(keywords) - set(VARIABLES))
        if unknown:
            known = ", ".join(VARIABLES)
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; known: {known}")
        self.keywords = {VARIABLES[k]: (k, _as_text(k, v)) for k, v in keywords.items()}
        self.env = env

    def origin(self, variable: str) -> str:
        """How a person wrote the setting: the keyword, or the variable."""
        keyword = self.keywords.get(variable)
        return keyword[0] if keyword else variable

    def __getitem__(self, variable: str) -> str:
        keyword = self.keywords.get(variable)
        return keyword[1] if keyword else self.env[variable]

    def __iter__(self) -> Iterator[str]:
        return iter({**self.env, **dict.fromkeys(self.keywords)})

    def __len__(self) -> int:
        return len({**self.env, **dict.fromkeys(self.keywords)})


def _as_text(keyword: str, value: object) -> str:
    if keyword == "database_semconv_dup":  # a bool here, a word list in the variable
        return "database/dup" if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (set, frozenset, list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def use_keywords(keywords: Mapping[str, object]) -> Settings:
    """Make `keywords` (over the environment) the process's settings; see `pgotel.configure`."""
    global _settings
    with _settings_lock:
        _settings = Settings.from_env(Keywords(keywords, os.environ))
        return _settings


_settings: Settings | None = None
_settings_lock = threading.Lock()


def settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    global _settings
    if _settings is None:
        with _settings_lock:
            if _settings is None:
                _settings = Settings.from_env()
    return _settings
