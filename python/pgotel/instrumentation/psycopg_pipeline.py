"""psycopg pipeline mode: a statement's span and record end when its results arrive.

In pipeline mode `execute` only queues the statement; its results (or its
error) come back later, at the next sync, fetch or when the queue is drained.
So a statement run in a pipeline is registered here when it is queued and
completed when psycopg processes the last result it queued.

Every result psycopg queues gets a sequence number: the number of results the
pipeline had processed plus those still waiting when it was queued. A
statement owns the numbers queued while its call ran; psycopg processes
results in order, one `_process_results` call each, so counting those calls
tells which statement a result belongs to without touching psycopg's queues.
"""

from __future__ import annotations

import functools
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pgotel.faults import is_fatal, report_fault

if TYPE_CHECKING:
    from pgotel.instrumentation.psycopg import _Call, _Hooks

#: Statements waiting for their results in one pipeline, at most. Past it a statement is
#: completed as soon as its call returns (as outside a pipeline) rather than tracked.
MAX_PENDING = 10_000


class Pending:
    """One statement queued in a pipeline, until its last result is processed."""

    __slots__ = ("call", "done", "end", "error", "pipeline", "rows", "start")

    def __init__(self, call: _Call, pipeline: Any, start: int) -> None:
        self.call = call
        self.pipeline = weakref.ref(pipeline)  # the state, kept by the pipeline, holds this
        self.start = start
        self.end: int | None = None  # set when the call returns: its results are start..end-1
        self.error: BaseException | None = None
        self.rows = -1
        self.done = False


class _State:
    """What pgotel knows of one pipeline: results processed, statements waiting."""

    __slots__ = ("__weakref__", "pending", "processed")

    def __init__(self, waiting: int) -> None:
        # Results queued before pgotel first looked get negative numbers: no statement owns them.
        self.processed = -waiting
        self.pending: deque[Pending] = deque()


class PipelineTracker:
    """Pairs statements queued in pipelines with their results. Never raises into the app."""

    def __init__(self, hooks: _Hooks) -> None:
        self.hooks = hooks
        self._states: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()

    def queue(self, call: _Call | None, conn: Any) -> Pending | None:
        """Before a call that may queue statements: track it if `conn` is in pipeline mode."""
        if call is None:
            return None
        try:
            pipeline = getattr(conn, "_pipeline", None)
            if pipeline is None:
                return None
            state = self._states.get(pipeline)
            if state is None:
                state = self._states[pipeline] = _State(len(pipeline.result_queue))
            if len(state.pending) >= MAX_PENDING:
                return None
            pending = Pending(call, pipeline, state.processed + len(pipeline.result_queue))
            state.pending.append(pending)
            return pending
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg pipeline (queue)", exc)
            return None

    def returned(self, pending: Pending, error: BaseException | None) -> None:
        """The call that queued `pending` returned (or raised `error`)."""
        try:
            pipeline = pending.pipeline()
            state = self._states.get(pipeline) if pipeline is not None else None
            if state is None or pipeline is None:  # it ended within the call: completed then
                return
            pending.end = state.processed + len(pipeline.result_queue)
            if pending.end == pending.start:  # nothing was queued (it failed before sending)
                if error is not None and pending.error is None:
                    pending.error = error
                self._complete(pending)
            elif state.processed >= pending.end:  # its results came back during the call
                self._complete(pending)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg pipeline (returned)", exc)

    def _owner(self, state: _State, seq: int) -> Pending | None:
        """The statement that queued result `seq`; completes any left behind."""
        pending = state.pending
        while pending:
            head = pending[0]
            if head.done:
                pending.popleft()
            elif head.end is not None and head.end <= seq:
                self._complete(head)  # its results were processed elsewhere: do not leak it
                pending.popleft()
            elif head.start <= seq:
                return head
            else:
                return None
        return None

    def state_of(self, pipeline: Any) -> _State | None:
        return self._states.get(pipeline)

    def process(
        self, state: _State, queued: Any, original: Callable[..., None], *args: Any
    ) -> None:
        """psycopg processes one queued result: `original(*args)` does it (and may raise)."""
        run = functools.partial(original, *args)
        seq = state.processed
        state.processed = seq + 1
        try:
            owner = self._owner(state, seq)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg pipeline (results)", exc)
            owner = None
        if owner is None:
            run()
            return
        try:
            run()
        except BaseException as exc:
            if owner.error is None:
                owner.error = exc
            raise
        finally:
            try:
                if queued is not None:
                    owner.rows = queued[0].rowcount
                if owner.end is not None and seq + 1 >= owner.end:
                    self._complete(owner)
            except BaseException as exc:
                if is_fatal(exc):
                    raise
                report_fault(self.hooks.engine, "psycopg pipeline (results)", exc)

    def ended(self, pipeline: Any, error: BaseException | None) -> None:
        """The pipeline left pipeline mode: statements whose results never came are completed."""
        try:
            if getattr(pipeline, "level", 0) != 0:
                return
            state = self._states.pop(pipeline, None)
            if state is None:
                return
            for pending in state.pending:
                if not pending.done:
                    if pending.error is None and error is not None:
                        pending.error = error
                    self._complete(pending)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            report_fault(self.hooks.engine, "psycopg pipeline (end)", exc)

    def _complete(self, pending: Pending) -> None:
        if pending.done:
            return
        pending.done = True
        if pending.error is not None:
            self.hooks.fail(pending.call, pending.error)
        else:
            self.hooks.finish(pending.call, None, pending.rows)


def wrap_process_results(original: Callable[..., Any], tracker: PipelineTracker) -> Any:
    """BasePipeline._process_results: where each queued result is matched to its cursor."""

    @functools.wraps(original)
    def process_results(self: Any, queued: Any, results: Any) -> None:
        state = tracker.state_of(self)
        if state is None:  # no statement of pgotel's waits here (executemany's own pipeline)
            original(self, queued, results)
        else:
            tracker.process(state, queued, original, self, queued, results)

    return process_results


def wrap_exit(original: Callable[..., Any], tracker: PipelineTracker) -> Any:
    @functools.wraps(original)
    def exit_(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> Any:
        try:
            result = original(self, exc_type, exc_val, exc_tb)
        except BaseException as exc:
            tracker.ended(self, exc)
            raise
        tracker.ended(self, exc_val)
        return result

    return exit_


def wrap_exit_async(original: Callable[..., Any], tracker: PipelineTracker) -> Any:
    @functools.wraps(original)
    async def aexit(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> Any:
        try:
            result = await original(self, exc_type, exc_val, exc_tb)
        except BaseException as exc:
            tracker.ended(self, exc)
            raise
        tracker.ended(self, exc_val)
        return result

    return aexit
