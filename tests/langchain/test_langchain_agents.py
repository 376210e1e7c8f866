"""LangChain ``create_agent`` on ChatWenxin with two tools, to completion, against the V2 emulator.

Sync and async, streamed (``stream_mode="messages"``: the model streams its tool calls as
``tool_call_chunks``) and not. The scripted runs pin the exact calls (one tool, then the other,
then the answer); the unscripted run relies on the emulator's deterministic default (it calls
the tools the user names, with arguments from the question, then answers with the results).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import tool

from tests.langchain.lc_helpers import make_llm
from wenxin_core.emulator.server import EmulatorServer

AGENT_MODEL = "deepseek-v3.2"
"""A tool-calling model that takes tool results as the last turn (no user-last-turn rule)."""
QUESTION = "Use the add tool to add 17 and 25, then use get_weather for Paris."
FINAL = "17 + 25 = 42, and Paris is sunny."


@tool
def add(a: int, b: int) -> int:
    """Add two integers a and b."""
    return a + b


@tool
def get_weather(city: str) -> str:
    """Get the current weather of a city."""
    return f"sunny in {city}"


TOOLS = [add, get_weather]


def _script(server: EmulatorServer) -> None:
    server.script_tool_calls([{"name": "add", "arguments": {"a": 17, "b": 25}, "id": "call-add"}])
    server.script_tool_calls(
        [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call-weather"}]
    )
    server.script(FINAL)


def _agent(server: EmulatorServer) -> Any:
    return create_agent(make_llm(server, model=AGENT_MODEL), tools=TOOLS)


def _check_scripted_run(messages: list[BaseMessage]) -> None:
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ], kinds
    first, second, final = messages[1], messages[3], messages[5]
    assert isinstance(first, AIMessage) and isinstance(second, AIMessage)
    assert [(c["name"], c["args"], c["id"]) for c in first.tool_calls] == [
        ("add", {"a": 17, "b": 25}, "call-add")
    ]
    assert [(c["name"], c["args"], c["id"]) for c in second.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call-weather")
    ]
    results = [(m.tool_call_id, m.content) for m in messages if isinstance(m, ToolMessage)]
    assert results == [("call-add", "42"), ("call-weather", "sunny in Paris")]
    assert isinstance(final, AIMessage) and final.content == FINAL and not final.tool_calls
    assert final.response_metadata["finish_reason"] == "stop"


def _from_stream(parts: Iterator[Any] | list[Any]) -> tuple[list[BaseMessage], int]:
    """The last ``values`` state's messages and how many model chunks streamed."""
    state: dict[str, Any] = {}
    chunks = 0
    for mode, payload in parts:
        if mode == "values":
            state = payload
        elif mode == "messages" and isinstance(payload[0], AIMessageChunk):
            chunks += 1
    return list(state["messages"]), chunks


def test_agent_invoke(wenxin_emulator: EmulatorServer) -> None:
    _script(wenxin_emulator)
    result = _agent(wenxin_emulator).invoke({"messages": [HumanMessage(QUESTION)]})
    _check_scripted_run(result["messages"])


async def test_agent_ainvoke(wenxin_emulator: EmulatorServer) -> None:
    _script(wenxin_emulator)
    result = await _agent(wenxin_emulator).ainvoke({"messages": [HumanMessage(QUESTION)]})
    _check_scripted_run(result["messages"])


def test_agent_stream(wenxin_emulator: EmulatorServer) -> None:
    _script(wenxin_emulator)
    parts = _agent(wenxin_emulator).stream(
        {"messages": [HumanMessage(QUESTION)]}, stream_mode=["messages", "values"]
    )
    messages, chunks = _from_stream(parts)
    _check_scripted_run(messages)
    assert chunks >= 3  # the model streamed each of its three answers


async def test_agent_astream(wenxin_emulator: EmulatorServer) -> None:
    _script(wenxin_emulator)
    parts = [
        part
        async for part in _agent(wenxin_emulator).astream(
            {"messages": [HumanMessage(QUESTION)]}, stream_mode=["messages", "values"]
        )
    ]
    messages, chunks = _from_stream(parts)
    _check_scripted_run(messages)
    assert chunks >= 3


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_agent_on_the_emulators_default(wenxin_emulator: EmulatorServer, stream: bool) -> None:
    agent = _agent(wenxin_emulator)
    request = {"messages": [HumanMessage("Use the add tool to add 17 and 25.")]}
    if stream:
        messages, _ = _from_stream(agent.stream(request, stream_mode=["messages", "values"]))
    else:
        messages = agent.invoke(request)["messages"]
    calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [("add", {"a": 17, "b": 25})]
    assert [m.content for m in messages if isinstance(m, ToolMessage)] == ["42"]
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "42" in str(final.content)
