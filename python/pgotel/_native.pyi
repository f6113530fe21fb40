"""Type stub for the compiled engine (`native/src/python.rs`), checked by mypy.stubtest."""

from typing import Any, Final, final

__all__ = [
    "SKETCH_RELATIVE_ACCURACY",
    "SNAPSHOT_FORMAT_VERSION",
    "Engine",
    "Fingerprint",
    "Report",
    "__version__",
    "build_profile",
    "fingerprint",
    "merge_snapshots",
    "snapshot_info",
]

__version__: Final[str]
build_profile: Final[str]
SNAPSHOT_FORMAT_VERSION: Final[int]
SKETCH_RELATIVE_ACCURACY: Final[float]

@final
class Fingerprint:
    """What one query text is: its shape's id, normalized text and summary."""

    @property
    def id(self) -> int: ...
    @property
    def hex(self) -> str: ...
    @property
    def normalized(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def table(self) -> str | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def exact(self) -> bool: ...
    @property
    def truncated(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def fingerprint(sql: str | bytes) -> Fingerprint: ...

@final
class Engine:
    """Per-process aggregates. Every recording method is safe to call from any thread."""

    def __new__(
        cls,
        *,
        max_keys: int = 10_000,
        slow_threshold_ns: int = 100_000_000,
        slow_samples: int = 10,
        recent_samples: int = 8,
        fingerprint_cache: int = 4096,
        service: str = "",
        host: str = "",
        instance: str = "",
    ) -> Engine: ...
    def record_query(
        self,
        sql: str | bytes,
        duration_ns: int,
        error: str | None = None,
        rows: int = -1,
        trace_id: int = 0,
        span_id: int = 0,
    ) -> Fingerprint: ...
    def record_fingerprint(
        self,
        fingerprint: Fingerprint,
        duration_ns: int,
        error: str | None = None,
        rows: int = -1,
        trace_id: int = 0,
        span_id: int = 0,
    ) -> None: ...
    def record_n_plus_one(
        self,
        operation: str,
        fingerprint: Fingerprint,
        repeats: int,
        duration_ns: int,
        trace_id: int = 0,
        span_id: int = 0,
        resolver: str = "",
    ) -> None:
        """An N+1: keyed by operation, resolver path and query; rows of kind "n_plus_one"
        carry the resolver path as "origin"."""
    def record_named(
        self,
        kind: str,
        name: str,
        operation: str,
        duration_ns: int,
        error: str | None = None,
        rows: int = -1,
        trace_id: int = 0,
        span_id: int = 0,
    ) -> int:
        """One call of a named key; kind is "graphql", "graphql_db", "resolver", "cache" or
        "pool"."""
    def count_named(
        self, kind: str, name: str, operation: str, calls: int, rows: int = -1
    ) -> int: ...
    def record_span(self, span: object) -> bool: ...
    def set_value(self, name: str, value: int) -> bool: ...
    def count_internal_error(self) -> None: ...
    def _panic_next(self, n: int) -> None:
        """Test only: the next `n` recording calls panic inside the engine (caught, counted in
        internal_errors, logged at most once a minute). Costs one atomic load per call."""
    def _raise_next(self, n: int) -> None:
        """Test only: the next `n` calls of record_query, record_fingerprint, record_named and
        record_span raise RuntimeError, as a broken engine would, into pgotel's Python hooks."""
    def snapshot(self) -> bytes: ...
    def reset(self) -> None: ...
    def stats(self) -> dict[str, int]: ...

@final
class Report:
    """Snapshots of many processes, merged. Rows and samples are plain dicts for rendering."""

    @property
    def processes(self) -> list[dict[str, Any]]: ...
    @property
    def unreadable(self) -> list[tuple[int, str]]: ...
    @property
    def counters(self) -> dict[str, int]: ...
    def rows(
        self,
        kind: str = "query",
        window_minutes: int | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]: ...
    def histograms(self, kind: str, bounds_ns: list[int]) -> list[dict[str, Any]]: ...
    def latency(self, kind: str = "query", window_minutes: int | None = None) -> dict[str, Any]: ...
    def timeline(self, kind: str = "query", minutes: int = 15) -> list[dict[str, int]]: ...
    def samples(
        self, kind: str = "query", slowest: bool = True, since_ns: int = 0, limit: int = 100
    ) -> list[dict[str, Any]]: ...

def merge_snapshots(snapshots: list[bytes], now_ns: int | None = None) -> Report: ...
def snapshot_info(data: bytes) -> dict[str, Any]: ...
