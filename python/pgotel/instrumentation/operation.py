"""The GraphQL operation under way, as the database hooks see it: which queries it ran.

The GraphQL hook puts a tally in a context variable for the operation's
lifetime (tasks started by async resolvers inherit it); the psycopg hook adds
each statement's fingerprint and duration to it, under the resolver path
(`Author.books`) the GraphQL hook marks as running in `current_resolver`. When
the operation ends, a fingerprint run at least `PGOTEL_N_PLUS_ONE_THRESHOLD`
times from one resolver path is an N+1 pattern.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass, field

from pgotel._native import Fingerprint

#: Distinct (query, resolver path) pairs tallied per operation; an operation running more
#: shapes is not an N+1 case.
MAX_TALLIED = 256

#: Statements that read or write data. COMMIT, SET and the like repeat with the connections an
#: N+1 opens, but they are not the query to fix.
DATA_OPERATIONS = frozenset(
    {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "CALL", "COPY"}
)


@dataclass
class Repeat:
    fingerprint: Fingerprint
    #: The resolver path that ran the query ("" outside any resolver).
    resolver: str = ""
    count: int = 0
    total_ns: int = 0


@dataclass
class OperationTally:
    name: str
    repeats: dict[tuple[int, str], Repeat] = field(default_factory=dict)
    #: Every statement the operation ran (data or not), and the time they took together.
    queries: int = 0
    database_ns: int = 0
    # Async resolvers may finish queries on several threads' executors: add under a lock.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fp: Fingerprint, duration_ns: int) -> None:
        with self.lock:
            self.queries += 1
            self.database_ns += duration_ns
        if fp.operation not in DATA_OPERATIONS:
            return
        resolver = current_resolver.get()
        key = (fp.id, resolver)
        with self.lock:
            repeat = self.repeats.get(key)
            if repeat is None:
                if len(self.repeats) >= MAX_TALLIED:
                    return
                repeat = self.repeats[key] = Repeat(fp, resolver)
            repeat.count += 1
            repeat.total_ns += duration_ns

    def at_least(self, threshold: int) -> list[Repeat]:
        with self.lock:
            return [r for r in self.repeats.values() if r.count >= threshold]


current_operation: ContextVar[OperationTally | None] = ContextVar(
    "pgotel_graphql_operation", default=None
)

#: The resolver path (`Type.field`) running in this context, set by the GraphQL hook around
#: each non-default resolver; "" outside resolvers.
current_resolver: ContextVar[str] = ContextVar("pgotel_graphql_resolver", default="")
