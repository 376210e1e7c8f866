"""The core's V2 clients against the emulator over real HTTP on 127.0.0.1 (sync and async).

Each behaviour is written once and run through both clients (``call`` / ``stream`` below).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.support.clients import V2_MODEL, build_client
from wenxin_core import WenxinClient
from wenxin_core.emulator.config import (
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
)
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    InvalidIamTokenError,
    InvalidRequestError,
    MissingCredentialsError,
    RateLimitError,
    StreamInterruptedError,
    UnsupportedParameterError,
    WenxinValidationError,
)
from wenxin_core.types import ChatChunk, ChatCompletion

USER = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def emulator(wenxin_emulator: EmulatorServer) -> EmulatorServer:
    return wenxin_emulator


def make(mode: str, emulator: EmulatorServer, model: str = V2_MODEL, **kw: Any) -> Any:
    """A ``mode`` client on the emulator, retrying once unless told otherwise."""
    kw.setdefault("max_retries", 1)
    return build_client(mode, emulator, model, **kw)


def call(client: Any, messages: Any = USER, **options: Any) -> ChatCompletion:
    if isinstance(client, WenxinClient):
        return client.chat(messages, **options)

    async def run() -> ChatCompletion:
        try:
            result: ChatCompletion = await client.chat(messages, **options)
            return result
        finally:
            await client.aclose()

    return asyncio.run(run())


def stream(client: Any, messages: Any = USER, **options: Any) -> list[ChatChunk]:
    if isinstance(client, WenxinClient):
        with client.stream(messages, **options) as chunks:
            return list(chunks)

    async def run() -> list[ChatChunk]:
        try:
            async with client.stream(messages, **options) as chunks:
                return [c async for c in chunks]
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_chat_answers_with_usage_and_quota(mode: str, emulator: EmulatorServer) -> None:
    result = call(make(mode, emulator))
    assert "hello there" in result.text
    assert result.finish_reason == "stop"
    assert result.usage is not None and result.usage.total_tokens > 0
    assert result.rate_limits is not None and result.rate_limits.limit_requests
    assert result.request_id
    request = emulator.requests[-1]
    assert request["path"] == "/v2/chat/completions"
    assert request["body"]["model"] == "ernie-4.5-turbo-32k"


def test_stream_equals_chat_and_counts_usage_once(mode: str, emulator: EmulatorServer) -> None:
    whole = call(make(mode, emulator))
    chunks = stream(make(mode, emulator))
    assert "".join(c.text for c in chunks) == whole.text
    usages = [c.usage for c in chunks if c.usage is not None]
    assert usages == [whole.usage]
    assert chunks[-1].is_final
    assert emulator.requests[-1]["body"]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("placement", ["separate", "last_chunk"])
def test_usage_placements_give_the_same_final_usage(
    mode: str, emulator: EmulatorServer, placement: str
) -> None:
    emulator.set_usage_placement(placement)
    chunks = stream(make(mode, emulator))
    assert [c for c in chunks if c.usage is not None] == [chunks[-1]]
    assert chunks[-1].usage == call(make(mode, emulator)).usage


def test_reasoning_model_returns_reasoning(mode: str, emulator: EmulatorServer) -> None:
    result = call(make(mode, emulator, "ernie-x1.1"))
    assert result.reasoning
    chunks = stream(make(mode, emulator, "ernie-x1.1"))
    assert "".join(c.reasoning for c in chunks) == result.reasoning


def test_seed_service_name_reaches_the_redeployed_model(
    mode: str, emulator: EmulatorServer
) -> None:
    result = call(make(mode, emulator, "llama-2-13b-chat"))
    assert result.text
    assert emulator.requests[-1]["body"]["model"] == "llama-2-13b-chat"


def test_appid_header_is_sent(mode: str, emulator: EmulatorServer) -> None:
    call(make(mode, emulator, app_id="app-demo"))
    assert emulator.requests[-1]["headers"].get("appid") == "app-demo"


def test_rate_limit_is_retried_then_succeeds(mode: str, emulator: EmulatorServer) -> None:
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=1)
    result = call(make(mode, emulator))
    assert result.text
    assert emulator.chat_calls == 2


def test_rate_limit_error_carries_the_quota(mode: str, emulator: EmulatorServer) -> None:
    emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=5)
    with pytest.raises(RateLimitError) as info:
        call(make(mode, emulator, max_retries=0))
    assert info.value.status_code == 429
    assert info.value.error_code == "rpm_rate_limit_exceeded"
    assert info.value.rate_limits is not None
    assert info.value.request_id


def test_bad_request_is_never_retried(mode: str, emulator: EmulatorServer) -> None:
    emulator.inject_v2_error(400, "invalid_argument", times=5)
    with pytest.raises(InvalidRequestError):
        call(make(mode, emulator, max_retries=3))
    assert emulator.chat_calls == 1


def test_bad_api_key_is_final(mode: str, emulator: EmulatorServer) -> None:
    with pytest.raises(InvalidIamTokenError) as info:
        call(make(mode, emulator, api_key="bce-v3/ALTAK-wrong/key"))
    assert "wrong/key" not in str(info.value)
    assert emulator.chat_calls == 1


def test_dropped_stream_is_interrupted_with_the_text_so_far(
    mode: str, emulator: EmulatorServer
) -> None:
    emulator.drop_stream_after(2, times=5)
    with pytest.raises(StreamInterruptedError) as info:
        stream(make(mode, emulator, max_retries=0))
    assert info.value.chunks_received >= 1
    assert info.value.partial_text


def test_validation_happens_before_sending(mode: str, emulator: EmulatorServer) -> None:
    client = make(mode, emulator)
    with pytest.raises(WenxinValidationError):
        call(client, temperature=3)
    with pytest.raises(UnsupportedParameterError):
        call(make(mode, emulator, "deepseek-r1"), penalty_score=1.5)
    assert emulator.chat_calls == 0


def test_tool_history_goes_out_in_v2_shape(mode: str, emulator: EmulatorServer) -> None:
    history = [
        {"role": "user", "content": "weather in Shanghai?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "call-1", "name": "get_weather", "arguments": '{"city": "SH"}'}],
        },
        {"role": "tool", "tool_call_id": "call-1", "content": "sunny"},
    ]
    result = call(make(mode, emulator, "deepseek-v3.2"), history)
    assert result.text
    sent = emulator.requests[-1]["body"]["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "call-1"
    assert sent[2] == {"role": "tool", "tool_call_id": "call-1", "content": "sunny"}


# -- IAM keys minting bearer tokens -------------------------------------------------------------


def iam(mode: str, emulator: EmulatorServer, **kw: Any) -> Any:
    return make(
        mode,
        emulator,
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        iam_base_url=emulator.base_url,
        **kw,
    )


def test_iam_keys_mint_one_token_and_reuse_it(mode: str, emulator: EmulatorServer) -> None:
    client = iam(mode, emulator)
    if mode == "sync":
        for _ in range(3):
            assert client.chat(USER).text
    else:

        async def run() -> None:
            for _ in range(3):
                assert (await client.chat(USER)).text
            await client.aclose()

        asyncio.run(run())
    assert emulator.bearer_token_requests == 1
    assert emulator.chat_calls == 3


def test_rejected_bearer_token_is_minted_again_once(mode: str, emulator: EmulatorServer) -> None:
    client = iam(mode, emulator)
    if mode == "sync":
        client.chat(USER)
        emulator.invalidate_tokens()
        assert client.chat(USER).text
    else:

        async def run() -> None:
            await client.chat(USER)
            emulator.invalidate_tokens()
            assert (await client.chat(USER)).text
            await client.aclose()

        asyncio.run(run())
    assert emulator.bearer_token_requests == 2


def test_fifty_concurrent_first_calls_mint_once(emulator: EmulatorServer) -> None:
    client = iam("sync", emulator)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            client.chat(USER)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert emulator.bearer_token_requests == 1

    async def tasks() -> None:
        aclient = iam("async", emulator)
        await asyncio.gather(*(aclient.chat(USER) for _ in range(50)))
        await aclient.aclose()

    asyncio.run(tasks())
    assert emulator.bearer_token_requests == 2  # one more for the async client's own auth


# -- spelling ---------------------------------------------------------------------------------


def test_v1_credential_on_v2_names_both(emulator: EmulatorServer) -> None:
    with pytest.raises(MissingCredentialsError, match="api='v1'"):
        WenxinClient("ernie-4.5-turbo-32k", qianfan_ak="a", qianfan_sk="b")


def test_v1_still_works_behind_api_v1(emulator: EmulatorServer) -> None:
    client = WenxinClient(
        "Llama-2-13b-chat",
        api="v1",
        qianfan_ak="emulator-api-key",
        qianfan_sk="emulator-secret-key",
        base_url=emulator.base_url,
    )
    assert client.chat(USER).text
    chunks = list(client.stream(USER))
    assert chunks[-1].is_final and chunks[-1].usage is not None


def test_models_lists_what_the_account_sees(mode: str, emulator: EmulatorServer) -> None:
    client = make(mode, emulator)
    if mode == "sync":
        ids = client.models()
    else:

        async def run() -> list[str]:
            try:
                result: list[str] = await client.models()
                return result
            finally:
                await client.aclose()

        ids = asyncio.run(run())
    assert "ernie-4.5-turbo-32k" in ids
    with pytest.raises(WenxinValidationError, match="V1 has no list"):
        WenxinClient("Llama-2-13b-chat", api="v1", access_token="t").models()


def test_final_chunk_carries_the_safety_fields_of_the_answer(
    mode: str, emulator: EmulatorServer
) -> None:
    whole = call(make(mode, emulator))
    final = stream(make(mode, emulator))[-1]
    assert (final.flag, final.ban_round) == (whole.flag, whole.ban_round)
