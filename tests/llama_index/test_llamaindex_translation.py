"""Unit tests of the translation layer, no HTTP: messages, replies, stream state, metadata,
options and construction-time checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    CacheControl,
    CachePoint,
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS

from llama_index_wenxin.config import resolve_spec
from llama_index_wenxin.credentials import CREDENTIAL_FIELDS, env_credentials, env_name
from llama_index_wenxin.messages import to_wire_messages, tool_calls_of
from llama_index_wenxin.metadata import context_window_for, default_num_output
from llama_index_wenxin.options import default_options, request_options
from llama_index_wenxin.responses import (
    chat_response,
    to_completion_response,
    usage_dict,
    usage_kwargs,
)
from llama_index_wenxin.streaming import StreamState
from wenxin_core.auth import ENV_VARS
from wenxin_core.catalog import resolve_model
from wenxin_core.errors import (
    InvalidMessagesError,
    WenxinValidationError,
)
from wenxin_core.types import (
    ChatChunk,
    ChatCompletion,
    RateLimits,
    ToolCall,
    ToolCallDelta,
    Usage,
)

CALL = {
    "id": "call-1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "上海"}'},
}


def user(text: str) -> ChatMessage:
    return ChatMessage(role=MessageRole.USER, content=text)


# -- messages --------------------------------------------------------------------------------


def test_roles_map_to_neutral_roles() -> None:
    wire = to_wire_messages(
        [
            ChatMessage(role=MessageRole.SYSTEM, content="S"),
            ChatMessage(role=MessageRole.DEVELOPER, content="D"),
            user("U"),
            ChatMessage(role=MessageRole.CHATBOT, content="C"),
            ChatMessage(role=MessageRole.MODEL, content="M"),
        ]
    )
    assert [m["role"] for m in wire] == ["system", "system", "user", "assistant", "assistant"]
    assert [m["content"] for m in wire] == ["S", "D", "U", "C", "M"]


def test_openai_style_tool_history_becomes_neutral_tool_calls() -> None:
    assistant = ChatMessage(
        role=MessageRole.ASSISTANT, content=None, additional_kwargs={"tool_calls": [CALL]}
    )
    tool = ChatMessage(
        role=MessageRole.TOOL,
        content="晴, 25°C",
        additional_kwargs={"tool_call_id": "call-1", "name": "get_weather"},
    )
    wire = to_wire_messages([user("天气?"), assistant, tool])
    assert wire[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "call-1", "name": "get_weather", "arguments": '{"city": "上海"}'}],
    }
    assert wire[2] == {
        "role": "tool",
        "content": "晴, 25°C",
        "tool_call_id": "call-1",
        "name": "get_weather",
    }


class _Function:
    name = "lookup"
    arguments = '{"q": 1}'


class _SdkToolCall:
    """The shape of the ``openai`` SDK's ChatCompletionMessageToolCall (attributes)."""

    id = "call-sdk"
    type = "function"
    function = _Function()


def test_sdk_objects_and_neutral_dicts_are_accepted() -> None:
    message = ChatMessage(
        role=MessageRole.ASSISTANT,
        content="",
        additional_kwargs={
            "tool_calls": [_SdkToolCall(), {"id": "c2", "name": "n2", "arguments": {"a": [1]}}]
        },
    )
    assert tool_calls_of(message) == [
        {"id": "call-sdk", "name": "lookup", "arguments": '{"q": 1}'},
        {"id": "c2", "name": "n2", "arguments": '{"a": [1]}'},
    ]


def test_tool_call_blocks_win_and_are_sent_once() -> None:
    message = ChatMessage(
        role=MessageRole.ASSISTANT,
        blocks=[
            ThinkingBlock(content="let me think"),
            TextBlock(text="Checking."),
            ToolCallBlock(tool_call_id="call-1", tool_name="get_weather", tool_kwargs={"c": "x"}),
        ],
        additional_kwargs={"tool_calls": [CALL], "reasoning_content": "let me think"},
    )
    (wire,) = to_wire_messages([message])
    assert wire == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [{"id": "call-1", "name": "get_weather", "arguments": '{"c": "x"}'}],
    }
    assert "reasoning_content" not in json.dumps(wire)


