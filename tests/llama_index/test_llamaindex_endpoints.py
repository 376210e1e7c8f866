"""The eight endpoints over HTTP: text, raw, usage, deltas, per-call options."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)

from llama_index_wenxin import Wenxin
from tests.llama_index.li_helpers import WireLog
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


def _counts(data: Any) -> dict[str, int]:
    """The three token counts of a usage mapping or an ``additional_kwargs``."""
    return {k: data[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


async def chat(llm: Wenxin, mode: str, messages: list[ChatMessage]) -> Any:
    """``chat`` or ``achat``, as ``mode`` says."""
    return llm.chat(messages) if mode == "sync" else await llm.achat(messages)


async def complete(llm: Wenxin, mode: str, prompt: str) -> Any:
    """``complete`` or ``acomplete``, as ``mode`` says."""
    return llm.complete(prompt) if mode == "sync" else await llm.acomplete(prompt)


async def stream_chat(llm: Wenxin, mode: str, messages: list[ChatMessage]) -> Any:
    """Every response of ``stream_chat`` or ``astream_chat``, as ``mode`` says."""
    if mode == "sync":
        return list(llm.stream_chat(messages))
    return [r async for r in await llm.astream_chat(messages)]


async def stream_complete(llm: Wenxin, mode: str, prompt: str) -> Any:
    """Every response of ``stream_complete`` or ``astream_complete``, as ``mode`` says."""
    if mode == "sync":
        return list(llm.stream_complete(prompt))
    return [r async for r in await llm.astream_complete(prompt)]


async def test_chat(llm: Wenxin, wire: WireLog, mode: str) -> None:
    response = await chat(llm, mode, USER)
    assert response.message.role == MessageRole.ASSISTANT
    assert "Tell me about pandas" in (response.message.content or "")
    assert isinstance(response.raw, dict)
    assert response.raw["choices"][0]["message"]["content"] == response.message.content
    assert _counts(response.raw["usage"]) == _usage_kwargs(wire)
    assert _counts(response.additional_kwargs) == _usage_kwargs(wire)
    extra = response.additional_kwargs
    assert extra["finish_reason"] == "stop" and extra["flag"] == 0
    assert extra["id"] == response.raw["id"] and extra["model"] == "ernie-4.5-turbo-32k"
    assert extra["request_id"]
    assert extra["rate_limits"]["remaining_requests"] < extra["rate_limits"]["limit_requests"]


async def test_complete(llm: Wenxin, wire: WireLog, emulator: EmulatorServer, mode: str) -> None:
    response = await complete(llm, mode, "Say hi")
    assert "Say hi" in response.text
    assert response.raw is not None and _counts(response.raw["usage"]) == _usage_kwargs(wire)
    assert _counts(response.additional_kwargs) == _usage_kwargs(wire)
    assert response.additional_kwargs["finish_reason"] == "stop"
    assert emulator.requests[-1]["body"]["messages"] == [{"role": "user", "content": "Say hi"}]


@pytest.mark.parametrize("placement", ["separate", "last_chunk"])
async def test_stream_chat(
    llm: Wenxin, wire: WireLog, emulator: EmulatorServer, placement: str, mode: str
) -> None:
    emulator.set_usage_placement(placement)
    responses = await stream_chat(llm, mode, USER)
    assert len(responses) > 1
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].message.content == text
    assert all(
        r.message.content == "".join(x.delta or "" for x in responses[: i + 1])
        for i, r in enumerate(responses)
    )
    assert _counts(responses[-1].raw["usage"]) == _usage_kwargs(wire)
    assert _counts(responses[-1].additional_kwargs) == _usage_kwargs(wire)
    assert responses[-1].additional_kwargs["finish_reason"] == "stop"
    assert all(r.additional_kwargs == {} for r in responses[:-1])
    assert emulator.requests[-1]["body"]["stream_options"] == {"include_usage": True}
    assert (await chat(llm, mode, USER)).message.content == text


async def test_stream_complete(llm: Wenxin, wire: WireLog, mode: str) -> None:
    responses = await stream_complete(llm, mode, "Stream please")
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].text == text and "Stream please" in text
    assert _counts(responses[-1].raw["usage"]) == _usage_kwargs(wire)
    assert _counts(responses[-1].additional_kwargs) == _usage_kwargs(wire)


def test_stream_stopped_early_closes_cleanly(llm: Wenxin) -> None:
    gen = llm.stream_chat(USER)
    first = next(gen)
    assert first.delta
    gen.close()
    assert llm.chat(USER).message.content  # the pool is still usable


@pytest.mark.parametrize("stream", [False, True])
def test_safety_flag_is_surfaced(llm: Wenxin, stream: bool) -> None:
    from wenxin_core.emulator.config import DEFAULT_UNSAFE_TRIGGER

    messages = [ChatMessage(role="user", content=f"say {DEFAULT_UNSAFE_TRIGGER}")]
    response = list(llm.stream_chat(messages))[-1] if stream else llm.chat(messages)
    extra = response.additional_kwargs
    assert (extra["flag"], extra["ban_round"]) == (2, -1)
    assert extra["finish_reason"] == "content_filter"


# -- reasoning models ------------------------------------------------------------------------


def test_reasoning_model_answers_with_a_thinking_block(
    make_llm: Any, wire: WireLog, emulator: EmulatorServer
) -> None:
    llm = make_llm(model="ernie-x1.1")
    response = llm.chat(USER)
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    assert len(thinking) == 1 and thinking[0].content
    raw_message = response.raw["choices"][0]["message"]
    assert thinking[0].content == raw_message["reasoning_content"]
    assert response.message.additional_kwargs["reasoning_content"] == thinking[0].content
    assert response.message.content == raw_message["content"]
    reasoning_tokens = response.raw["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning_tokens > 0
    assert response.additional_kwargs["reasoning_tokens"] == reasoning_tokens
    assert thinking[0].num_tokens == reasoning_tokens
    # The next turn sends the answer back without its reasoning (the service would refuse it).
    llm.chat([*USER, response.message, ChatMessage(role="user", content="And then?")])
    sent = emulator.requests[-1]["body"]["messages"]
    assert sent[1] == {"role": "assistant", "content": raw_message["content"]}
    assert "reasoning_content" not in str(sent)


async def test_reasoning_stream_has_thinking_deltas(make_llm: Any) -> None:
    llm = make_llm(model="ernie-x1.1")
    gen = await llm.astream_chat(USER)
    responses = [r async for r in gen]
    thinking = "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses)
    assert thinking
    last = responses[-1]
    blocks = [b for b in last.message.blocks if isinstance(b, ThinkingBlock)]
    assert blocks[0].content == thinking
    assert last.message.content == "".join(r.delta or "" for r in responses)
    assert last.additional_kwargs["reasoning_tokens"] > 0


def test_reasoning_option_reaches_the_wire(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="deepseek-v3.2", reasoning={"enabled": True, "budget": 200})
    response = llm.chat(USER)
    body = emulator.requests[-1]["body"]
    assert body["thinking"] == {"type": "enabled"} and body["thinking_budget"] == 200
    assert response.message.additional_kwargs["reasoning_content"]
    llm.chat(USER, reasoning=False)
    assert emulator.requests[-1]["body"]["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in llm.chat(USER, reasoning=False).message.additional_kwargs


# -- tool-call history -----------------------------------------------------------------------


def test_tool_call_history_is_sent_in_v2_shape(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="ernie-5.1")  # takes a last tool turn (ERNIE 4.5 wants a user turn)
    call = {
        "id": "04fed17840d34b1e99bf3cd6dc94150d",
        "type": "function",
        "function": {"name": "get_current_weather", "arguments": '{"location": "上海市"}'},
    }
    llm.chat(
        [
            ChatMessage(role="user", content="上海天气如何?"),
            ChatMessage(role="assistant", content=None, additional_kwargs={"tool_calls": [call]}),
            ChatMessage(
                role="tool",
                content='{"weather": "晴"}',
                additional_kwargs={"tool_call_id": call["id"], "name": "get_current_weather"},
            ),
        ]
    )
    assert emulator.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": "上海天气如何?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {
            "role": "tool",
            "tool_call_id": call["id"],
            "name": "get_current_weather",
            "content": '{"weather": "晴"}',
        },
    ]


def test_v1_has_no_tool_calls(llm_v1: Wenxin, emulator: EmulatorServer) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    with pytest.raises(InvalidMessagesError, match="api='v2'"):
        llm_v1.chat(
            [
                *USER,
                ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]}),
                ChatMessage(role="user", content="next"),
            ]
        )
    assert emulator.chat_calls == 0


# -- system prompt on every path -------------------------------------------------------------


def _system(emulator: EmulatorServer) -> str:
    first = emulator.requests[-1]["body"]["messages"][0]
    assert first["role"] == "system"
    content: str = first["content"]
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
    assert _system(emulator) == "SYSTEM-RULES"
    assert str(emulator.requests[-1]["body"]).count("SYSTEM-RULES") == 1


@pytest.mark.parametrize("method", ["achat", "astream_chat", "acomplete", "astream_complete"])
async def test_system_prompt_async(make_llm: Any, emulator: EmulatorServer, method: str) -> None:
    llm = make_llm(system_prompt="SYSTEM-RULES")
    arg: Any = USER if method.endswith("chat") else "question"
    result = await getattr(llm, method)(arg)
    if method.startswith("astream"):
        [r async for r in result]
    assert _system(emulator) == "SYSTEM-RULES"


def test_system_prompt_not_doubled_by_predict(make_llm: Any, emulator: EmulatorServer) -> None:
    from llama_index.core.prompts import PromptTemplate

    llm = make_llm(system_prompt="SYSTEM-RULES")
    llm.predict(PromptTemplate("Topic: {topic}"), topic="cats")
    assert _system(emulator) == "SYSTEM-RULES"
    assert emulator.requests[-1]["body"]["messages"][1:] == [
        {"role": "user", "content": "Topic: cats"}
    ]


def test_v1_ernie_gets_system_field(make_llm_v1: Any, emulator: EmulatorServer) -> None:
    llm = make_llm_v1(model="ERNIE-3.5-8K", system_prompt="SYSTEM-RULES")
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
        {"role": "system", "content": "dev"},
        {"role": "user", "content": "u1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "tool output"},  # no tool_call_id: a user turn
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
        temperature=0.2,
        top_p=0.5,
        penalty_score=1.3,
        stop=["###"],
        user_id="u-1",
        seed=7,
        frequency_penalty=0.1,
        presence_penalty=0.2,
        max_tokens=100,
    )
    llm.complete("x")
    body = emulator.requests[-1]["body"]
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.5
    assert body["penalty_score"] == 1.3
    assert body["stop"] == ["###"]
    assert body["user"] == "u-1"
    assert body["seed"] == 7
    assert body["frequency_penalty"] == 0.1
    assert body["presence_penalty"] == 0.2
    assert body["max_tokens"] == 100


@pytest.mark.parametrize("method", ["chat", "complete", "stream_chat", "stream_complete"])
def test_per_call_options_reach_the_body(
    make_llm: Any, emulator: EmulatorServer, method: str
) -> None:
    llm = make_llm(temperature=0.2, seed=3)
    arg: Any = USER if method.endswith("chat") else "x"
    result = getattr(llm, method)(
        arg, temperature=0.9, top_p=0.1, penalty_score=1.5, stop=["!!"], user_id="u-2"
    )
    if method.startswith("stream"):
        list(result)
    body = emulator.requests[-1]["body"]
    assert body["temperature"] == 0.9
    assert body["seed"] == 3  # the model's default still applies
    assert body["top_p"] == 0.1
    assert body["penalty_score"] == 1.5
    assert body["stop"] == ["!!"]
    assert body["user"] == "u-2"
    assert body.get("stream", False) is method.startswith("stream")


async def test_per_call_options_async(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm()
    await llm.achat(USER, temperature=0.4, seed=7)
    assert emulator.requests[-1]["body"]["temperature"] == 0.4
    assert emulator.requests[-1]["body"]["seed"] == 7
    gen = await llm.astream_complete("x", temperature=0.6)
    [r async for r in gen]
    assert emulator.requests[-1]["body"]["temperature"] == 0.6


def test_extra_fields_and_max_tokens_alias(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(additional_kwargs={"web_search": {"enable": False}})
    llm.chat(USER, max_new_tokens=64, metadata={"trace": "t-1"})
    body = emulator.requests[-1]["body"]
    assert body["web_search"] == {"enable": False}
    assert body["metadata"] == {"trace": "t-1"}
    assert body["max_tokens"] == 64


def test_unaccepted_option_is_an_error_not_dropped(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="llama-2-13b-chat")  # a redeployed service: no frequency_penalty
    with pytest.raises(UnsupportedParameterError, match="frequency_penalty"):
        llm.chat(USER, frequency_penalty=0.5)
    with pytest.raises(WenxinValidationError, match="top_k"):
        llm.complete("x", top_k=10)  # a V1 option
    with pytest.raises(WenxinValidationError, match="stream"):
        llm.chat(USER, stream=True)
    assert emulator.chat_calls == 0


def test_v1_options_reach_the_v1_body(make_llm_v1: Any, emulator: EmulatorServer) -> None:
    llm = make_llm_v1(temperature=0.2, top_k=3, user_id="u-1")
    llm.complete("x", penalty_score=1.3)
    body = emulator.requests[-1]["body"]
    assert (body["temperature"], body["top_k"], body["user_id"]) == (0.2, 3, "u-1")
    assert body["penalty_score"] == 1.3
    assert emulator.requests[-1]["api"] == "v1"
    with pytest.raises(UnsupportedParameterError, match="max_output_tokens"):
        llm.complete("x", max_tokens=10)  # Llama-2 on V1 does not take it


def test_v1_stream_and_usage(llm_v1: Wenxin, wire: WireLog) -> None:
    responses = list(llm_v1.stream_chat(USER))
    text = "".join(r.delta or "" for r in responses)
    assert responses[-1].message.content == text and "Tell me about pandas" in text
    assert _counts(responses[-1].additional_kwargs) == _usage_kwargs(wire)
    assert all(r.additional_kwargs == {} for r in responses[:-1])


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
