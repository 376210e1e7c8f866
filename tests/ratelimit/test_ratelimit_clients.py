"""The clients' hook on the emulator (quotas enforced): every attempt reserves and settles."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.config import DEFAULT_API_KEY, RateLimits
from wenxin_core.errors import RateLimitError, WenxinValidationError
from wenxin_core.ratelimit import LimiterWaitError, MemoryRateLimiter, RedisRateLimiter
from wenxin_core.ratelimit.memory import MemoryRateLimiter as _Memory

HELLO = [{"role": "user", "content": "Hello there, how are you?"}]
MODEL = "ernie-4.5-turbo-32k"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """An emulator that answers 429 after 5 requests a minute."""
    with EmulatorServer(rate_limits=RateLimits(5, 100000, 100000, enforce=True)) as running:
        yield running


def _client(server: EmulatorServer, limiter: object, **options: object) -> WenxinClient:
    return WenxinClient(
        MODEL,
        api_key=DEFAULT_API_KEY,
        base_url=server.v2_base_url,
        rate_limit=limiter,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def _used(limiter: _Memory) -> list[int]:
    return list(limiter._state.used)


def test_chat_stream_embed_rerank_settle_to_the_reported_usage(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(requests=100, window=30, smooth=False)
    with _client(server, limiter) as client:
        answer = client.chat(HELLO, max_output_tokens=50)
        assert answer.usage is not None
        expected = [1, answer.usage.prompt_tokens, answer.usage.completion_tokens]
        assert _used(limiter) == expected
        with client.stream(HELLO) as stream:
            for _ in stream:
                pass
        assert stream.usage is not None
        expected = [2, expected[1] + stream.usage.prompt_tokens, expected[2]]
        expected[2] += stream.usage.completion_tokens
        assert _used(limiter) == expected
        vectors = client.embed(["one text", "another text"])
        expected = [3, expected[1] + vectors.usage.prompt_tokens, expected[2]]
        assert _used(limiter) == expected
        ranked = client.rerank("which?", ["this one", "that one"])
        expected = [4, expected[1] + ranked.usage.prompt_tokens, expected[2]]
        assert _used(limiter) == expected
    # The service's limits were adopted from the headers: 5 requests, not 100.
    assert limiter._state.limits()[0] == 5


def test_the_limiter_stops_the_sixth_call_before_it_is_sent(server: EmulatorServer) -> None:
    with _client(server, MemoryRateLimiter(smooth=False), max_retries=3) as client:
        for _ in range(5):
            client.chat(HELLO)
        started = time.monotonic()
        with pytest.raises(LimiterWaitError):
            client.chat(HELLO, timeout=5)
        assert time.monotonic() - started < 0.5
    assert server.chat_calls == 5


def test_without_a_limiter_the_sixth_call_is_the_service_429(server: EmulatorServer) -> None:
    with _client(server, None, max_retries=0) as client:
        for _ in range(5):
            client.chat(HELLO)
        with pytest.raises(RateLimitError) as caught:
            client.chat(HELLO)
    assert not isinstance(caught.value, LimiterWaitError)
    assert caught.value.status_code == 429


def test_a_service_429_is_adopted_and_the_retry_refused_at_once(server: EmulatorServer) -> None:
    server.inject_v2_error(429, "rpm_rate_limit_exceeded")
    with _client(server, MemoryRateLimiter(requests=100), max_retries=2) as client:
        started = time.monotonic()
        with pytest.raises(LimiterWaitError):
            client.chat(HELLO, timeout=3)
        assert time.monotonic() - started < 2.5
    assert server.chat_calls == 1


def test_a_wrong_rate_limit_value_is_refused() -> None:
    with pytest.raises(WenxinValidationError):
        WenxinClient(MODEL, api_key="k", rate_limit=120)  # type: ignore[arg-type]


async def test_async_client_reserves_and_settles_every_call(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    async with AsyncWenxinClient(
        MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, rate_limit=limiter
    ) as client:
        answer = await client.chat(HELLO)
        async for _ in client.stream(HELLO):
            pass
        await client.embed(["a text"])
        await client.rerank("q", ["d1", "d2"])
        assert _used(limiter)[0] == 4
        assert answer.usage is not None
        assert _used(limiter)[2] > answer.usage.completion_tokens
        await client.chat(HELLO)
        with pytest.raises(LimiterWaitError):
            await client.chat(HELLO, timeout=2)
    assert server.chat_calls == 3


async def test_async_client_on_redis_shares_the_budget_with_a_sync_one(
    server: EmulatorServer, redis_url: str
) -> None:
    shared = RedisRateLimiter(redis_url, name="shared", smooth=False)
    other = RedisRateLimiter(redis_url, name="shared", smooth=False)
    with _client(server, shared) as sync_client:
        for _ in range(3):
            sync_client.chat(HELLO)
    async with AsyncWenxinClient(
        MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, rate_limit=other
    ) as client:
        await client.chat(HELLO)
        await client.chat(HELLO)
        with pytest.raises(LimiterWaitError):
            await client.chat(HELLO, timeout=2)
    assert server.chat_calls == 5
    shared.close()
    other.close()
