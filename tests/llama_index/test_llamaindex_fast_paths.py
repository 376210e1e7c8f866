"""The per-call fast paths give what the general paths give: messages built without
validation, options without the merge, the core clients read from pydantic's private storage,
and ``achat`` (which inlines ``_achat``) answering as ``acomplete`` and ``chat`` do."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMChatStartEvent

from llama_index_wenxin import Wenxin
from llama_index_wenxin._ids import new_id
from llama_index_wenxin.chat_events import chat_end_event, chat_start_event
from llama_index_wenxin.options import default_options, request_options
from llama_index_wenxin.responses import assistant_message, openai_tool_call
from llama_index_wenxin.streaming import StreamState
from wenxin_core.types import ChatChunk, ToolCall, ToolCallDelta, Usage


def _validated(message: ChatMessage) -> ChatMessage:
    """The same message built through ``ChatMessage``'s validating constructor."""
    return ChatMessage(
        role=message.role,
        blocks=list(message.blocks),
        additional_kwargs=dict(message.additional_kwargs),
    )


@pytest.mark.parametrize(
    ("text", "reasoning", "calls"),
    [
        ("Hello", None, None),
        ("", "6*7 first", [ToolCall(id="c1", name="multiply", arguments='{"a": 6}')]),
        ("both", "why", [ToolCall(id="c1", name="f"), ToolCall(id="c2", name="g")]),
    ],
)
def test_assistant_message_is_the_validated_message(
    text: str, reasoning: str | None, calls: list[ToolCall] | None
) -> None:
    message = assistant_message(text, reasoning, calls, reasoning_tokens=3)
    expected = _validated(message)
    assert message == expected
    assert message.model_fields_set == expected.model_fields_set
    assert list(vars(message)) == list(vars(expected))
    assert message.model_dump_json() == expected.model_dump_json()
    assert ChatMessage.model_validate(message.model_dump()) == message
    kinds = [type(block) for block in message.blocks]
    assert kinds == [ThinkingBlock] * bool(reasoning) + [TextBlock] + [ToolCallBlock] * len(
        calls or ()
    )
    assert message.content == text
    assert message.additional_kwargs.get("tool_calls") == (
        [openai_tool_call(c.id, c.name, c.arguments) for c in calls] if calls else None
    )


def test_stream_messages_are_validated_messages_and_fresh_per_chunk() -> None:
    state = StreamState()
    first = state.response(
        ChatChunk(text="He", tool_calls=[ToolCallDelta(index=0, id="c1", name="f")])
    )
    last = state.response(
        ChatChunk(
            text="llo",
            tool_calls=[ToolCallDelta(index=0, arguments="{}")],
            is_final=True,
            usage=Usage(1, 2, 3),
        )
    )
    for response in (first, last):
        assert response.message == _validated(response.message)
    assert first.message.content == "He" and last.message.content == "Hello"
    assert first.message.blocks is not last.message.blocks


def test_options_without_keywords_are_the_merged_options(make_llm: Any) -> None:
    llm = make_llm(temperature=0.5, max_tokens=64, stop=["\n"])
    defaults = default_options({"temperature": 0.5, "max_tokens": 64, "stop": ["\n"]})
    assert llm._options({}) == request_options(defaults, {}, {}) == defaults
    first = llm._options({})
    first["temperature"] = 0.9  # each call gets its own dict
    assert llm._options({})["temperature"] == 0.5
    llm.temperature = 0.7  # a field set after construction is read on the next call
    assert llm._options({})["temperature"] == 0.7
    assert llm._options({"top_p": 0.5, "foo": 1}) == {
        **defaults,
        "temperature": 0.7,
        "top_p": 0.5,
        "extra_body": {"foo": 1},
    }


def test_options_with_model_body_fields_keep_the_merge(make_llm: Any) -> None:
    llm = make_llm(additional_kwargs={"foo": 1})
    assert llm._options({}) == {"extra_body": {"foo": 1}}
    llm._options({})["extra_body"]["foo"] = 2
    assert llm.additional_kwargs == {"foo": 1}


def test_client_pair_is_the_private_attribute(make_llm: Any) -> None:
    llm = make_llm()
    assert llm._client_pair() is llm._clients
    unbuilt = Wenxin.model_construct()
    with pytest.raises(AttributeError):
        unbuilt._client_pair()


async def test_achat_answers_as_acomplete_and_chat(make_llm: Any) -> None:
    llm = make_llm()
    question = [ChatMessage(role=MessageRole.USER, content="Say hi")]
    chat = llm.chat(question)
    achat = await llm.achat(question)
    acomplete = await llm.acomplete("Say hi")
    assert achat.message == chat.message
    assert acomplete.text == achat.message.content
    strip = {"id", "request_id", "rate_limits"}  # per answer
    assert {k: v for k, v in achat.additional_kwargs.items() if k not in strip} == {
        k: v for k, v in chat.additional_kwargs.items() if k not in strip
    }
    assert achat.raw is not None and achat.raw.keys() == chat.raw.keys()


def test_new_id_is_the_text_of_a_random_uuid4() -> None:
    ids = [new_id() for _ in range(600)]  # more than one read of random bytes
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_new_id_in_a_forked_child_is_not_the_parents() -> None:
    new_id()  # bytes read ahead in the parent
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != new_id() and uuid.UUID(child).version == 4


@pytest.mark.parametrize("kwargs", [{}, {"top_p": 0.5}])
def test_chat_events_built_without_validation_are_the_validated_ones(
    kwargs: dict[str, Any],
) -> None:
    messages = [ChatMessage(role=MessageRole.USER, content="hi")]
    model_dict = {"class_name": "Wenxin_LLM", "model": "m"}
    response = ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content="yo"))
    built: list[LLMChatStartEvent | LLMChatEndEvent] = [
        chat_start_event(model_dict, messages, kwargs, "span-1"),
        chat_end_event(messages, response, "span-1"),
    ]
    validated: list[LLMChatStartEvent | LLMChatEndEvent] = [
        LLMChatStartEvent(
            model_dict=model_dict, messages=messages, additional_kwargs=kwargs, span_id="span-1"
        ),
        LLMChatEndEvent(messages=messages, response=response, span_id="span-1"),
    ]
    for event, expected in zip(built, validated, strict=True):
        assert type(event) is type(expected)
        assert list(vars(event)) == list(vars(expected))
        assert event.model_fields_set == expected.model_fields_set
        skip = {"timestamp", "id_"}
        assert event.model_dump(exclude=skip) == expected.model_dump(exclude=skip)
        assert event.model_dump_json(exclude=skip) == expected.model_dump_json(exclude=skip)
        assert type(event.timestamp) is type(expected.timestamp)
        assert uuid.UUID(event.id_).version == 4
        assert event.messages == messages and event.messages is not messages
        assert event.messages[0] is messages[0]
        assert (event.__pydantic_extra__, event.__pydantic_private__) == (None, None)
        assert event.tags == {} and event.tags is not expected.tags
    start = built[0]
    assert isinstance(start, LLMChatStartEvent)
    assert start.additional_kwargs is not kwargs and start.model_dict is not model_dict
    assert isinstance(built[1], LLMChatEndEvent) and built[1].response is response


def test_chat_events_validate_what_is_not_a_list_of_messages() -> None:
    messages = ({"role": "user", "content": "hi"},)
    event = chat_start_event({}, messages, {}, None)  # type: ignore[arg-type]
    assert isinstance(event.messages, list) and isinstance(event.messages[0], ChatMessage)
