"""The ``openai`` SDK on the emulator: tools (streamed and not), JSON output, embeddings."""

from __future__ import annotations

import json
import math
from typing import Any

import openai
import pytest

from tests.emulator.tool_helpers import LAST_TOOL_MODEL, MODEL, TOOLS
from wenxin_core.emulator import DEFAULT_API_KEY, EmulatorServer

SDK_TOOLS: Any = TOOLS  # plain dicts, as users write them
QUESTION = "What's the weather in Paris and the time in Tokyo?"


@pytest.fixture
def sdk(emu: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=emu.v2_base_url, api_key=DEFAULT_API_KEY, max_retries=0)


def test_tool_round_trip(sdk: openai.OpenAI) -> None:
    first = sdk.chat.completions.create(
        model=LAST_TOOL_MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=SDK_TOOLS,
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = [c for c in choice.message.tool_calls or [] if c.type == "function"]
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"city": "Tokyo"}),
    ]
    messages: list[Any] = [
        {"role": "user", "content": QUESTION},
        choice.message.model_dump(exclude_none=True),
        *(
            {"role": "tool", "tool_call_id": c.id, "content": result}
            for c, result in zip(calls, ["sunny", "10:00"], strict=True)
        ),
    ]
    second = sdk.chat.completions.create(model=LAST_TOOL_MODEL, messages=messages, tools=SDK_TOOLS)
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == (
        f"Based on get_weather: sunny; get_time: 10:00. You asked: {QUESTION}"
    )


def test_streamed_tool_calls_add_up(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=SDK_TOOLS,
        stream=True,
    )
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    pieces = 0
    finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        finish = chunk.choices[0].finish_reason or finish
        for delta in chunk.choices[0].delta.tool_calls or []:
            pieces += 1
            function = delta.function
            if function is not None and function.name:
                names[delta.index] = function.name
            if function is not None and function.arguments:
                arguments[delta.index] = arguments.get(delta.index, "") + function.arguments
    assert finish == "tool_calls"
    assert names == {0: "get_weather", 1: "get_time"}
    assert {i: json.loads(a) for i, a in arguments.items()} == {
        0: {"city": "Paris"},
        1: {"city": "Tokyo"},
    }
    assert pieces > 4


def test_tool_choice_and_parallel(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=SDK_TOOLS,
        parallel_tool_calls=False,
    )
    assert len(completion.choices[0].message.tool_calls or []) == 1
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        tools=SDK_TOOLS,
        tool_choice="none",
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "x"}],
            tools=[{"type": "function", "function": {"name": "bad name"}}],
        )
    assert info.value.code == "invalid_argument"


def test_json_schema_output(sdk: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
        "additionalProperties": False,
    }
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "a trip to Rome for 5 days"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "trip", "schema": schema, "strict": True},
        },
    )
    assert json.loads(completion.choices[0].message.content or "") == {"city": "Rome", "days": 5}


def test_embeddings(sdk: openai.OpenAI) -> None:
    texts = ["reset my password", "how to reset a password", "opening hours"]
    result = sdk.embeddings.create(model="embedding-v1", input=texts)
    assert [d.index for d in result.data] == [0, 1, 2]
    assert all(len(d.embedding) == 384 for d in result.data)
    assert math.isclose(sum(v * v for v in result.data[0].embedding), 1.0, abs_tol=1e-3)
    a, b, c = (d.embedding for d in result.data)
    assert sum(x * y for x, y in zip(a, b, strict=True)) > sum(
        x * y for x, y in zip(a, c, strict=True)
    )
    assert result.usage.prompt_tokens == result.usage.total_tokens > 0
    with pytest.raises(openai.BadRequestError) as info:
        sdk.embeddings.create(model="embedding-v1", input=["x"] * 17)
    assert info.value.code == "invalid_argument"
