"""The eight endpoints over HTTP: text, raw, usage, deltas, per-call options."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from li_helpers import WireLog
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, MessageRole, TextBlock

from llama_index_wenxin import Wenxin
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    InvalidMessagesError,
    UnsupportedParameterError,
    WenxinValidationError,
)

USER = [ChatMessage(role=MessageRole.USER, content="Tell me about pandas")]


def _usage_kwargs(wire: WireLog, index: int = -1) -> dict[str, int]:
    prompt, completion = wire.usages()[index]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def test_chat(llm: Wenxin, wire: WireLog) -> None:
    response = llm.chat(USER)
    assert response.message.role == MessageRole.ASSISTANT
    assert "Tell me about pandas" in (response.message.content or "")
    assert isinstance(response.raw, dict)
    assert response.raw["result"] == response.message.content
    assert response.raw["usage"] == _usage_kwargs(wire)
    assert response.additional_kwargs == _usage_kwargs(wire)


def test_complete(llm: Wenxin, wire: WireLog, emulator: EmulatorServer) -> None:
    response = llm.complete("Say hi")
    assert "Say hi" in response.text
    assert response.raw is not None and response.raw["usage"] == _usage_kwargs(wire)
    assert response.additional_kwargs == _usage_kwargs(wire)
    assert emulator.requests[-1]["body"]["messages"] == [{"role": "user", "content": "Say hi"}]


def test_stream_chat(llm: Wenxin, wire: WireLog) -> None:
    responses = list(llm.stream_chat(USER))
    assert len(responses) > 1
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].message.content == text
    assert all(
        r.message.content == "".join(x.delta or "" for x in responses[: i + 1])
        for i, r in enumerate(responses)
    )
    assert responses[-1].raw["usage"] == _usage_kwargs(wire)
    assert responses[-1].additional_kwargs == _usage_kwargs(wire)
    assert all(r.additional_kwargs == {} for r in responses[:-1])
    assert llm.chat(USER).message.content == text


def test_stream_complete(llm: Wenxin, wire: WireLog) -> None:
    responses = list(llm.stream_complete("Stream please"))
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].text == text and "Stream please" in text
    assert responses[-1].raw["usage"] == _usage_kwargs(wire)
    assert responses[-1].additional_kwargs == _usage_kwargs(wire)


async def test_achat(llm: Wenxin, wire: WireLog) -> None:
    response = await llm.achat(USER)
    assert "Tell me about pandas" in (response.message.content or "")
    assert response.additional_kwargs == _usage_kwargs(wire)


async def test_acomplete(llm: Wenxin, wire: WireLog) -> None:
    response = await llm.acomplete("Async hi")
    assert "Async hi" in response.text
    assert response.raw["usage"] == _usage_kwargs(wire)


async def test_astream_chat(llm: Wenxin, wire: WireLog) -> None:
    gen = await llm.astream_chat(USER)
    responses = [r async for r in gen]
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].message.content == text
    assert responses[-1].raw["usage"] == _usage_kwargs(wire)
    assert responses[-1].additional_kwargs == _usage_kwargs(wire)


async def test_astream_complete(llm: Wenxin, wire: WireLog) -> None:
    gen = await llm.astream_complete("Async stream")
    responses = [r async for r in gen]
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].text == text and "Async stream" in text
    assert responses[-1].additional_kwargs == _usage_kwargs(wire)


def test_stream_stopped_early_closes_cleanly(llm: Wenxin) -> None:
    gen = llm.stream_chat(USER)
    first = next(gen)
    assert first.delta
    gen.close()
    assert llm.chat(USER).message.content  # the pool is still usable


def test_need_clear_history_is_surfaced(llm: Wenxin) -> None:
    from wenxin_core.emulator.config import DEFAULT_UNSAFE_TRIGGER

    response = llm.chat([ChatMessage(role="user", content=f"say {DEFAULT_UNSAFE_TRIGGER}")])
    assert response.raw["need_clear_history"] is True
    assert "ban_round" in response.raw


# -- system prompt on every path -------------------------------------------------------------


def _first_user(emulator: EmulatorServer) -> str:
    content: str = emulator.requests[-1]["body"]["messages"][0]["content"]
    return content


@pytest.mark.parametrize("method", ["chat", "stream_chat", "complete", "stream_complete"])
def test_system_prompt_sync(make_llm: Any, emulator: EmulatorServer, method: str) -> None:
    llm = make_llm(system_prompt="SYSTEM-RULES")
    if method.endswith("chat"):
        result = getattr(llm, method)(USER)
    else:
        result = getattr(llm, method)("question")
    if method.startswith("stream"):
        list(result)
    assert _first_user(emulator).startswith("SYSTEM-RULES\n\n")
    assert _first_user(emulator).count("SYSTEM-RULES") == 1


@pytest.mark.parametrize("method", ["achat", "astream_chat", "acomplete", "astream_complete"])
async def test_system_prompt_async(make_llm: Any, emulator: EmulatorServer, method: str) -> None:
    llm = make_llm(system_prompt="SYSTEM-RULES")
    arg: Any = USER if method.endswith("chat") else "question"
    result = await getattr(llm, method)(arg)
    if method.startswith("astream"):
        [r async for r in result]
    assert _first_user(emulator).startswith("SYSTEM-RULES\n\n")


def test_system_prompt_not_doubled_by_predict(make_llm: Any, emulator: EmulatorServer) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = make_llm(system_prompt="SYSTEM-RULES")
    llm.predict(PromptTemplate("Topic: {topic}"), topic="cats")
    assert _first_user(emulator) == "SYSTEM-RULES\n\nTopic: cats"


def test_ernie_gets_system_field(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="ERNIE-3.5-8K", system_prompt="SYSTEM-RULES")
    llm.chat([ChatMessage(role="system", content="more rules"), *USER])
    body = emulator.requests[-1]["body"]
    assert body["system"] == "SYSTEM-RULES\n\nmore rules"
    assert body["messages"] == [{"role": "user", "content": "Tell me about pandas"}]


def test_other_roles(llm: Wenxin, emulator: EmulatorServer) -> None:
    llm.chat(
        [
            ChatMessage(role=MessageRole.DEVELOPER, content="dev"),
            ChatMessage(role=MessageRole.USER, content="u1"),
            ChatMessage(role=MessageRole.CHATBOT, content="a1"),
            ChatMessage(role=MessageRole.TOOL, content="tool output"),
            ChatMessage(role=MessageRole.MODEL, content="a2"),
            ChatMessage(role=MessageRole.FUNCTION, content="fn output"),
            ChatMessage(role=MessageRole.USER, content="u2"),
        ]
    )
    assert emulator.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": "dev\n\nu1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "tool output"},
        {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "fn output\n\nu2"},
    ]


def test_text_blocks_joined_and_images_refused(llm: Wenxin, emulator: EmulatorServer) -> None:
    llm.chat([ChatMessage(role="user", blocks=[TextBlock(text="a"), TextBlock(text="b")])])
    assert emulator.requests[-1]["body"]["messages"][0]["content"] == "a\nb"
    image = ImageBlock(url="http://127.0.0.1/x.png")
    with pytest.raises(InvalidMessagesError, match="text only"):
        llm.chat([ChatMessage(role="user", blocks=[TextBlock(text="a"), image])])


def test_history_ending_with_assistant_is_refused(llm: Wenxin, emulator: EmulatorServer) -> None:
    with pytest.raises(InvalidMessagesError):
        llm.chat([*USER, ChatMessage(role="assistant", content="done")])
    assert emulator.chat_calls == 0


# -- options ---------------------------------------------------------------------------------


def test_constructor_options_reach_the_body(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(
        temperature=0.2, top_p=0.5, top_k=3, penalty_score=1.3, stop=["###"], user_id="u-1"
    )
    llm.complete("x")
    body = emulator.requests[-1]["body"]
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.5
    assert body["top_k"] == 3
    assert body["penalty_score"] == 1.3
    assert body["stop"] == ["###"]
    assert body["user_id"] == "u-1"


@pytest.mark.parametrize("method", ["chat", "complete", "stream_chat", "stream_complete"])
def test_per_call_options_reach_the_body(
    make_llm: Any, emulator: EmulatorServer, method: str
) -> None:
    llm = make_llm(temperature=0.2, top_k=3)
    arg: Any = USER if method.endswith("chat") else "x"
    result = getattr(llm, method)(
        arg, temperature=0.9, top_p=0.1, penalty_score=1.5, stop=["!!"], user_id="u-2"
    )
    if method.startswith("stream"):
        list(result)
    body = emulator.requests[-1]["body"]
    assert body["temperature"] == 0.9
    assert body["top_k"] == 3  # the model's default still applies
    assert body["top_p"] == 0.1
    assert body["penalty_score"] == 1.5
    assert body["stop"] == ["!!"]
    assert body["user_id"] == "u-2"
    assert body.get("stream", False) is method.startswith("stream")


async def test_per_call_options_async(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm()
    await llm.achat(USER, temperature=0.4, top_k=7)
    assert emulator.requests[-1]["body"]["temperature"] == 0.4
    assert emulator.requests[-1]["body"]["top_k"] == 7
    gen = await llm.astream_complete("x", temperature=0.6)
    [r async for r in gen]
    assert emulator.requests[-1]["body"]["temperature"] == 0.6


def test_ernie_fields_and_max_tokens_alias(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="ERNIE-3.5-8K", additional_kwargs={"disable_search": True})
    llm.chat(USER, max_tokens=64, enable_citation=False)
    body = emulator.requests[-1]["body"]
    assert body["disable_search"] is True
    assert body["enable_citation"] is False
    assert body["max_output_tokens"] == 64


def test_unknown_kwarg_is_an_error_not_dropped(llm: Wenxin, emulator: EmulatorServer) -> None:
    with pytest.raises(UnsupportedParameterError, match="frequency_penalty"):
        llm.chat(USER, frequency_penalty=0.5)
    with pytest.raises(UnsupportedParameterError, match="max_output_tokens"):
        llm.complete("x", max_output_tokens=10)  # Llama-2 does not take it
    with pytest.raises(WenxinValidationError, match="stream"):
        llm.chat(USER, stream=True)
    assert emulator.chat_calls == 0


def test_invalid_values_fail_before_sending(llm: Wenxin, emulator: EmulatorServer) -> None:
    with pytest.raises(WenxinValidationError, match="temperature"):
        llm.chat(USER, temperature=0)
    with pytest.raises(WenxinValidationError, match="stop"):
        list(llm.stream_chat(USER, stop=["a", "b", "c", "d", "e"]))
    assert emulator.chat_calls == 0


def test_stop_cuts_the_reply(llm: Wenxin) -> None:
    full = llm.complete("hello").text
    cut = llm.complete("hello", stop=["emulator"]).text
    assert len(cut) < len(full)


def test_concurrent_async_calls(llm: Wenxin, wire: WireLog) -> None:
    async def main() -> list[str]:
        results = await asyncio.gather(*(llm.acomplete(f"q{i}") for i in range(8)))
        return [r.text for r in results]

    texts = asyncio.run(main())
    assert all(f"q{i}" in t for i, t in enumerate(texts))
    assert len(wire.usages()) == 8