def test_a_tool_call_without_id_is_an_error_not_dropped() -> None:
    message = ChatMessage(
        role=MessageRole.ASSISTANT,
        content="",
        additional_kwargs={"tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]},
    )
    with pytest.raises(InvalidMessagesError, match="id"):
        to_wire_messages([message])


def test_tool_output_without_call_id_or_on_v1_is_a_user_turn() -> None:
    tool = ChatMessage(role=MessageRole.TOOL, content="42")
    assert to_wire_messages([tool]) == [{"role": "user", "content": "42"}]
    with_id = ChatMessage(
        role=MessageRole.TOOL, content="42", additional_kwargs={"tool_call_id": "c"}
    )
    assert to_wire_messages([with_id], tools=False) == [{"role": "user", "content": "42"}]


def test_v1_refuses_assistant_tool_calls() -> None:
    assistant = ChatMessage(
        role=MessageRole.ASSISTANT, content="", additional_kwargs={"tool_calls": [CALL]}
    )
    with pytest.raises(InvalidMessagesError, match="api='v2'"):
        to_wire_messages([user("x"), assistant], tools=False)


def test_thinking_and_cache_blocks_are_not_sent_other_blocks_fail() -> None:
    message = ChatMessage(
        role=MessageRole.ASSISTANT,
        blocks=[
            ThinkingBlock(content="secret thoughts"),
            CachePoint(cache_control=CacheControl(type="ephemeral")),
            TextBlock(text="Answer"),
        ],
    )
    assert to_wire_messages([message]) == [{"role": "assistant", "content": "Answer"}]
    image = ChatMessage(role=MessageRole.USER, blocks=[ImageBlock(url="https://x/y.png")])
    with pytest.raises(InvalidMessagesError, match="text only"):
        to_wire_messages([image])


def test_system_prompt_is_added_once() -> None:
    assert to_wire_messages([user("u")], "Be brief") == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "u"},
    ]
    sys = ChatMessage(role=MessageRole.SYSTEM, content="Be brief")
    assert len(to_wire_messages([sys, user("u")], "Be brief")) == 2


# -- replies ---------------------------------------------------------------------------------


def _usage() -> Usage:
    return Usage(
        prompt_tokens=12,
        completion_tokens=30,
        total_tokens=42,
        cached_tokens=2,
        reasoning_tokens=10,
    )


def test_completion_reply_carries_reasoning_tool_calls_and_metadata() -> None:
    completion = ChatCompletion(
        text="",
        reasoning="First, the city.",
        tool_calls=[ToolCall(id="call-1", name="get_weather", arguments='{"city": "上海"}')],
        finish_reason="tool_calls",
        flag=1,
        ban_round=-1,
        usage=_usage(),
        id="as-1",
        model="ernie-x1.1",
        request_id="req-1",
        rate_limits=RateLimits(limit_requests=100, remaining_requests=99),
        raw={"id": "as-1", "choices": []},
    )
    response = chat_response(completion)
    message = response.message
    assert message.role == MessageRole.ASSISTANT
    thinking = [b for b in message.blocks if isinstance(b, ThinkingBlock)]
    assert [(b.content, b.num_tokens) for b in thinking] == [("First, the city.", 10)]
    assert message.content == ""
    assert message.additional_kwargs["reasoning_content"] == "First, the city."
    assert message.additional_kwargs["tool_calls"] == [CALL | {"function": CALL["function"]}]
    calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    assert [(c.tool_call_id, c.tool_name) for c in calls] == [("call-1", "get_weather")]
    assert response.raw == {"id": "as-1", "choices": []}
    assert response.additional_kwargs == {
        "finish_reason": "tool_calls",
        "flag": 1,
        "ban_round": -1,
        "id": "as-1",
        "model": "ernie-x1.1",
        "request_id": "req-1",
        "prompt_tokens": 12,
        "completion_tokens": 30,
        "total_tokens": 42,
        "cached_tokens": 2,
        "reasoning_tokens": 10,
        "rate_limits": {"limit_requests": 100, "remaining_requests": 99},
    }
    # The reply goes back into the next request as neutral tool calls, reasoning left out.
    (wire,) = to_wire_messages([message])
    assert wire["tool_calls"] == [
        {"id": "call-1", "name": "get_weather", "arguments": '{"city": "上海"}'}
    ]
    assert "First, the city." not in json.dumps(wire, ensure_ascii=False)


def test_plain_reply_has_one_text_block_and_survives_serialisation() -> None:
    response = chat_response(ChatCompletion(text="Hello", usage=Usage(1, 2, 3)))
    assert [type(b) for b in response.message.blocks] == [TextBlock]
    assert response.message.content == "Hello"
    assert response.message.additional_kwargs == {}
    assert usage_kwargs(Usage(1, 2, 3)) == {
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "total_tokens": 3,
    }
    dumped = response.message.model_dump()
    assert ChatMessage.model_validate(dumped).content == "Hello"
    completion = to_completion_response(response)
    assert completion.text == "Hello" and completion.additional_kwargs["total_tokens"] == 3


def test_completion_response_holds_the_message_extras() -> None:
    response = chat_response(ChatCompletion(text="42", reasoning="6*7"))
    completion = to_completion_response(response)
    assert completion.text == "42"
    assert completion.additional_kwargs["reasoning_content"] == "6*7"


