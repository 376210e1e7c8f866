"""Typed errors, retries, timeouts and broken streams, surfaced through every path."""

from __future__ import annotations

import time
from typing import Any

import pytest
from llama_index.core import Settings, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage

from tests.llama_index.li_helpers import EventCollector
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    ContentPolicyError,
    InvalidRequestError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    WenxinError,
    WenxinTimeoutError,
)

USER = [ChatMessage(role="user", content="hello")]


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (403, "account_overdue", PermissionDeniedError),
        (403, "functions_unsafe", ContentPolicyError),
        (429, "tpm_rate_limit_exceeded", RateLimitError),
        (400, "invalid_argument", InvalidRequestError),
        (401, "invalid_model", PermissionDeniedError),  # no access to the model
        (500, "internal_error", ServerError),
    ],
)
def test_service_errors_are_typed(
    make_llm: Any, emulator: EmulatorServer, status: int, code: str, error: type[WenxinError]
) -> None:
    llm = make_llm(max_retries=0)
    emulator.inject_v2_error(status, code)
    with pytest.raises(error) as info:
        llm.chat(USER)
    assert info.value.error_code == code
    assert info.value.status_code == status
    assert info.value.request_id
    assert DEFAULT_API_KEY not in str(info.value)


def test_rate_limit_error_carries_the_quota(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=0)
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    with pytest.raises(RateLimitError) as info:
        llm.complete("hello")
    assert info.value.rate_limits is not None
    assert info.value.rate_limits.remaining_requests == 0


@pytest.mark.parametrize("method", ["stream_chat", "stream_complete"])
def test_stream_errors_are_typed(make_llm: Any, emulator: EmulatorServer, method: str) -> None:
    llm = make_llm(max_retries=0)
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    arg: Any = USER if method == "stream_chat" else "hello"
    with pytest.raises(RateLimitError):
        list(getattr(llm, method)(arg))


async def test_async_errors_are_typed(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=0)
    emulator.inject_v2_error(500, "dispatch_internal_error")
    with pytest.raises(ServerError):
        await llm.acomplete("hello")
    emulator.inject_v2_error(403, "model_offline")
    with pytest.raises(PermissionDeniedError):
        gen = await llm.astream_chat(USER)
        [r async for r in gen]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (6, PermissionDeniedError),
        (17, QuotaExceededError),
        (336003, InvalidRequestError),
        (14, AuthenticationError),
    ],
)
def test_v1_service_errors_are_typed(
    make_llm_v1: Any, emulator: EmulatorServer, code: int, error: type[WenxinError]
) -> None:
    llm = make_llm_v1(max_retries=0)
    emulator.inject_error(code)
    with pytest.raises(error) as info:
        llm.chat(USER)
    assert info.value.error_code == code
    assert "test-secret-key" not in str(info.value)


def test_v1_rejected_fixed_token(emulator: EmulatorServer) -> None:
    from llama_index_wenxin import Wenxin

    llm = Wenxin(api="v1", access_token="not-a-token", base_url=emulator.base_url, max_retries=0)
    with pytest.raises(AuthenticationError):
        llm.complete("x")


def test_v2_wrong_api_key(emulator: EmulatorServer) -> None:
    from llama_index_wenxin import Wenxin

    llm = Wenxin(api_key="bce-v3/ALTAK-x/not-a-key", base_url=emulator.v2_base_url)
    with pytest.raises(AuthenticationError):
        llm.complete("x")
    assert emulator.chat_calls == 1  # a wrong key is not retried


def test_retry_then_success(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=2)
    emulator.inject_v2_error(500, "internal_error", times=2)
    assert llm.complete("hello").text
    assert emulator.chat_calls == 3


def test_retries_exhausted(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=1)
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=5)
    with pytest.raises(RateLimitError):
        llm.chat(USER)
    assert emulator.chat_calls == 2


def test_no_retry_for_permission(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=3)
    emulator.inject_v2_error(403, "account_overdue", times=3)
    with pytest.raises(PermissionDeniedError):
        llm.chat(USER)
    assert emulator.chat_calls == 1


def test_stream_retried_before_first_chunk(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=2)
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    responses = list(llm.stream_chat(USER))
    assert responses[-1].additional_kwargs["total_tokens"] > 0
    assert emulator.chat_calls == 2


async def test_async_retry(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=2)
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    assert (await llm.achat(USER)).message.content
    assert emulator.chat_calls == 2


def test_v1_expired_token_is_refreshed(make_llm_v1: Any, emulator: EmulatorServer) -> None:
    llm = make_llm_v1()
    llm.complete("first")
    emulator.expire_tokens()
    assert llm.complete("second").text
    assert emulator.token_requests == 2


def test_v2_expired_bearer_token_is_minted_again(emulator: EmulatorServer) -> None:
    from llama_index_wenxin import Wenxin
    from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

    llm = Wenxin(
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        iam_base_url=emulator.base_url,
        base_url=emulator.v2_base_url,
    )
    llm.complete("first")
    emulator.expire_tokens()
    assert llm.complete("second").text
    assert emulator.bearer_token_requests == 2


def test_timeout(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(timeout=0.2, max_retries=0)
    emulator.set_latency(request=1.0)
    started = time.monotonic()
    with pytest.raises(WenxinTimeoutError):
        llm.chat(USER)
    assert time.monotonic() - started < 0.9


def test_per_call_timeout(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(max_retries=0)
    emulator.set_latency(request=1.0)
    with pytest.raises(WenxinTimeoutError):
        llm.complete("hello", timeout=0.2)


async def test_async_timeout_is_retried(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(timeout=0.3, max_retries=1)
    emulator.set_latency(request=1.0)
    with pytest.raises(WenxinTimeoutError):
        await llm.achat(USER)
    assert emulator.chat_calls == 2


def test_stream_dropped_midway(
    make_llm: Any, emulator: EmulatorServer, events: EventCollector
) -> None:
    llm = make_llm(max_retries=2)
    emulator.drop_stream_after(2)
    received: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        for response in llm.stream_chat(USER):
            received.append(response.delta or "")
    assert info.value.partial_text == "".join(received)
    assert emulator.chat_calls == 1  # content reached the caller: never retried
    assert events.count("ExceptionEvent") == 1
    assert events.count("LLMChatEndEvent") == 0


async def test_async_stream_dropped(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm()
    emulator.drop_stream_after(1)
    with pytest.raises(StreamInterruptedError):
        gen = await llm.astream_complete("hello")
        [r async for r in gen]


def test_query_engine_surfaces_typed_error(
    make_llm: Any, emulator: EmulatorServer, embed_model: Any
) -> None:
    from llama_index.core import Document

    Settings.embed_model = embed_model
    Settings.llm = make_llm(max_retries=0)
    index = VectorStoreIndex.from_documents([Document(text="pandas eat bamboo")])
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    with pytest.raises(RateLimitError):
        index.as_query_engine().query("what do pandas eat?")
