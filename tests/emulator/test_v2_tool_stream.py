"""Streamed tool calls: ``delta.tool_calls`` fragments by index that add up to the calls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.emulator.tool_helpers import MODEL, TOOLS, ask, assemble, stream_of
from wenxin_core.emulator import EmulatorServer

TWO = "What's the weather in Paris and the time in Tokyo?"


def payload(text: str = TWO, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": text}],
        "tools": TOOLS,
        **extra,
    }


def fragments(parsed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        f for c in parsed if c["choices"] for f in c["choices"][0]["delta"].get("tool_calls", [])
    ]


def test_fragments_add_up_to_the_non_streamed_calls(client: httpx.Client) -> None:
    parsed = stream_of(client, payload())
    streamed = assemble(parsed)
    plain = ask(client, TWO)["message"]["tool_calls"]
    assert [c["function"] for c in streamed] == [c["function"] for c in plain]
    assert all(c["type"] == "function" and c["id"].startswith("call_") for c in streamed)
    assert len({c["id"] for c in streamed}) == 2
    assert [json.loads(c["function"]["arguments"]) for c in streamed] == [
        {"city": "Paris"},
        {"city": "Tokyo"},
    ]


def test_the_first_fragment_names_the_call_then_arguments_follow(client: httpx.Client) -> None:
    parsed = stream_of(client, payload())
    pieces = fragments(parsed)
    for index in (0, 1):
        mine = [f for f in pieces if f["index"] == index]
        first, *rest = mine
        assert set(first) == {"index", "id", "type", "function"}
        assert first["function"] == {"name": first["function"]["name"], "arguments": ""}
        assert len(rest) >= 2  # the arguments come in several fragments
        for fragment in rest:
            assert set(fragment) == {"index", "function"}
            assert set(fragment["function"]) == {"arguments"}
    # call 0 is complete before call 1 starts
    assert [f["index"] for f in pieces] == sorted(f["index"] for f in pieces)


def test_role_content_and_finish_reason(client: httpx.Client) -> None:
    parsed = stream_of(client, payload())
    assert parsed[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(not c["choices"][0]["delta"].get("content") for c in parsed)
    reasons = [c["choices"][0]["finish_reason"] for c in parsed]
    assert reasons == [None] * (len(parsed) - 1) + ["tool_calls"]


def test_usage_of_a_streamed_call(client: httpx.Client) -> None:
    final = stream_of(client, payload(stream_options={"include_usage": True}))[-1]
    assert final["choices"] == []
    plain = client.post(
        "/v2/chat/completions",
        json=payload(),
        headers={"Authorization": "Bearer bce-v3/ALTAK-emulator/emulator-api-key"},
    ).json()
    assert final["usage"]["completion_tokens"] == plain["usage"]["completion_tokens"]
    per_chunk = stream_of(client, payload(stream_options={"chunk_include_usage": True}))
    totals = [c["usage"]["completion_tokens"] for c in per_chunk]
    assert totals == sorted(totals)
    assert totals[-1] == plain["usage"]["completion_tokens"]


def test_whole_arguments_by_control(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.set_stream_tool_arguments("whole")
    pieces = fragments(stream_of(client, payload()))
    assert [f["index"] for f in pieces] == [0, 1]
    assert [json.loads(f["function"]["arguments"]) for f in pieces] == [
        {"city": "Paris"},
        {"city": "Tokyo"},
    ]
    assert all(set(f) == {"index", "id", "type", "function"} for f in pieces)
    emu.reset()
    assert len(fragments(stream_of(client, payload()))) > 2


@pytest.mark.emulator_config(stream_tool_arguments="whole")
def test_whole_arguments_by_config(own_client: httpx.Client) -> None:
    response = own_client.post(
        "/v2/chat/completions",
        json={**payload("weather in Oslo"), "stream": True},
        headers={"Authorization": "Bearer bce-v3/ALTAK-emulator/emulator-api-key"},
    )
    text = response.text
    assert text.count('"tool_calls":[') == 1
    assert '"arguments":"{\\"city\\": \\"Oslo\\"}"' in text


def test_bad_style_is_refused(emu: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="fragmented"):
        emu.set_stream_tool_arguments("bits")
    with pytest.raises(ValueError, match="fragmented"):
        EmulatorServer(stream_tool_arguments="bits")


def test_a_reasoning_stream_reasons_before_calling(client: httpx.Client) -> None:
    parsed = stream_of(client, payload("weather in Paris", model="ernie-x1.1"))
    kinds = [
        "reasoning" if "reasoning_content" in c["choices"][0]["delta"] else "call" for c in parsed
    ]
    assert kinds[0] == "reasoning" and kinds[-1] == "call"
    assert kinds == sorted(kinds, key=lambda k: k != "reasoning")
    assert [c["function"]["name"] for c in assemble(parsed)] == ["get_weather"]
