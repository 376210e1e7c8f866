"""Core answers -> LangChain messages: text, reasoning, tool calls, metadata, usage (no network)."""

from __future__ import annotations

from langchain_core.messages import AIMessageChunk

from langchain_wenxin._metadata import response_metadata, usage_metadata
from langchain_wenxin._replies import ai_message, generation_chunk
from wenxin_core.types import (
    ChatChunk,
    ChatCompletion,
    RateLimits,
    ToolCall,
    ToolCallDelta,
    Usage,
)

BASE_KEYS = {
    "model_name",
    "model_provider",
    "id",
    "finish_reason",
    "flag",
    "ban_round",
    "request_id",
}


def test_text_metadata_and_plain_usage() -> None:
    completion = ChatCompletion(
        text="Hi.",
        id="as-1",
        model="ernie-4.5-turbo-32k",
        request_id="req-1",
        usage=Usage(prompt_tokens=3, completion_tokens=2, total_tokens=5),
    )
    message = ai_message(completion, "label")
    assert message.content == "Hi." and message.id == "as-1"
    assert message.additional_kwargs == {}
    assert message.tool_calls == [] and message.invalid_tool_calls == []
    assert message.response_metadata == {
        "model_name": "ernie-4.5-turbo-32k",
        "model_provider": "qianfan",
        "id": "as-1",
        "finish_reason": "stop",
        "flag": 0,
        "ban_round": None,
        "request_id": "req-1",
    }
    assert message.usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def test_model_name_falls_back_to_the_label() -> None:
    assert response_metadata(ChatCompletion(text="x"), "my-service")["model_name"] == "my-service"


def test_usage_details_when_the_service_sends_them() -> None:
    usage = Usage(
        prompt_tokens=20,
        completion_tokens=30,
        total_tokens=50,
        cached_tokens=8,
        reasoning_tokens=12,
    )
    assert usage_metadata(usage) == {
        "input_tokens": 20,
        "output_tokens": 30,
        "total_tokens": 50,
        "input_token_details": {"cache_read": 8},
        "output_token_details": {"reasoning": 12},
    }
    assert usage_metadata(None) is None


def test_reasoning_goes_to_additional_kwargs_and_content_blocks() -> None:
    completion = ChatCompletion(text="42.", reasoning="Let me think.", model="ernie-x1.1")
    message = ai_message(completion, "ernie-x1.1")
    assert message.content == "42."
    assert message.additional_kwargs == {"reasoning_content": "Let me think."}
    blocks = message.content_blocks
    assert blocks[0] == {"type": "reasoning", "reasoning": "Let me think."}
    assert blocks[1]["type"] == "text"


def test_flag_ban_round_search_results_and_rate_limits() -> None:
    completion = ChatCompletion(
        text="...",
        finish_reason="content_filter",
        flag=2,
        ban_round=-1,
        search_results=[{"index": 1, "url": "https://example.com", "title": "Example"}],
        rate_limits=RateLimits(limit_requests=100, remaining_requests=99),
    )
    meta = ai_message(completion, "m").response_metadata
    assert set(meta) == BASE_KEYS | {"search_results", "rate_limits"}
    assert (meta["finish_reason"], meta["flag"], meta["ban_round"]) == ("content_filter", 2, -1)
    assert meta["search_results"][0]["url"] == "https://example.com"
    assert meta["rate_limits"] == {"limit_requests": 100, "remaining_requests": 99}


def test_tool_calls_are_parsed_and_invalid_json_is_kept_apart() -> None:
    completion = ChatCompletion(
        text="",
        finish_reason="tool_calls",
        tool_calls=[
            ToolCall(id="c1", name="weather", arguments='{"city": "上海"}'),
            ToolCall(id="c2", name="broken", arguments="{not json"),
            ToolCall(id="c3", name="listy", arguments="[1, 2]"),
            ToolCall(id="c4", name="noargs", arguments=""),
        ],
    )
    message = ai_message(completion, "m")
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        ("c1", "weather", {"city": "上海"}),
        ("c4", "noargs", {}),
    ]
    assert [(c["id"], c["args"]) for c in message.invalid_tool_calls] == [
        ("c2", "{not json"),
        ("c3", "[1, 2]"),
    ]
    assert all(c["error"] for c in message.invalid_tool_calls)
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_plain_chunks_carry_no_metadata_and_the_final_one_does() -> None:
    first = generation_chunk(ChatChunk(text="Hel", id="as-9"), "m").message
    assert isinstance(first, AIMessageChunk)
    assert first.content == "Hel" and first.id == "as-9"
    assert first.response_metadata == {} and first.usage_metadata is None
    assert first.chunk_position is None
    last = generation_chunk(
        ChatChunk(
            text="lo",
            id="as-9",
            is_final=True,
            finish_reason="stop",
            usage=Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        ),
        "m",
    ).message
    assert isinstance(last, AIMessageChunk)
    assert last.chunk_position == "last"
    assert set(last.response_metadata) == BASE_KEYS
    assert last.usage_metadata == {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    full = first + last
    assert full.content == "Hello" and full.response_metadata["model_name"] == "m"


def test_reasoning_and_tool_call_chunks_add_up() -> None:
    pieces = [
        ChatChunk(reasoning="Think"),
        ChatChunk(reasoning="ing."),
        ChatChunk(tool_calls=[ToolCallDelta(index=0, id="c1", name="weather", arguments='{"ci')]),
        ChatChunk(tool_calls=[ToolCallDelta(index=0, arguments='ty": "北京"}')]),
        ChatChunk(tool_calls=[ToolCallDelta(index=1, id="c2", name="time", arguments="{}")]),
        ChatChunk(is_final=True, finish_reason="tool_calls"),
    ]
    chunks = [generation_chunk(p, "m").message for p in pieces]
    assert isinstance(chunks[2], AIMessageChunk)
    assert chunks[2].tool_call_chunks[0]["index"] == 0
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert full.additional_kwargs["reasoning_content"] == "Thinking."
    assert [(c["id"], c["name"], c["args"]) for c in full.tool_calls] == [
        ("c1", "weather", {"city": "北京"}),
        ("c2", "time", {}),
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.content_blocks[0] == {"type": "reasoning", "reasoning": "Thinking."}
