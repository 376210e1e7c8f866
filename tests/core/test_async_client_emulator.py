"""Integration tests of ``AsyncWenxinClient`` over real HTTP to the emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.support.clients import V1_API_KEY, V1_SECRET_KEY, ClientFactory
from tests.support.emulator_text import reply_text
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.auth import AccessTokenAuth
from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    PermissionDeniedError,
    QuotaExceededError,
    ServerError,
    ServiceBusyError,
    StreamInterruptedError,
    TokenExpiredError,
    WenxinError,
    WenxinTimeoutError,
)

API_KEY = V1_API_KEY
SECRET_KEY = V1_SECRET_KEY
QUESTION = "Name a river"
MESSAGES = [{"role": "user", "content": QUESTION}]


EXPECTED = reply_text(QUESTION, "llama_2_13b")
PIECES = [
    f"You said: {QUESTION}. ",
    "This is the wenxin emulator answering on llama_2_13b. ",
    "The reply is deterministic. ",
    "It has several sentences, so a stream has several events.",
]


@pytest.fixture
def server(wenxin_emulator: EmulatorServer) -> EmulatorServer:
    return wenxin_emulator


@pytest.fixture
def make_client(make_client: ClientFactory) -> Callable[..., AsyncWenxinClient]:
    """V1 async clients (Llama-2-13b-chat unless named) with the V1 application keys."""
    return partial(make_client, "async", api="v1")


async def collect(client: AsyncWenxinClient, messages: Any = MESSAGES, **kwargs: Any) -> str:
    parts = []
    async with client.stream(messages, **kwargs) as stream:
        async for chunk in stream:
            parts.append(chunk.result)
    assert stream.text == "".join(parts)
    return "".join(parts)


def cached_token(client: AsyncWenxinClient) -> str:
    assert isinstance(client.auth, AccessTokenAuth)
    token = client.auth.provider.current()
    assert token
    return token


# -- chat and stream -------------------------------------------------------------------------------


async def test_chat_and_stream_llama_2_13b(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    completion = await client.chat(MESSAGES, top_k=1, penalty_score=1.1)
    assert completion.result == EXPECTED
    assert server.requests[-1]["body"] == {"messages": MESSAGES, "top_k": 1, "penalty_score": 1.1}
    chunks = []
    async with client.stream(MESSAGES) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    assert [c.result for c in chunks] == PIECES
    assert [c.is_end for c in chunks] == [False, False, False, True]
    assert stream.usage == completion.usage
    assert stream.usage is not None
    assert stream.usage.completion_tokens == stream.usage.total_tokens - stream.usage.prompt_tokens
    assert server.chat_calls == 2


@pytest.mark.parametrize("usage_style", ["per_event", "final_only"])
async def test_stream_usage_under_both_documented_styles(usage_style: str) -> None:
    with EmulatorServer(stream_usage_style=usage_style) as server:
        async with AsyncWenxinClient(
            "Llama-2-7b-chat", api="v1", qianfan_ak="a", qianfan_sk="b", base_url=server.base_url
        ) as client:
            completion = await client.chat(MESSAGES)
            stream = client.stream(MESSAGES)
            chunks = [chunk async for chunk in stream]
    assert len(chunks) == 4
    assert stream.usage == completion.usage
    assert chunks[-1].usage == completion.usage


async def test_ernie_system_field(server: EmulatorServer, make_client: Any) -> None:
    client = make_client("ERNIE-3.5-8K")
    history = [{"role": "system", "content": "Be terse"}, *MESSAGES]
    completion = await client.chat(history)
    assert completion.result == reply_text(QUESTION, "completions", "Be terse")
    assert server.requests[-1]["body"] == {"messages": MESSAGES, "system": "Be terse"}
    assert await collect(client, history) == completion.result
    assert server.requests[-1]["body"]["system"] == "Be terse"


async def test_custom_endpoint(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(None, endpoint="ngxxxol8_test1")
    completion = await client.chat(MESSAGES)
    assert completion.result == reply_text(QUESTION, "ngxxxol8_test1")
    assert await collect(client) == completion.result
    assert {r["endpoint"] for r in server.requests} == {"ngxxxol8_test1"}


async def test_per_call_model_override(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    completion = await client.chat(MESSAGES, model="Llama-2-70b-chat")
    assert completion.result == reply_text(QUESTION, "llama_2_70b")
    assert completion.model == "Llama-2-70B-Chat"


# -- tokens ----------------------------------------------------------------------------------------


async def test_token_cached_across_calls(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    for _ in range(3):
        await client.chat(MESSAGES)
    await collect(client)
    assert server.token_requests == 1


async def test_50_tasks_on_a_cold_cache_fetch_one_token(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    results = await asyncio.gather(
        *(client.chat([{"role": "user", "content": f"task {i}"}]) for i in range(50))
    )
    expected = [reply_text(f"task {i}", "llama_2_13b") for i in range(50)]
    assert [r.result for r in results] == expected
    assert server.token_requests == 1
    assert server.chat_calls == 50


async def test_50_streams_on_a_cold_cache_fetch_one_token(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    texts = await asyncio.gather(
        *(collect(client, [{"role": "user", "content": f"s{i}"}]) for i in range(50))
    )
    assert texts == [reply_text(f"s{i}", "llama_2_13b") for i in range(50)]
    assert server.token_requests == 1


async def test_expired_token_refreshed_once_then_success(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(max_retries=0)
    await client.chat(MESSAGES)
    old = cached_token(client)
    server.expire_tokens()
    assert (await client.chat(MESSAGES)).result == EXPECTED
    assert server.token_requests == 2
    assert server.chat_calls == 3
    assert cached_token(client) != old
    server.invalidate_tokens()
    assert await collect(client) == EXPECTED
    assert server.token_requests == 3


async def test_50_tasks_after_expiry_refresh_once(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    await client.chat(MESSAGES)
    server.expire_tokens()
    results = await asyncio.gather(
        *(client.chat([{"role": "user", "content": f"t{i}"}]) for i in range(50))
    )
    assert [r.result for r in results] == [reply_text(f"t{i}", "llama_2_13b") for i in range(50)]
    assert server.token_requests == 2


async def test_a_sync_and_an_async_client_share_one_token_cache(
    server: EmulatorServer, make_client: Any
) -> None:
    async_client = make_client()
    with WenxinClient(
        "Llama-2-13b-chat", api="v1", auth=async_client.auth, base_url=server.base_url
    ) as sync_client:
        await async_client.chat(MESSAGES)
        assert await asyncio.to_thread(lambda: sync_client.chat(MESSAGES).result) == EXPECTED
    assert server.token_requests == 1


# -- concurrency -----------------------------------------------------------------------------------


async def test_32_concurrent_calls_and_streams(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()

    async def one(i: int) -> tuple[str, str]:
        messages = [{"role": "user", "content": f"call {i}"}]
        if i % 2:
            return "stream", await collect(client, messages)
        return "chat", (await client.chat(messages)).result

    results = await asyncio.gather(*(one(i) for i in range(32)))
    for i, (_, text) in enumerate(results):
        assert text == reply_text(f"call {i}", "llama_2_13b")
    assert server.chat_calls == 32


async def test_concurrent_calls_with_injected_faults_all_succeed(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(max_retries=3)
    await client.chat(MESSAGES)
    server.inject_error(336100, times=8)
    server.inject_http_status(503, times=4)
    results = await asyncio.gather(
        *(client.chat([{"role": "user", "content": f"f{i}"}]) for i in range(16))
    )
    assert [r.result for r in results] == [reply_text(f"f{i}", "llama_2_13b") for i in range(16)]
    assert server.chat_calls == 1 + 16 + 12


# -- auth modes ------------------------------------------------------------------------------------


async def test_iam_signing_accepted_and_wrong_secret_rejected(
    server: EmulatorServer, make_client: Any
) -> None:
    good = make_client(access_key=DEFAULT_IAM_ACCESS_KEY, secret_key=DEFAULT_IAM_SECRET_KEY)
    assert (await good.chat(MESSAGES)).result == EXPECTED
    assert await collect(good) == EXPECTED
    bad = make_client(access_key=DEFAULT_IAM_ACCESS_KEY, secret_key="not-the-iam-secret")
    with pytest.raises(AuthenticationError) as info:
        await bad.chat(MESSAGES)
    assert info.value.error_code == 14
    assert "not-the-iam-secret" not in str(info.value) + repr(info.value)
    assert server.chat_calls == 3
    assert server.token_requests == 0


async def test_fixed_access_token(server: EmulatorServer, make_client: Any) -> None:
    token = server.issue_token()
    client = make_client(access_token=token)
    assert (await client.chat(MESSAGES)).result == EXPECTED
    server.expire_tokens()
    with pytest.raises(TokenExpiredError) as info:
        await collect(client)
    assert token not in str(info.value) + repr(info.value)
    assert server.token_requests == 0
    assert server.chat_calls == 2


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [336100, 18, 336501])
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
async def test_retry_then_succeed(
    server: EmulatorServer, make_client: Any, code: int, stream: bool
) -> None:
    client = make_client()
    server.inject_error(code, times=2)
    text = await collect(client) if stream else (await client.chat(MESSAGES)).result
    assert text == EXPECTED
    assert server.chat_calls == 3


async def test_retry_after_503_and_429(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    server.inject_http_status(503)
    server.inject_http_status(429, headers={"Retry-After": "0.25"})
    start = time.monotonic()
    assert (await client.chat(MESSAGES)).result == EXPECTED
    assert time.monotonic() - start >= 0.25
    assert server.chat_calls == 3


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (336003, InvalidRequestError),
        (336006, InvalidRequestError),
        (17, QuotaExceededError),
        (6, PermissionDeniedError),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
async def test_no_retry(
    server: EmulatorServer, make_client: Any, code: int, cls: type[WenxinError], stream: bool
) -> None:
    client = make_client(max_retries=4)
    server.inject_error(code, times=5)
    with pytest.raises(cls) as info:
        await collect(client) if stream else await client.chat(MESSAGES)
    assert info.value.error_code == code
    assert server.chat_calls == 1


async def test_max_retries_zero_and_exhaustion(server: EmulatorServer, make_client: Any) -> None:
    none = make_client(max_retries=0)
    server.inject_error(336100, times=10)
    with pytest.raises(ServiceBusyError):
        await none.chat(MESSAGES)
    assert server.chat_calls == 1
    two = make_client()
    with pytest.raises(ServiceBusyError):
        await collect(two)
    assert server.chat_calls == 4


async def test_sparing_code_retried_once(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(max_retries=4)
    server.inject_error(336000, times=4)
    with pytest.raises(ServerError):
        await client.chat(MESSAGES)
    assert server.chat_calls == 2


# -- streams ---------------------------------------------------------------------------------------


async def test_stream_drop_after_chunks_is_not_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(max_retries=4)
    server.drop_stream_after(3)
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
    assert seen == PIECES[:3]
    assert info.value.partial_text == "".join(PIECES[:3])
    assert info.value.chunks_received == 3
    assert server.chat_calls == 1


async def test_stream_drop_before_the_first_chunk_is_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    server.drop_stream_after(0, times=2)
    assert await collect(client) == EXPECTED
    assert server.chat_calls == 3


async def test_error_body_instead_of_a_stream(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    server.inject_error(336006)
    with pytest.raises(InvalidRequestError) as info:
        await collect(client)
    assert info.value.error_code == 336006
    assert "alternate" in str(info.value)  # the hint that corrects the misleading text


async def test_stream_closed_early_then_reused(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    for _ in range(5):
        async with client.stream(MESSAGES) as stream:
            await stream.__anext__()
    assert (await client.chat(MESSAGES)).result == EXPECTED


# -- timeouts --------------------------------------------------------------------------------------


async def test_timeout_is_per_attempt_and_retried(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(timeout=0.15)
    await client.chat(MESSAGES)
    server.set_latency(request=0.5)
    start = time.monotonic()
    with pytest.raises(WenxinTimeoutError):
        await client.chat(MESSAGES)
    assert 0.45 <= time.monotonic() - start < 1.4
    assert server.chat_calls == 4


async def test_stream_timeouts(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(timeout=0.15, max_retries=1)
    server.set_latency(request=0.4)
    with pytest.raises(WenxinTimeoutError):
        await collect(client)
    assert server.chat_calls == 2  # before the first chunk: retried
    server.set_latency(chunk=0.4)
    with pytest.raises(StreamInterruptedError) as info:
        await collect(client)
    assert info.value.partial_text == PIECES[0]
    assert server.chat_calls == 3  # after a chunk: not retried


# -- secrets ---------------------------------------------------------------------------------------


async def test_no_secret_in_debug_logs_or_errors(
    server: EmulatorServer, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(timeout=0.2)
    with caplog.at_level(logging.DEBUG, logger="wenxin_core"):
        await client.chat(MESSAGES)
        token = cached_token(client)
        server.inject_error(18)
        server.expire_tokens()
        await client.chat(MESSAGES)
        server.set_latency(request=0.5)
        with pytest.raises(WenxinTimeoutError) as info:
            await client.chat(MESSAGES)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("wenxin_core")]
    assert any("retry" in m for m in messages)
    texts = [*messages, caplog.text, str(info.value), repr(info.value), repr(client)]
    texts.append(repr(client.auth))
    for secret in (token, cached_token(client), API_KEY, SECRET_KEY):
        for text in texts:
            assert secret not in text