def test_usage_dict_is_openai_shaped() -> None:
    assert usage_dict(_usage()) == {
        "prompt_tokens": 12,
        "completion_tokens": 30,
        "total_tokens": 42,
        "prompt_tokens_details": {"cached_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 10},
    }
    assert "prompt_tokens_details" not in usage_dict(Usage(1, 1, 2))


# -- stream state ----------------------------------------------------------------------------


def test_stream_accumulates_text_reasoning_and_tool_calls_usage_once() -> None:
    chunks = [
        ChatChunk(reasoning="Think ", raw={"n": 0}),
        ChatChunk(reasoning="more.", raw={"n": 1}),
        ChatChunk(text="Hel", raw={"n": 2}),
        ChatChunk(
            text="lo",
            tool_calls=[ToolCallDelta(index=0, id="c1", name="f", arguments='{"a"')],
            flag=1,
            ban_round=-1,
            raw={"n": 3},
        ),
        ChatChunk(tool_calls=[ToolCallDelta(index=0, arguments=": 1}")], raw={"n": 4}),
        ChatChunk(
            finish_reason="tool_calls",
            usage=_usage(),
            is_final=True,
            id="as-9",
            model="ernie-x1.1",
            raw={"n": 5, "usage": None},
        ),
    ]
    state = StreamState()
    responses = [state.response(c) for c in chunks]
    assert [r.delta for r in responses] == ["", "", "Hel", "lo", "", ""]
    assert responses[0].additional_kwargs == {"thinking_delta": "Think "}
    assert responses[2].additional_kwargs == {}
    assert responses[3].additional_kwargs == {"flag": 1, "ban_round": -1}
    assert responses[1].message.additional_kwargs["reasoning_content"] == "Think more."
    last = responses[-1]
    assert last.message.content == "Hello"
    assert last.message.additional_kwargs["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    ]
    thinking = [b for b in last.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking[0].content == "Think more." and thinking[0].num_tokens == 10
    assert last.additional_kwargs["finish_reason"] == "tool_calls"
    assert last.additional_kwargs["total_tokens"] == 42
    assert last.additional_kwargs["reasoning_tokens"] == 10
    assert isinstance(last.raw, dict)
    assert last.raw["usage"]["total_tokens"] == 42 and last.raw["n"] == 5
    assert chunks[-1].raw["usage"] is None  # the chunk's own raw is left alone
    assert sum("total_tokens" in r.additional_kwargs for r in responses) == 1


def test_stream_without_usage_has_no_token_counts() -> None:
    state = StreamState()
    state.response(ChatChunk(text="a"))
    last = state.response(ChatChunk(is_final=True, finish_reason="stop"))
    assert "total_tokens" not in last.additional_kwargs
    assert last.message.content == "a"


# -- metadata --------------------------------------------------------------------------------


def test_v2_metadata_from_the_catalog() -> None:
    spec = resolve_model("ernie-4.5-turbo-32k", api="v2")
    num_output = default_num_output(spec)
    assert num_output == 2048
    assert context_window_for(spec, num_output) == 32768
    x1 = resolve_model("ernie-x1.1", api="v2")  # 64k window, 64k output: keep prompt room
    assert default_num_output(x1) <= 65536 // 4
    dolly = resolve_model("dolly-12b", api="v2")
    assert default_num_output(dolly) == 2048 // 4
    assert default_num_output(spec, 300) == 300


def test_unknown_v2_id_gets_llama_index_defaults_unless_overridden() -> None:
    spec = resolve_spec("my-service-v3", None, "v2", None)
    assert spec.known is False and spec.tools is False
    assert context_window_for(spec, default_num_output(spec)) == DEFAULT_CONTEXT_WINDOW
    assert default_num_output(spec) == DEFAULT_NUM_OUTPUTS
    bigger = resolve_spec("my-service-v3", None, "v2", {"context_window": 8192, "tools": True})
    assert context_window_for(bigger, 1) == 8192 and bigger.tools is True


def test_v1_metadata_keeps_the_character_budget() -> None:
    spec = resolve_model("Llama-2-13b-chat", api="v1")
    assert default_num_output(spec) == 256
    assert context_window_for(spec, 256) == 4800 // 5 + 256


# -- options and checks ----------------------------------------------------------------------


def test_default_options_use_the_core_names() -> None:
    assert default_options({"max_tokens": 100, "temperature": None, "reasoning": True}) == {
        "max_output_tokens": 100,
        "reasoning": True,
    }


def test_request_options_merge_and_route_unknown_keys_to_extra_body() -> None:
    options = request_options(
        {"temperature": 0.5},
        {"web_search": {"enable": True}, "custom": 1},
        {"temperature": 0.9, "max_tokens": 64, "other": "x", "tools": [], "seed": None},
    )
    assert options == {
        "temperature": 0.9,
        "max_output_tokens": 64,
        "tools": [],
        "extra_body": {"web_search": {"enable": True}, "custom": 1, "other": "x"},
    }
    with pytest.raises(WenxinValidationError, match="stream"):
        request_options({}, {}, {"stream": True})


# -- credentials -----------------------------------------------------------------------------


def test_credentials_use_the_core_env_names() -> None:
    assert {name: env_name(name) for name in CREDENTIAL_FIELDS} == {
        name: ENV_VARS[name] for name in CREDENTIAL_FIELDS
    }
    env = {"QIANFAN_API_KEY": " k-9431 ", "QIANFAN_AK": "", "QIANFAN_SK": "sk-5522"}
    found: dict[str, Any] = env_credentials(env)
    assert {k: v.get_secret_value() for k, v in found.items()} == {
        "api_key": "k-9431",
        "qianfan_sk": "sk-5522",
    }
    assert "9431" not in repr(found) and "5522" not in repr(found)
