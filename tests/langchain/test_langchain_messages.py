"""LangChain message -> core message conversion (no network)."""

from __future__ import annotations

import json

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
    assert out[0] == {"role": "system", "content": "be brief"}
    assert out[2] == {"role": "assistant", "content": "hello"}


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


def _tool_history() -> list[object]:
    return [
        HumanMessage("what is 2+3 and 4+4?"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "adder", "args": {"a": 2, "b": 3}, "id": "call_1"},
                {"name": "adder", "args": {"a": 4, "b": 4}, "id": "call_2"},
            ],
        ),
        ToolMessage("5", tool_call_id="call_1"),
        ToolMessage("boom", tool_call_id="call_2", name="broken", status="error"),
    ]


def test_v2_tool_calls_and_results_keep_their_shape() -> None:
    out = convert_messages(_tool_history())  # type: ignore[arg-type]
    assert out[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "call_1", "name": "adder", "arguments": '{"a": 2, "b": 3}'},
            {"id": "call_2", "name": "adder", "arguments": '{"a": 4, "b": 4}'},
        ],
    }
    assert json.loads(out[1]["tool_calls"][0]["arguments"]) == {"a": 2, "b": 3}
    # The tool's name comes from the call it answers when the ToolMessage has none.
    assert out[2] == {"role": "tool", "content": "5", "tool_call_id": "call_1", "name": "adder"}
    assert out[3] == {
        "role": "tool",
        "content": "boom",
        "tool_call_id": "call_2",
        "name": "broken",
    }


def test_v2_ai_text_beside_tool_calls_is_kept_and_unicode_is_not_escaped() -> None:
    message = AIMessage(
        "Let me look.",
        tool_calls=[{"name": "weather", "args": {"city": "上海"}, "id": "c1"}],
    )
    [out] = convert_messages([message])
    assert out["content"] == "Let me look."
    assert out["tool_calls"] == [{"id": "c1", "name": "weather", "arguments": '{"city": "上海"}'}]


def test_v2_invalid_tool_calls_go_back_as_sent() -> None:
    message = AIMessage(
        "",
        invalid_tool_calls=[{"name": "f", "args": "{not json", "id": "c9", "error": "bad"}],
    )
    [out] = convert_messages([message])
    assert out["tool_calls"] == [{"id": "c9", "name": "f", "arguments": "{not json"}]


def test_reasoning_is_never_sent_back() -> None:
    message = AIMessage(
        content=[{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "ok"}],
        additional_kwargs={"reasoning_content": "secret thoughts"},
    )
    [out] = convert_messages([message])
    assert out == {"role": "assistant", "content": "ok"}
    assert "secret thoughts" not in json.dumps(out) and "hmm" not in json.dumps(out)


def test_v1_renders_tool_turns_as_text() -> None:
    history = [*_tool_history(), FunctionMessage(name="lookup", content="found it")]
    out = convert_messages(history, api="v1")  # type: ignore[arg-type]
    assert [m["role"] for m in out] == ["user", "assistant", "user", "user", "user"]
    assert "adder" in out[1]["content"] and '"a": 2' in out[1]["content"]
    assert "tool_calls" not in out[1]
    assert "adder" in out[2]["content"] and "5" in out[2]["content"]
    assert "broken" in out[3]["content"] and "failed" in out[3]["content"]
    assert "lookup" in out[4]["content"] and "found it" in out[4]["content"]


def test_function_and_role_tool_chat_messages_become_user_text() -> None:
    out = convert_messages(
        [
            FunctionMessage(name="lookup", content="found it"),
            ChatMessage(role="tool", content="42"),
        ]
    )
    assert out[0]["role"] == "user" and "lookup" in out[0]["content"]
    assert "found it" in out[0]["content"]
    assert out[1]["role"] == "user" and "42" in out[1]["content"]


def test_unknown_chat_message_role() -> None:
    with pytest.raises(InvalidMessagesError, match="narrator"):
        convert_messages([ChatMessage(role="narrator", content="once upon a time")])
