"""psycopg transaction ends: commit(), rollback() and `conn.transaction()` blocks.

Each is recorded like the statement it sends (COMMIT, ROLLBACK, or a nested
block's savepoint end), and only when psycopg sends one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pgotel.instrumentation.psycopg import _Hooks

Wrapper = Callable[[Any, "_Hooks"], Any]


def _in_transaction(conn: Any) -> bool:
    """Will commit()/rollback() send anything? Not when idle or in autocommit, nor inside a
    `transaction()` block or a two-phase transaction (psycopg refuses before sending)."""
    try:
        if conn._num_transactions or conn._tpc:
            return False
        return bool(conn.pgconn.transaction_status != 0)  # 0 is libpq's PQTRANS_IDLE
    except Exception:
        return True


def wrap_transaction_end(statement: str) -> Wrapper:
    """commit() and rollback(): a span and an engine record, like the statement they send."""

    def wrap(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
        @functools.wraps(original)
        def end(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not _in_transaction(self):  # psycopg sends nothing: record nothing
                return original(self, *args, **kwargs)
            call = hooks.start(self, statement, None)
            try:
                result = original(self, *args, **kwargs)
            except BaseException as exc:
                hooks.fail(call, exc)
                raise
            hooks.finish(call, None, -1)
            return result

        return end

    return wrap


def wrap_transaction_end_async(statement: str) -> Wrapper:
    def wrap(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
        @functools.wraps(original)
        async def end(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not _in_transaction(self):
                return await original(self, *args, **kwargs)
            call = hooks.start(self, statement, None)
            try:
                result = await original(self, *args, **kwargs)
            except BaseException as exc:
                hooks.fail(call, exc)
                raise
            hooks.finish(call, None, -1)
            return result

        return end

    return wrap


def _block_end(tx: Any, exc_val: BaseException | None) -> str | None:
    """What a `conn.transaction()` block sends as it ends, or None when it sends nothing.

    The outer block sends COMMIT or ROLLBACK; a nested one releases or rolls back to its
    savepoint, recorded under one text whatever the savepoint's name (psycopg numbers them).
    """
    try:
        if tx.pgconn.status != 0:  # libpq's CONNECTION_OK: psycopg sends nothing otherwise
            return None
        if tx._conn._num_transactions - 1 != tx._stack_index:
            return None  # out of order: psycopg raises before sending anything
        commit = not exc_val and not tx.force_rollback
        if tx._outer_transaction:
            return "COMMIT" if commit else "ROLLBACK"
        return "RELEASE SAVEPOINT" if commit else "ROLLBACK TO SAVEPOINT"
    except Exception:
        return None


def wrap_block_exit(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    """Transaction.__exit__: the COMMIT, ROLLBACK or savepoint end it sends, like commit()."""

    @functools.wraps(original)
    def exit_(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> Any:
        statement = _block_end(self, exc_val)
        if statement is None:
            return original(self, exc_type, exc_val, exc_tb)
        call = hooks.start(self._conn, statement, None)
        queued = hooks.queued(call, self._conn)
        try:
            result = original(self, exc_type, exc_val, exc_tb)
        except BaseException as exc:
            hooks.settle(call, queued, exc)
            raise
        hooks.settle(call, queued, None)
        return result

    return exit_


def wrap_block_exit_async(original: Callable[..., Any], hooks: _Hooks) -> Callable[..., Any]:
    @functools.wraps(original)
    async def aexit(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> Any:
        statement = _block_end(self, exc_val)
        if statement is None:
            return await original(self, exc_type, exc_val, exc_tb)
        call = hooks.start(self._conn, statement, None)
        queued = hooks.queued(call, self._conn)
        try:
            result = await original(self, exc_type, exc_val, exc_tb)
        except BaseException as exc:
            hooks.settle(call, queued, exc)
            raise
        hooks.settle(call, queued, None)
        return result

    return aexit
