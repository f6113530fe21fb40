"""Where a statement's added cost goes: pgotel's hooks beside the bare SDK span they make.

No statement is sent: pgotel's hooks (`begin`, `finish`) run on a real cursor
whose statement has run once, and the bare SDK span is started and ended
with the same attributes, on the same TracerProvider set-up as
bench_psycopg (the AggregatingSpanProcessor and a BatchSpanProcessor with a
no-op exporter). The difference is pgotel's own work: fingerprint, engine
record, attribute dict, checks. Best of several interleaved rounds.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from opentelemetry import context, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from benches.timing import NullExporter, best_per_call_ns, report
from pgotel import Engine
from pgotel._native import fingerprint
from pgotel.config import Settings
from pgotel.devdb import start
from pgotel.instrumentation import psycopg as hooks_module

CALLS = 20_000


def _provider(sampler: Sampler, engine: Engine) -> TracerProvider:
    from pgotel.processor import AggregatingSpanProcessor

    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(AggregatingSpanProcessor(engine))
    provider.add_span_processor(
        BatchSpanProcessor(NullExporter(), max_queue_size=1 << 16, schedule_delay_millis=50)
    )
    return provider


def _contenders(cursor: psycopg.Cursor[object], sampler: Sampler) -> dict[str, Callable[[], None]]:
    engine = Engine()
    provider = _provider(sampler, engine)
    hooks = hooks_module._Hooks(
        provider.get_tracer(hooks_module.SCOPE), engine, Settings.from_env({})
    )
    # The very attributes pgotel gives the span.
    attributes = hooks._attributes(cursor.connection, fingerprint("SELECT 1"), None, None)
    bare = provider.get_tracer("bare")

    def pgotel_hooks() -> None:
        call, _ = hooks.begin(cursor, "SELECT 1", hooks_module._UNSET, False)
        hooks.queued(call, cursor._conn)
        hooks.finish(call, cursor)

    def sdk_span() -> None:
        span = bare.start_span("SELECT", kind=SpanKind.CLIENT, attributes=attributes)
        span.set_attribute("db.response.returned_rows", 1)
        span.end()

    return {"pgotel's hooks (begin + finish)": pgotel_hooks, "the bare SDK span": sdk_span}


def run() -> None:
    with start() as server, psycopg.connect(server.dsn, autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        for title, sampler, unsampled_parent in (
            ("sampled", ALWAYS_ON, False),
            ("0% sampled (ALWAYS_OFF, no parent)", ALWAYS_OFF, False),
            ("parent not sampled (ParentBased)", ParentBased(ALWAYS_ON), True),
        ):
            token = None
            if unsampled_parent:
                parent = NonRecordingSpan(SpanContext(0x1234, 0x5678, False, TraceFlags(0)))
                token = context.attach(trace.set_span_in_context(parent))
            try:
                best = best_per_call_ns(_contenders(cursor, sampler), CALLS)
            finally:
                if token is not None:
                    context.detach(token)
            report(f"per statement, {title}", best, "the bare SDK span")


if __name__ == "__main__":
    run()
