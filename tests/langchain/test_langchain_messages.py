"""LangChain message -> core message conversion (no network)."""

from __future__ import annotations

import pytest
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_wenxin.errors import InvalidMessagesError
from langchain_wenxin.messages import convert_messages
from wenxin_core import errors as core


def test_roles_and_text() -> None:
    out = convert_messages(
        [
            SystemMessage("be brief"),
            HumanMessage("hi"),
            AIMessage("hello"),
            ChatMessage(role="human", content="and you?"),
            ChatMessage(role="assistant", content="fine"),
            ChatMessage(role="system", content="more rules"),
        ]
    )
    assert [m["role"] for m in out] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "system",
    ]
    assert out[0]["content"] == "be brief"


def test_human_name_is_kept() -> None:
    [msg] = convert_messages([HumanMessage("hello", name="example_user")])
    assert msg == {"role": "user", "content": "example_user: hello"}


def test_text_blocks_are_joined() -> None:
    [msg] = convert_messages(
        [HumanMessage(content=[{"type": "text", "text": "a"}, "b", {"type": "text", "text": "c"}])]
    )
    assert msg["content"] == "abc"


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        {"type": "image", "url": "https://example.com/x.png"},
        {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"},
        {"type": "file", "base64": "AAAA", "mime_type": "application/pdf"},
    ],
)
def test_non_text_blocks_are_rejected_by_type(block: dict[str, object]) -> None:
    with pytest.raises(InvalidMessagesError) as info:
        convert_messages([HumanMessage(content=[{"type": "text", "text": "see"}, block])])
    assert repr(block["type"]) in str(info.value)
    assert isinstance(info.value, core.InvalidMessagesError)
    assert isinstance(info.value, ModelInvalidRequestError)
    assert isinstance(info.value, ValueError)


def test_tool_and_function_messages_become_user_text_naming_the_tool() -> None:
    history = [
        HumanMessage("what is 2+3?"),
        AIMessage("", tool_calls=[{"name": "adder", "args": {"a": 2, "b": 3}, "id": "call_1"}]),
        ToolMessage("5", tool_call_id="call_1"),
        FunctionMessage(name="lookup", content="found it"),
        ToolMessage("boom", tool_call_id="call_9", name="broken", status="error"),
    ]
    out = convert_messages(history)
    assert out[1]["role"] == "assistant"
    assert "adder" in out[1]["content"] and '"a": 2' in out[1]["content"]
    assert out[2]["role"] == "user" and "adder" in out[2]["content"] and "5" in out[2]["content"]
    assert out[3]["role"] == "user" and "lookup" in out[3]["content"]
    assert "broken" in out[4]["content"] and "failed" in out[4]["content"]


def test_ai_output_only_blocks_are_skipped() -> None:
    [msg] = convert_messages(
        [
            AIMessage(
                content=[{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "ok"}]
            )
        ]
    )
    assert msg == {"role": "assistant", "content": "ok"}


def test_unknown_chat_message_role() -> None:
    with pytest.raises(InvalidMessagesError, match="narrator"):
        convert_messages([ChatMessage(role="narrator", content="once upon a time")])
