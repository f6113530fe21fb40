"""Server-side (named) cursors: the DECLARE and every FETCH round trip count as one statement.

`execute` on a named cursor only sends `DECLARE`; the server runs the query
as the app fetches (`fetchone`, `fetchmany`, `fetchall`, iteration by
`itersize`, `scroll`). So the declared query's span and engine record stay
open while the cursor is used: each round trip adds its time, its rows and
one to `pgotel.fetches`; the first failing one is the statement's error. The
record is made when the cursor closes, is executed again, or is collected.
Its duration is the time the server worked for the app (DECLARE plus the
fetches), not the time between them; the span lasts from DECLARE to close.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from pgotel.faults import is_fatal, report_fault

if TYPE_CHECKING:
    from pgotel.instrumentation.psycopg import _Call, _Hooks


class _Run:
    """One named cursor's query, from DECLARE to close."""

    __slots__ = ("busy_ns", "call", "done", "error", "fetches", "finalizer", "rows")

    def __init__(self, call: _Call, declare_ns: int) -> None:
        self.call = call
        self.busy_ns = declare_ns
        self.rows = 0
        self.fetches = 0
        self.error: BaseException | None = None
        self.done = False
        self.finalizer: weakref.finalize[Any, Any] | None = None


class CursorRuns:
    """The open runs of named cursors, by cursor. Never raises into the app."""

    def __init__(self, hooks: _Hooks) -> None:
        self.hooks = hooks
        self._runs: weakref.WeakKeyDictionary[Any, _Run] = weakref.WeakKeyDictionary()

    def declared(self, cursor: Any, call: _Call | None) -> None:
        """DECLARE succeeded: keep the call open for the fetches to come."""
        if call is None:
            return
        try:
            self.closed(cursor)  # executed again: the previous run ends here
            run = _Run(call, time.perf_counter_ns() - call.started_ns)
            self._runs[cursor] = run
            # A cursor the app never closes still gets its record when it is collected.
            # Not at interpreter exit: the SDK may be shut down by then.
            run.finalizer = weakref.finalize(cursor, self._end, run)
            run.finalizer.atexit = False
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg server cursor (declare)", exc)

    def fetched(self, cursor: Any, started_ns: int, rows: Any, error: BaseException | None) -> None:
        try:
            run = self._runs.get(cursor)
            if run is None:
                return
            run.busy_ns += time.perf_counter_ns() - started_ns
            run.fetches += 1
            if error is not None:
                if run.error is None:
                    run.error = error
            elif isinstance(rows, list):
                run.rows += len(rows)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg server cursor (fetch)", exc)

    def closed(self, cursor: Any) -> None:
        try:
            run = self._runs.pop(cursor, None)
            if run is not None:
                self._end(run)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg server cursor (close)", exc)

    def _end(self, run: _Run) -> None:
        if run.done:
            return
        run.done = True
        if run.finalizer is not None:  # ended before the cursor was collected: let the run go
            run.finalizer.detach()
        span = run.call.span
        if span.is_recording():
            span.set_attribute("pgotel.fetches", run.fetches)
        if run.error is not None:
            self.hooks.fail(run.call, run.error, run.busy_ns)
        else:
            self.hooks.finish(run.call, None, run.rows, run.busy_ns)


def wrap_fetch_gen(original: Callable[..., Any], runs: CursorRuns) -> Any:
    """ServerCursorMixin._fetch_gen / _scroll_gen: one FETCH or MOVE round trip, sync or async."""

    @functools.wraps(original)
    def round_trip(self: Any, *args: Any) -> Generator[Any, Any, Any]:
        started = time.perf_counter_ns()
        try:
            result = yield from original(self, *args)
        except BaseException as exc:
            runs.fetched(self, started, None, exc)
            raise
        runs.fetched(self, started, result, None)
        return result

    return round_trip


def wrap_close(original: Callable[..., Any], runs: CursorRuns) -> Any:
    @functools.wraps(original)
    def close(self: Any) -> Any:
        try:
            return original(self)
        finally:
            runs.closed(self)

    return close


def wrap_close_async(original: Callable[..., Any], runs: CursorRuns) -> Any:
    @functools.wraps(original)
    async def close(self: Any) -> Any:
        try:
            return await original(self)
        finally:
            runs.closed(self)

    return close
