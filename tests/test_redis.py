"""redis-py and valkey-py instrumentation, against a real redis-server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import redis.asyncio
import valkey
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler

from pgotel import Engine, merge_snapshots
from pgotel.config import Settings
from pgotel.instrumentation.redis import RedisInstrumentor, ValkeyInstrumentor

PREFIXES = {"PGOTEL_REDIS_PREFIXES": "user:,user:admin:,session:"}


@dataclass
class Instrumented:
    engine: Engine
    spans: InMemorySpanExporter

    def calls(self) -> dict[str, int]:
        """Engine key name -> calls."""
        rows = merge_snapshots([self.engine.snapshot()]).rows("cache")
        return {r["text"]: r["calls"] for r in rows}

    def row(self, text: str) -> dict[str, Any]:
        rows = merge_snapshots([self.engine.snapshot()]).rows("cache")
        return next(r for r in rows if r["text"] == text)


def _instrument(
    instrumentor: Any, sampler: Sampler = ALWAYS_ON, env: dict[str, str] | None = None
) -> Instrumented:
    spans = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    engine = Engine()
    instrumentor.instrument(
        tracer_provider=provider, engine=engine, settings=Settings.from_env(env or PREFIXES)
    )
    return Instrumented(engine, spans)


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    yield r
    r.close()


@pytest.fixture
def instrumented() -> Iterator[Instrumented]:
    yield _instrument(RedisInstrumentor())
    RedisInstrumentor().uninstrument()


def test_reads_count_hits_and_misses_by_prefix(client: redis.Redis, instrumented: Instrumented):
    client.set("user:1", "ann")
    client.set("user:admin:1", "root")
    client.hset("session:9", mapping={"a": "1"})
    assert client.get("user:1") == b"ann"
    assert client.get("user:2") is None
    assert client.get("user:admin:1") == b"root"
    assert client.get("other") is None
    assert client.hget("session:9", "a") == b"1"
    assert client.hgetall("session:10") == {}
    assert client.mget("user:1", "user:3", "session:1") == [b"ann", None, None]
    assert client.exists("user:1", "user:4") == 1
    assert client.delete("user:1") == 1
    client.ttl("counter")
    assert instrumented.calls() == {
        "user::set": 1,
        "user:admin::set": 1,
        "session::set": 1,
        "user::hit": 1 + 1 + 1,  # GET, MGET, EXISTS
        "user::miss": 1 + 1 + 1,
        "user:admin::hit": 1,
        "redis:miss": 1,
        "session::hit": 1,
        "session::miss": 1 + 1,  # HGETALL, MGET
        "user::delete": 1,
        "redis:other": 1,
    }
    # Single-key reads are timed; multi-key ones only counted.
    hit = instrumented.row("user::hit")
    assert hit["operation"] == "hit"
    assert hit["p50_ns"] is not None and hit["p50_ns"] > 0


def test_spans_follow_the_semantic_conventions_and_carry_no_keys(
    client: redis.Redis, instrumented: Instrumented
):
    client.set("user:1", "ann")
    client.get("user:1")
    spans = instrumented.spans.get_finished_spans()
    assert [s.name for s in spans] == ["SET", "GET"]
    get = dict(spans[1].attributes or {})
    assert get["db.system.name"] == "redis"
    assert get["db.operation.name"] == "GET"
    assert get["db.namespace"] == "0"
    assert get["pgotel.cache.name"] == "user:"
    assert get["pgotel.cache.outcome"] == "hit"
    assert "db.query.text" not in get
    text = " ".join(str(v) for s in spans for v in (s.attributes or {}).values())
    assert "user:1" not in text and "ann" not in text
    assert instrumented.row("user::hit")["p50_ns"] is not None


def test_key_names_on_spans_only_when_asked(client: redis.Redis):
    inst = _instrument(RedisInstrumentor(), env={"PGOTEL_REDIS_CAPTURE_KEYS": "true"})
    try:
        client.set("user:1", "secret-value")
        client.mget("a", "b")
    finally:
        RedisInstrumentor().uninstrument()
    texts = [dict(s.attributes or {})["db.query.text"] for s in inst.spans.get_finished_spans()]
    assert texts == ["SET user:1 ?", "MGET a b"]


def test_unsampled_commands_make_no_span_and_are_still_counted(client: redis.Redis):
    inst = _instrument(RedisInstrumentor(), sampler=ALWAYS_OFF)
    try:
        client.set("user:1", "x")
        for _ in range(5):
            client.get("user:1")
    finally:
        RedisInstrumentor().uninstrument()
    assert inst.spans.get_finished_spans() == ()
    assert inst.calls() == {"user::set": 1, "user::hit": 5}


def test_errors_are_counted_and_raised_unchanged(client: redis.Redis, instrumented: Instrumented):
    client.hset("user:h", mapping={"a": "1"})
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        client.get("user:h")
    row = instrumented.row("user::error")
    assert (row["calls"], row["errors"], row["error_codes"]) == (1, 1, [("ResponseError", 1)])
    span = instrumented.spans.get_finished_spans()[-1]
    assert span.status.is_ok is False
    assert dict(span.attributes or {})["error.type"] == "ResponseError"


def test_pipelines_count_each_command(client: redis.Redis, instrumented: Instrumented):
    with client.pipeline() as pipe:
        pipe.set("user:1", "a").get("user:1").get("user:2").mget("user:1", "session:1")
        assert pipe.execute() == [True, b"a", None, [b"a", None]]
    assert instrumented.calls() == {
        "user::set": 1,
        "user::hit": 2,
        "user::miss": 1,
        "session::miss": 1,
    }
    (span,) = instrumented.spans.get_finished_spans()
    assert span.name == "PIPELINE"
    assert dict(span.attributes or {})["db.operation.batch.size"] == 4


def test_exact_counts_under_8_threads(client: redis.Redis, instrumented: Instrumented):
    client.set("user:hot", "1")
    per_thread = 50

    def work(n: int) -> None:
        for i in range(per_thread):
            client.get("user:hot")
            client.get(f"user:cold:{n}:{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    calls = instrumented.calls()
    assert (calls["user::hit"], calls["user::miss"]) == (8 * per_thread, 8 * per_thread)


def test_async_client_exact_counts_under_100_tasks(redis_url: str, instrumented: Instrumented):
    async def main() -> None:
        pool = redis.asyncio.BlockingConnectionPool.from_url(redis_url, max_connections=10)
        client = redis.asyncio.Redis(connection_pool=pool)
        await client.set("user:hot", "1")

        async def task(n: int) -> None:
            assert await client.get("user:hot") == b"1"
            assert await client.get(f"user:none:{n}") is None

        await asyncio.gather(*(task(n) for n in range(100)))
        async with client.pipeline(transaction=False) as pipe:
            pipe.get("user:hot").get("session:x")
            assert await pipe.execute() == [b"1", None]
        await client.aclose()
        await pool.aclose()

    asyncio.run(main())
    calls = instrumented.calls()
    assert (calls["user::hit"], calls["user::miss"], calls["session::miss"]) == (101, 100, 1)
    assert calls["user::set"] == 1


def _script(client: Any) -> list[Any]:
    """The same commands for the plain and the instrumented client: what each returns or raises."""
    out: list[Any] = []
    steps = [
        lambda: client.set("user:1", "a", ex=60),
        lambda: client.get("user:1"),
        lambda: client.get("user:missing"),
        lambda: client.mget("user:1", "user:x"),
        lambda: client.hset("user:h", "f", "v"),
        lambda: client.get("user:h"),
        lambda: client.delete("user:1", "user:h"),
        lambda: client.execute_command("NOSUCHCOMMAND"),
    ]
    for step in steps:
        try:
            out.append(("ok", step()))
        except Exception as exc:
            out.append(("raised", type(exc), str(exc)))
    return out


def test_behaviour_is_unchanged(client: redis.Redis):
    client.flushdb()
    plain = _script(client)
    client.flushdb()
    inst = _instrument(RedisInstrumentor())
    try:
        instrumented = _script(client)
    finally:
        RedisInstrumentor().uninstrument()
    assert instrumented == plain
    assert inst.calls()["user::error"] == 1
    assert inst.calls()["redis:error"] == 1
    assert redis.Redis.execute_command.__name__ == "execute_command"
    assert not hasattr(redis.Redis.execute_command, "__wrapped__")


def test_valkey_client_is_instrumented_as_valkey(redis_url: str):
    inst = _instrument(ValkeyInstrumentor())
    try:
        client = valkey.Valkey.from_url(redis_url)
        client.set("user:v", "1")
        assert client.get("user:v") == b"1"
        assert client.get("nothing") is None
        client.close()
    finally:
        ValkeyInstrumentor().uninstrument()
    assert inst.calls() == {"user::set": 1, "user::hit": 1, "valkey:miss": 1}
    span = inst.spans.get_finished_spans()[-1]
    assert dict(span.attributes or {})["db.system.name"] == "valkey"


@pytest.mark.parametrize("contrib_first", [True, False])
def test_no_second_span_beside_the_contrib_instrumentation(
    client: redis.Redis, contrib_first: bool
) -> None:
    from opentelemetry.instrumentation.redis import RedisInstrumentor as Contrib

    contrib_spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(contrib_spans))
    if contrib_first:
        Contrib().instrument(tracer_provider=provider)
    inst = _instrument(RedisInstrumentor())
    if not contrib_first:
        Contrib().instrument(tracer_provider=provider)
    try:
        client.set("user:1", "a")
        assert client.get("user:1") == b"a"
    finally:
        # Patches come off in the reverse order they went on.
        if contrib_first:
            RedisInstrumentor().uninstrument()
            Contrib().uninstrument()
        else:
            Contrib().uninstrument()
            RedisInstrumentor().uninstrument()
    assert [s.name for s in contrib_spans.get_finished_spans()] == ["SET", "GET"]
    assert inst.spans.get_finished_spans() == ()
    assert inst.calls() == {"user::set": 1, "user::hit": 1}
    assert not hasattr(redis.Redis.execute_command, "__wrapped__")


def test_a_pipeline_error_is_counted_for_its_command(
    client: redis.Redis, instrumented: Instrumented
) -> None:
    client.hset("user:h", "f", "v")
    with client.pipeline(transaction=False) as pipe:
        pipe.get("user:h").get("user:missing")
        results = pipe.execute(raise_on_error=False)
    assert isinstance(results[0], redis.ResponseError) and results[1] is None
    assert instrumented.calls() == {"user::set": 1, "user::error": 1, "user::miss": 1}
    with client.pipeline(transaction=False) as pipe:
        pipe.get("user:h")
        with pytest.raises(redis.ResponseError):
            pipe.execute()
    assert instrumented.calls()["user::error"] == 2


def test_prefixes_are_read_longest_first_and_bounded() -> None:
    from pgotel.errors import ConfigError

    read = Settings.from_env({"PGOTEL_REDIS_PREFIXES": " user:, user:admin:,,session:"})
    assert read.redis_prefixes == ("user:admin:", "session:", "user:")
    assert Settings.from_env({}).redis_prefixes == ()
    assert Settings.from_env({}).redis_capture_keys is False
    too_many = ",".join(f"p{i}:" for i in range(257))
    with pytest.raises(ConfigError, match="PGOTEL_REDIS_PREFIXES"):
        Settings.from_env({"PGOTEL_REDIS_PREFIXES": too_many})


def test_valkey_asyncio_client(redis_url: str) -> None:
    import valkey.asyncio

    inst = _instrument(ValkeyInstrumentor())

    async def main() -> None:
        client = valkey.asyncio.Valkey.from_url(redis_url)
        await client.set("session:a", "1")
        assert await client.get("session:a") == b"1"
        assert await client.get("session:b") is None
        await client.aclose()

    try:
        asyncio.run(main())
    finally:
        ValkeyInstrumentor().uninstrument()
    assert inst.calls() == {"session::set": 1, "session::hit": 1, "session::miss": 1}


def test_cache_stats_reads_the_servers_own_figures(client: redis.Redis, tmp_path: Any) -> None:
    import json

    from click.testing import CliRunner

    from pgotel.cli import cli

    url = client.connection_pool.connection_kwargs
    server_url = (
        f"unix://{url['path']}" if url.get("path") else f"redis://{url['host']}:{url['port']}"
    )

    def server() -> dict[str, Any]:
        result = CliRunner().invoke(
            cli,
            [
                "cache",
                "stats",
                "--state-dir",
                str(tmp_path),
                "--redis",
                server_url,
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        (row,) = [r for r in json.loads(result.stdout) if r["source"] == "redis server"]
        return row

    client.set("k1", "v")
    before = server()
    client.get("k1")
    client.get("k1")
    client.get("absent")
    after = server()
    assert (after["hits"] - before["hits"], after["misses"] - before["misses"]) == (2, 1)
    assert after["size"] >= 1 and after["evictions"] >= 0
    result = CliRunner().invoke(
        cli, ["cache", "stats", "--state-dir", str(tmp_path), "--redis", "unix:///nonexistent"]
    )
    assert result.exit_code == 0
    assert "could not read the Redis server's figures" in result.stderr


def test_keys_of_any_type_redis_accepts(client: redis.Redis, instrumented: Instrumented) -> None:
    client.set(b"user:b", "1")
    assert client.get(memoryview(b"user:b")) == b"1"  # not hashable: matched, not remembered
    assert client.get(42) is None
    assert client.get(b"user:none") is None
    assert instrumented.calls() == {
        "user::set": 1,
        "user::hit": 1,
        "redis:miss": 1,
        "user::miss": 1,
    }


class _BrokenEngine:
    """An engine whose every recording fails: the app must not notice."""

    def __init__(self) -> None:
        self.faults = 0

    def record_named(self, *args: Any) -> int:
        raise RuntimeError("engine down")

    count_named = record_named

    def count_internal_error(self) -> None:
        self.faults += 1


def test_a_failing_engine_never_reaches_the_app(client: redis.Redis) -> None:
    engine = _BrokenEngine()
    RedisInstrumentor().instrument(
        tracer_provider=TracerProvider(), engine=engine, settings=Settings.from_env(PREFIXES)
    )
    try:
        client.set("user:1", "a")
        assert client.get("user:1") == b"a"
        assert client.mget("user:1", "user:2") == [b"a", None]
        with client.pipeline() as pipe:
            assert pipe.get("user:1").execute() == [b"a"]
    finally:
        RedisInstrumentor().uninstrument()
    assert engine.faults == 4
