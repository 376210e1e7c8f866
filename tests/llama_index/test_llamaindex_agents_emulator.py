"""LlamaIndex's ``FunctionAgent`` with two tools on Wenxin, run to completion on the emulator.

Real HTTP to the emulator's V2 service: its deterministic tool calls (the user turn names the
tools, arguments come from their schemas and the text; both called at once; arguments streamed
in fragments), then its answer from the tool results. Sync code (``asyncio.run``) and async,
streaming events and not; the emulator's per-test scripting; the default model's refusal to
continue after tool results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)
from llama_index.core.tools import BaseTool, FunctionTool
from llama_index.core.workflow import Context

from llama_index_wenxin import Wenxin
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import InvalidMessagesError

# The workflows package inspects the agent (a pydantic model) with inspect.getmembers, which
# touches pydantic's deprecated attributes: LlamaIndex's warnings, not this package's.
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")

AGENT_MODEL = "deepseek-v3.2"
"""A tool-calling model that takes a conversation ending with tool results."""


def multiply(a: int, b: int) -> int:
    """Multiply two integers a and b."""
    return a * b


def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny, 25 degrees in {city}"


TOOLS: list[BaseTool | Callable[..., Any]] = [
    FunctionTool.from_defaults(fn=multiply),
    FunctionTool.from_defaults(fn=get_weather),
]
QUESTION = "Use multiply for 6 and 7, and get_weather for Beijing."


def _agent(llm: Wenxin, streaming: bool) -> FunctionAgent:
    return FunctionAgent(
        tools=TOOLS,
        llm=llm,
        system_prompt="You are a helpful assistant. Use the tools.",
        streaming=streaming,
    )


async def _run(agent: FunctionAgent, question: str = QUESTION) -> tuple[AgentOutput, list[Any]]:
    handler = agent.run(user_msg=question, ctx=Context(agent))
    seen = [event async for event in handler.stream_events()]
    output = await handler
    assert isinstance(output, AgentOutput)
    return output, seen


def _check(emulator: EmulatorServer, output: AgentOutput, seen: list[Any], streaming: bool) -> None:
    calls = [(e.tool_name, e.tool_kwargs) for e in seen if isinstance(e, ToolCall)]
    assert calls == [("multiply", {"a": 6, "b": 7}), ("get_weather", {"city": "Beijing"})]
    results = [e.tool_output.content for e in seen if isinstance(e, ToolCallResult)]
    assert results == ["42", "Sunny, 25 degrees in Beijing"]
    answer = output.response.content or ""
    assert "42" in answer and "Sunny, 25 degrees in Beijing" in answer
    streams = [e for e in seen if isinstance(e, AgentStream)]
    assert bool(streams) is streaming
    if streaming:
        assert "".join(e.delta for e in streams) == answer
    chats = [r for r in emulator.requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 2  # the two parallel calls, then the answer
    assert all(bool(r["body"].get("stream")) is streaming for r in chats)
    roles = [m["role"] for m in chats[-1]["body"]["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool"]


@pytest.mark.parametrize("streaming", [False, True])
def test_agent_from_sync_code(make_llm: Any, emulator: EmulatorServer, streaming: bool) -> None:
    llm = make_llm(model=AGENT_MODEL)
    output, seen = asyncio.run(_run(_agent(llm, streaming)))
    _check(emulator, output, seen, streaming)


@pytest.mark.parametrize("streaming", [False, True])
async def test_agent_async(make_llm: Any, emulator: EmulatorServer, streaming: bool) -> None:
    output, seen = await _run(_agent(make_llm(model=AGENT_MODEL), streaming))
    _check(emulator, output, seen, streaming)


async def test_agent_with_scripted_calls(make_llm: Any, emulator: EmulatorServer) -> None:
    emulator.script_tool_calls([{"name": "multiply", "arguments": {"a": 3, "b": 5}, "id": "c-1"}])
    emulator.script_tool_calls([{"name": "get_weather", "arguments": {"city": "Xi'an"}}])
    emulator.script("It is 15, and sunny in Xi'an.")
    output, seen = await _run(_agent(make_llm(model=AGENT_MODEL), streaming=True), "Go.")
    results = [(e.tool_id, e.tool_output.content) for e in seen if isinstance(e, ToolCallResult)]
    assert results[0] == ("c-1", "15")  # the scripted id
    assert results[1][0].startswith("call_")  # an id the emulator gave
    assert [content for _, content in results] == ["15", "Sunny, 25 degrees in Xi'an"]
    assert output.response.content == "It is 15, and sunny in Xi'an."


def test_streamed_calls_equal_the_whole_ones(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model=AGENT_MODEL)
    tools = [t for t in TOOLS if isinstance(t, BaseTool)]
    whole = llm.chat_with_tools(tools, user_msg=QUESTION, allow_parallel_tool_calls=True)
    streamed = list(
        llm.stream_chat_with_tools(tools, user_msg=QUESTION, allow_parallel_tool_calls=True)
    )
    assert len(streamed) > 3  # arguments came in fragments
    whole_calls = llm.get_tool_calls_from_response(whole)
    last_calls = llm.get_tool_calls_from_response(streamed[-1])
    assert [(c.tool_name, c.tool_kwargs) for c in last_calls] == [
        (c.tool_name, c.tool_kwargs) for c in whole_calls
    ]
    assert len(whole_calls) == 2


def test_parallel_not_allowed_is_one_call(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model=AGENT_MODEL)
    tools = [t for t in TOOLS if isinstance(t, BaseTool)]
    response = llm.chat_with_tools(tools, user_msg=QUESTION)
    assert [c.tool_name for c in llm.get_tool_calls_from_response(response)] == ["multiply"]
    assert emulator.requests[-1]["body"]["parallel_tool_calls"] is False


def test_tool_choice_by_name(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model=AGENT_MODEL)
    tools = [t for t in TOOLS if isinstance(t, BaseTool)]
    response = llm.chat_with_tools(tools, user_msg=QUESTION, tool_choice="get_weather")
    assert [c.tool_name for c in llm.get_tool_calls_from_response(response)] == ["get_weather"]


async def test_default_model_calls_tools_but_cannot_continue(
    make_llm: Any, emulator: EmulatorServer
) -> None:
    llm = make_llm()  # ernie-4.5-turbo-32k: Qianfan wants a user turn last
    with pytest.raises(InvalidMessagesError, match="cannot continue after tool results"):
        await _agent(llm, streaming=False).run(user_msg=QUESTION)
    chats = [r for r in emulator.requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 1 and chats[0]["body"]["tools"]
