"""LlamaIndex's ``FunctionAgent`` with two tools, run to completion on Wenxin (offline).

Against a scripted V2 service (MockTransport): the agent's requests carry the tools, the calls
and their results in V2 shape; run from sync code (``asyncio.run``) and from async code,
streaming events and not. Against the emulator: see test_llamaindex_agents_emulator.py.
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
from tests.llama_index.li_fakes import Answer, FakeQianfan, call
from wenxin_core.errors import InvalidMessagesError

# The workflows package inspects the agent (a pydantic model) with inspect.getmembers, which
# touches pydantic's deprecated attributes: LlamaIndex's warnings, not this package's.
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny, 25°C in {city}"


TOOLS: list[BaseTool | Callable[..., Any]] = [
    FunctionTool.from_defaults(fn=multiply),
    FunctionTool.from_defaults(fn=get_weather),
]
QUESTION = "What is 6 times 7, and what is the weather in Beijing?"
FINAL = "6 × 7 = 42, and Beijing is sunny at 25°C."


def _agent(llm: Wenxin, streaming: bool) -> FunctionAgent:
    return FunctionAgent(
        tools=TOOLS,
        llm=llm,
        system_prompt="You are a helpful assistant. Use the tools.",
        streaming=streaming,
    )


def _script(fake: FakeQianfan) -> None:
    fake.script(
        Answer(
            tool_calls=[
                call("call-m", "multiply", {"a": 6, "b": 7}),
                call("call-w", "get_weather", {"city": "Beijing"}),
            ]
        ),
        Answer(content=FINAL),
    )


async def _run(agent: FunctionAgent) -> tuple[AgentOutput, list[Any]]:
    """Run the agent, collecting its stream events."""
    handler = agent.run(user_msg=QUESTION, ctx=Context(agent))
    seen = [event async for event in handler.stream_events()]
    output = await handler
    assert isinstance(output, AgentOutput)
    return output, seen


def _check_run(fake: FakeQianfan, output: AgentOutput, seen: list[Any], streaming: bool) -> None:
    assert output.response.content == FINAL
    results = {e.tool_name: e.tool_output.content for e in seen if isinstance(e, ToolCallResult)}
    assert results == {"multiply": "42", "get_weather": "Sunny, 25°C in Beijing"}
    assert [e.tool_id for e in seen if isinstance(e, ToolCall)] == ["call-m", "call-w"]
    streams = [e for e in seen if isinstance(e, AgentStream)]
    assert bool(streams) is streaming
    if streaming:
        assert "".join(e.delta for e in streams) == FINAL
    # Two LLM calls: the tool calls, then the answer from their results.
    assert len(fake.requests) == 2
    assert all(r.get("stream", False) is streaming for r in fake.requests)
    first, second = fake.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["multiply", "get_weather"]
    assert first["parallel_tool_calls"] is True  # FunctionAgent allows parallel calls
    assert [m["role"] for m in second["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
    ]
    assistant, *tools = second["messages"][2:]
    assert [c["id"] for c in assistant["tool_calls"]] == ["call-m", "call-w"]
    assert [(t["tool_call_id"], t["content"]) for t in tools] == [
        ("call-m", "42"),
        ("call-w", "Sunny, 25°C in Beijing"),
    ]


@pytest.mark.parametrize("streaming", [False, True])
def test_function_agent_from_sync_code(streaming: bool) -> None:
    fake = FakeQianfan()
    _script(fake)
    output, seen = asyncio.run(_run(_agent(fake.llm(), streaming)))
    _check_run(fake, output, seen, streaming)


@pytest.mark.parametrize("streaming", [False, True])
async def test_function_agent_async(streaming: bool) -> None:
    fake = FakeQianfan(fragment=2, interleave=True)
    _script(fake)
    output, seen = await _run(_agent(fake.llm(), streaming))
    _check_run(fake, output, seen, streaming)


async def test_function_agent_run_awaited_directly() -> None:
    fake = FakeQianfan()
    _script(fake)
    output = await _agent(fake.llm(), streaming=False).run(user_msg=QUESTION)
    assert str(output) == FINAL


async def test_function_agent_on_the_default_model_explains_why_it_stops() -> None:
    """ERNIE 4.5 calls the tools, but Qianfan refuses it a conversation ending in tool results."""
    fake = FakeQianfan()
    _script(fake)
    agent = _agent(fake.llm("ernie-4.5-turbo-32k"), streaming=False)
    with pytest.raises(InvalidMessagesError, match="cannot continue after tool results"):
        await agent.run(user_msg=QUESTION)
    assert len(fake.requests) == 1  # the tool calls; the second call is refused before sending
