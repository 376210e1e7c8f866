"""The OpenAI-compatible shape: the ``openai`` SDK talks to ``{emulator}/v2`` unchanged."""

from __future__ import annotations

import openai
import pytest

from tests.support.emulator_text import reply_text
from wenxin_core.emulator import DEFAULT_API_KEY, EmulatorServer

MODEL = "ernie-4.5-turbo-32k"


@pytest.fixture
def sdk(emu: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=emu.v2_base_url, api_key=DEFAULT_API_KEY, max_retries=0)


def test_openai_sdk_chat(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": "terse"}, {"role": "user", "content": "hello"}],
        temperature=0.5,
    )
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == reply_text("hello", MODEL, "terse")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0
    extra = completion.choices[0].model_extra or {}
    assert extra["flag"] == 0 and extra["ban_round"] == -1


def test_openai_sdk_stream(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = ""
    usages = []
    pieces = 0
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            pieces += 1
        if chunk.usage is not None:
            usages.append(chunk.usage)
    assert text == reply_text("hello", MODEL)
    assert pieces >= 3
    assert len(usages) == 1
    assert usages[0].completion_tokens > 0
    assert usages[0].total_tokens == usages[0].prompt_tokens + usages[0].completion_tokens


def test_openai_sdk_reasoning_and_errors(sdk: openai.OpenAI, emu: EmulatorServer) -> None:
    completion = sdk.chat.completions.create(
        model="ernie-x1.1", messages=[{"role": "user", "content": "why"}]
    )
    extra = completion.choices[0].message.model_extra or {}
    assert str(extra["reasoning_content"]).startswith("The user wrote: why.")
    emu.inject_v2_error(429, "rpm_rate_limit_exceeded")
    with pytest.raises(openai.RateLimitError) as info:
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert info.value.code == "rpm_rate_limit_exceeded"
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model="no-such", messages=[{"role": "user", "content": "x"}])
    bad = openai.OpenAI(base_url=emu.v2_base_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert MODEL in [m.id for m in sdk.models.list()]
