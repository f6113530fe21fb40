"""What instrumenting redis-py adds per GET (a hit), beside raw redis-py and contrib.

Every contender sends the same GET of an existing key over the same unix socket
to a throwaway redis-server (`pgotel.devredis`), with the same TracerProvider
set-up (a BatchSpanProcessor with a no-op exporter). Instrumentation is
process-wide, so each round instruments, measures and uninstruments each
contender in turn; the best round stands for each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import redis
from opentelemetry.instrumentation.redis import RedisInstrumentor as ContribInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler

from benches.timing import NullExporter
from pgotel import Engine
from pgotel.config import Settings
from pgotel.devredis import start
from pgotel.instrumentation.redis import RedisInstrumentor

CALLS = 5000
ROUNDS = 5


def _provider(sampler: Sampler) -> TracerProvider:
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(
        BatchSpanProcessor(NullExporter(), max_queue_size=1 << 16, schedule_delay_millis=50)
    )
    return provider


@contextmanager
def _raw() -> Iterator[None]:
    yield


def _contrib(sampler: Sampler) -> Callable[[], AbstractContextManager[None]]:
    @contextmanager
    def instrumented() -> Iterator[None]:
        ContribInstrumentor().instrument(tracer_provider=_provider(sampler))
        try:
            yield
        finally:
            ContribInstrumentor().uninstrument()

    return instrumented


def _pgotel(sampler: Sampler) -> Callable[[], AbstractContextManager[None]]:
    @contextmanager
    def instrumented() -> Iterator[None]:
        RedisInstrumentor().instrument(
            tracer_provider=_provider(sampler),
            engine=Engine(),
            settings=Settings.from_env({"PGOTEL_REDIS_PREFIXES": "user:"}),
        )
        try:
            yield
        finally:
            RedisInstrumentor().uninstrument()

    return instrumented


CONTENDERS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    "raw redis-py": _raw,
    "opentelemetry-instrumentation-redis": _contrib(ALWAYS_ON),
    "opentelemetry-instrumentation-redis, 0% sampled": _contrib(ALWAYS_OFF),
    "pgotel, 100% sampled (+ aggregates)": _pgotel(ALWAYS_ON),
    "pgotel, 0% sampled (aggregates only)": _pgotel(ALWAYS_OFF),
}


def _measure(url: str) -> dict[str, float]:
    best = {name: float("inf") for name in CONTENDERS}
    for _ in range(ROUNDS):
        for name, instrumentation in CONTENDERS.items():
            with instrumentation(), redis.Redis.from_url(url) as client:
                client.set("user:1", "x" * 64)
                started = time.perf_counter_ns()
                for _ in range(CALLS):
                    client.get("user:1")
                best[name] = min(best[name], (time.perf_counter_ns() - started) / CALLS)
    return best


def _report(title: str, best: dict[str, float]) -> None:
    raw = best["raw redis-py"]
    contrib = best["opentelemetry-instrumentation-redis"] - raw
    print(f"\n{title}")
    for name, ns in best.items():
        added = ns - raw
        versus = f"{added / contrib:5.2f}x contrib's" if contrib > 0 else ""
        print(
            f"  {name:<48} {ns / 1000:8.2f} µs  {added / 1000:+7.2f} µs "
            f"{100 * added / raw:+6.1f} %  {versus}"
        )


def run() -> None:
    with start() as server:
        _report("redis GET (hit), per call", _measure(server.url))


if __name__ == "__main__":
    run()
