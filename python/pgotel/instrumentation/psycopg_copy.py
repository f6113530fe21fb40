"""psycopg COPY: one span over the whole transfer, with the bytes it moved.

`Cursor.copy` and `AsyncCursor.copy` are context managers: the span and the
engine record run from the COPY statement to the end of the app's `with`
block, rows from the server's count, bytes (`pgotel.copy.bytes`) counted on
sampled spans only.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgotel.instrumentation.psycopg import _Call, _Hooks


class _CopyBytes:
    """Bytes one COPY moved, counted where psycopg hands its buffers to libpq (or reads them)."""

    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0


def count_copy_bytes(transfer: Any, call: _Call | None, is_async: bool) -> _CopyBytes | None:
    """Count the bytes `transfer` moves, when its span records them.

    The Copy object's private `_write` (an attribute psycopg sets to its writer's `write`)
    and `_read_gen` are wrapped on this one object: COPY FROM is counted per flushed buffer
    (about 32 KiB), COPY TO per row psycopg reads, however the app reads them. Unsampled
    COPYs count nothing (the bytes only go on the span).
    """
    if call is None or not call.span.is_recording():
        return None
    try:
        counter = _CopyBytes()
        write = transfer._write

        async def counted_write_async(data: Any) -> Any:
            counter.total += len(data)
            return await write(data)

        def counted_write(data: Any) -> Any:
            counter.total += len(data)
            return write(data)

        read_gen = transfer._read_gen

        def counted_read_gen() -> Any:
            data = yield from read_gen()
            counter.total += len(data)
            return data

        transfer._write = counted_write_async if is_async else counted_write
        transfer._read_gen = counted_read_gen
        return counter
    except Exception:
        return None


def copied(call: _Call | None, counter: _CopyBytes | None) -> None:
    if call is not None and counter is not None:
        with contextlib.suppress(Exception):
            call.span.set_attribute("pgotel.copy.bytes", counter.total)


def wrap_copy(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    """COPY: one span over the whole transfer, from the statement to the end of the block."""

    @functools.wraps(original)
    @contextlib.contextmanager
    def copy(self: Any, statement: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        call = hooks.start(self.connection, statement, params)
        counter = None
        try:
            with original(self, statement, params, *args, **kwargs) as transfer:
                counter = count_copy_bytes(transfer, call, is_async=False)
                yield transfer
        except BaseException as exc:
            copied(call, counter)
            hooks.fail(call, exc)
            raise
        copied(call, counter)
        hooks.finish(call, self)

    return copy


def wrap_copy_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    @contextlib.asynccontextmanager
    async def copy(self: Any, statement: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        call = hooks.start(self.connection, statement, params)
        counter = None
        try:
            async with original(self, statement, params, *args, **kwargs) as transfer:
                counter = count_copy_bytes(transfer, call, is_async=True)
                yield transfer
        except BaseException as exc:
            copied(call, counter)
            hooks.fail(call, exc)
            raise
        copied(call, counter)
        hooks.finish(call, self)

    return copy
