"""Tool calling and structured output of ChatWenxin over real HTTP against the V2 emulator.

The emulator calls the tools the user names (arguments from the text), honours ``tool_choice``,
streams arguments whole or in fragments, and can be scripted to exact calls.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_wenxin import ChatWenxin
from langchain_wenxin.errors import InvalidMessagesError
from tests.langchain.lc_helpers import make_llm
from wenxin_core.emulator.server import EmulatorServer

TOOL_MODEL = "deepseek-v3.2"
BOTH = "Use get_weather for Paris and add 2 and 3."


@tool
def add(a: int, b: int) -> int:
    """Add two integers a and b."""
    return a + b


@tool
def get_weather(city: str) -> str:
    """Get the current weather of a city."""
    return f"sunny in {city}"


class City(BaseModel):
    """A city and its country."""

    name: str = Field(description="the city's name")
    country: str = Field(description="the country it is in")


def _llm(server: EmulatorServer, **kwargs: Any) -> ChatWenxin:
    return make_llm(server, **{"model": TOOL_MODEL, **kwargs})


def _sum(llm: Any, prompt: Any) -> tuple[AIMessageChunk, int]:
    full: AIMessageChunk | None = None
    parts = 0
    for piece in llm.stream(prompt):
        assert isinstance(piece, AIMessageChunk)
        parts += bool(piece.tool_call_chunks)
        full = piece if full is None else full + piece
    assert full is not None
    return full, parts


def _calls(message: AIMessage) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in message.tool_calls]


@pytest.mark.parametrize("style", ["fragmented", "whole"])
def test_parallel_calls_streamed_add_up_to_invoke(
    wenxin_emulator: EmulatorServer, style: str
) -> None:
    wenxin_emulator.set_stream_tool_arguments(style)
    bound = _llm(wenxin_emulator).bind_tools([add, get_weather])
    invoked = bound.invoke(BOTH)
    assert _calls(invoked) == [("get_weather", {"city": "Paris"}), ("add", {"a": 2, "b": 3})]
    assert invoked.response_metadata["finish_reason"] == "tool_calls"
    assert all(c["id"] for c in invoked.tool_calls)
    streamed, parts = _sum(bound, BOTH)
    assert _calls(streamed) == _calls(invoked)
    assert [c["index"] for c in streamed.tool_call_chunks] == [0, 1]
    assert streamed.response_metadata["finish_reason"] == "tool_calls"
    # fragmented: the id/name fragment and several argument fragments per call
    assert parts > 2 if style == "fragmented" else parts >= 1


async def test_async_stream_and_invoke(wenxin_emulator: EmulatorServer) -> None:
    bound = _llm(wenxin_emulator).bind_tools([add, get_weather])
    invoked = await bound.ainvoke(BOTH)
    full: AIMessageChunk | None = None
    async for piece in bound.astream(BOTH):
        assert isinstance(piece, AIMessageChunk)
        full = piece if full is None else full + piece
    assert full is not None and _calls(full) == _calls(invoked) != []


def test_tool_choice_is_honoured(wenxin_emulator: EmulatorServer) -> None:
    llm = _llm(wenxin_emulator)
    assert llm.bind_tools([add, get_weather], tool_choice="none").invoke(BOTH).tool_calls == []
    forced = llm.bind_tools([add, get_weather], tool_choice="add").invoke(BOTH)
    assert [c["name"] for c in forced.tool_calls] == ["add"]
    anyone = llm.bind_tools([add, get_weather], tool_choice="any").invoke("Hello there.")
    assert len(anyone.tool_calls) == 1
    single = llm.bind_tools([add, get_weather], parallel_tool_calls=False).invoke(BOTH)
    assert [c["name"] for c in single.tool_calls] == ["get_weather"]
    sent = [r["body"].get("tool_choice") for r in wenxin_emulator.requests]
    assert sent == ["none", {"type": "function", "function": {"name": "add"}}, "required", None]


def test_scripted_calls_with_ids_and_invalid_arguments(wenxin_emulator: EmulatorServer) -> None:
    calls: list[dict[str, Any]] = [
        {"name": "add", "arguments": {"a": 1, "b": 2}, "id": "call-good"},
        {"name": "add", "arguments": "a=1, b=2", "id": "call-bad"},
    ]
    wenxin_emulator.script_tool_calls(calls, times=2)
    bound = _llm(wenxin_emulator).bind_tools([add])
    invoked = bound.invoke("sum")
    streamed, _ = _sum(bound, "sum")
    for message in (invoked, streamed):
        assert [(c["id"], c["args"]) for c in message.tool_calls] == [
            ("call-good", {"a": 1, "b": 2})
        ]
    # (an unfinished object such as '{"a": 1,' is summed by langchain-core's partial-JSON rule
    # in streams: see test_langchain_tools.test_a_cut_stream_sums_by_langchains_partial_json_rule)
    for message in (invoked, streamed):
        bad = [(c["id"], c["args"]) for c in message.invalid_tool_calls]
        assert bad == [("call-bad", "a=1, b=2")]


def test_round_trip_answers_with_the_result(wenxin_emulator: EmulatorServer) -> None:
    bound = _llm(wenxin_emulator).bind_tools([add])
    question = HumanMessage("Use the add tool to add 17 and 25.")
    first = bound.invoke([question])
    results = [
        ToolMessage(str(add.invoke(c["args"])), tool_call_id=c["id"]) for c in first.tool_calls
    ]
    final = bound.invoke([question, first, *results])
    assert "42" in str(final.content) and final.tool_calls == []
    sent = wenxin_emulator.requests[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[2]["tool_call_id"] == first.tool_calls[0]["id"]


def test_a_user_last_turn_model_says_it_cannot_read_tool_results(
    wenxin_emulator: EmulatorServer,
) -> None:
    bound = make_llm(wenxin_emulator, model="ernie-4.5-turbo-32k").bind_tools([add])
    question = HumanMessage("Use the add tool to add 17 and 25.")
    first = bound.invoke([question])
    assert first.tool_calls
    calls_before = wenxin_emulator.chat_calls
    results = [ToolMessage("42", tool_call_id=c["id"]) for c in first.tool_calls]
    with pytest.raises(InvalidMessagesError, match="last message to be a user turn"):
        bound.invoke([question, first, *results])
    assert wenxin_emulator.chat_calls == calls_before


@pytest.mark.parametrize(
    ("model", "method", "sent"),
    [
        ("deepseek-v3.2", None, "json_schema"),
        ("ernie-5.1", None, "tools"),
        ("deepseek-v3.2", "function_calling", "tools"),
    ],
)
def test_structured_output_on_the_emulator(
    wenxin_emulator: EmulatorServer, model: str, method: Any, sent: str
) -> None:
    structured = make_llm(wenxin_emulator, model=model).with_structured_output(City, method=method)
    prompt = "Name: Chengdu, country: China."
    assert structured.invoke(prompt) == City(name="Chengdu", country="China")
    streamed = list(structured.stream(prompt))
    assert streamed and streamed[-1] == City(name="Chengdu", country="China")
    for record in wenxin_emulator.requests:
        body = record["body"]
        if sent == "json_schema":
            assert body["response_format"]["type"] == "json_schema" and "tools" not in body
        else:
            assert "response_format" not in body
            assert [t["function"]["name"] for t in body["tools"]] == ["City"]
