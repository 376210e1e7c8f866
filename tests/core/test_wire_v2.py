"""The V2 wire in isolation: bodies, the order rules, answers, streams and errors.

Narrow unit tests on ``httpx.MockTransport`` (the emulator-backed tests are in
``test_v2_client_emulator.py``): each stream-usage shape the reference allows, ``[DONE]``, the
error table and the quota headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from wenxin_core import WenxinClient
from wenxin_core.catalog import resolve_model
from wenxin_core.errors import (
    ContentPolicyError,
    ContextOverflowError,
    InvalidIamTokenError,
    InvalidMessagesError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    UnsupportedParameterError,
    WenxinValidationError,
)
from wenxin_core.wire.v2 import V2Wire
from wenxin_core.wire.v2.messages import normalize_v2

SPEC = resolve_model("ernie-4.5-turbo-32k", api="v2")
USER = [{"role": "user", "content": "hi"}]
RATE_HEADERS = {
    "X-Ratelimit-Limit-Requests": "120",
    "X-Ratelimit-Remaining-Requests": "119",
    "X-Ratelimit-Limit-Input-Tokens": "10000",
    "X-Ratelimit-Remaining-Input-Tokens": "9990",
    "X-Ratelimit-Limit-Output-Tokens": "5000",
    "X-Ratelimit-Remaining-Output-Tokens": "4990",
}


def body_of(spec_id: str = "ernie-4.5-turbo-32k", **options: Any) -> dict[str, Any]:
    spec = resolve_model(spec_id, api="v2")
    system = options.pop("system", None)
    messages = options.pop("messages", USER)
    stream = options.pop("stream", False)
    prepared = V2Wire().prepare(
        spec, messages, options, system=system, extra_body=None, stream=stream, overflow="truncate"
    )
    result: dict[str, Any] = json.loads(prepared.body)
    return result


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> WenxinClient:
    return WenxinClient(
        "ernie-4.5-turbo-32k",
        api_key="test-key",
        base_url="https://qianfan.test/v2",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kw,
    )


def sse(*events: Any, done: bool = True) -> bytes:
    lines = [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n\n" for e in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def delta_chunk(text: str, *, finish: str | None = None, usage: Any = None) -> dict[str, Any]:
    return {
        "id": "as-1",
        "object": "chat.completion.chunk",
        "model": "ernie-4.5-turbo-32k",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish, "flag": 0}],
        "usage": usage,
    }


USAGE = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


# -- request bodies ------------------------------------------------------------------------


def test_body_has_model_messages_and_v2_spellings() -> None:
    body = body_of(temperature=0.5, max_output_tokens=100, user_id="u1", seed=7, stop="END")
    assert body["model"] == "ernie-4.5-turbo-32k"
    assert body["messages"] == USER
    assert body["max_tokens"] == 100
    assert body["user"] == "u1"
    assert body["stop"] == ["END"]
    assert body["seed"] == 7
    assert "stream" not in body


def test_stream_body_always_asks_for_usage() -> None:
    body = body_of(stream=True)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("temperature", 0),
        ("temperature", 1.5),
        ("top_p", -0.1),
        ("penalty_score", 2.5),
        ("stop", ["a", "b", "c", "d", "e"]),
        ("stop", ["x" * 21]),
        ("max_output_tokens", 0),
        ("max_output_tokens", 10**6),
        ("seed", "7"),
        ("tool_choice", "sometimes"),
        ("reasoning", {"budget": 10}),
    ],
)
def test_bad_values_name_the_option(name: str, value: Any) -> None:
    with pytest.raises(WenxinValidationError) as info:
        body_of(**{name: value})
    assert info.value.field == name or info.value.field == "max_output_tokens"


def test_options_the_model_does_not_take_are_refused_before_sending() -> None:
    with pytest.raises(UnsupportedParameterError, match="penalty_score"):
        body_of("deepseek-r1", penalty_score=1.2)
    with pytest.raises(UnsupportedParameterError, match="tool calling"):
        body_of("llama-2-13b-chat", tools=[{"type": "function", "function": {"name": "f"}}])
    with pytest.raises(UnsupportedParameterError, match="json_schema"):
        body_of(
            "ernie-x1.1",
            response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": {}}},
        )
    with pytest.raises(UnsupportedParameterError, match="JSON mode"):
        body_of("ernie-x1-turbo-32k", response_format={"type": "json_object"})


def test_reasoning_switch_per_model() -> None:
    assert body_of("deepseek-v3.2", reasoning=True)["thinking"] == {"type": "enabled"}
    assert body_of("deepseek-v3.2", reasoning=False)["thinking"] == {"type": "disabled"}
    qwen = body_of("qwen3-32b", reasoning={"enabled": True, "budget": 2048, "effort": "high"})
    assert qwen["enable_thinking"] is True
    assert qwen["thinking_budget"] == 2048
    assert qwen["reasoning_effort"] == "high"
    assert "thinking" not in body_of("ernie-x1.1", reasoning=True)
    with pytest.raises(UnsupportedParameterError, match="always reasons"):
        body_of("ernie-x1.1", reasoning=False)
    with pytest.raises(UnsupportedParameterError, match="not a reasoning model"):
        body_of("ernie-4.5-turbo-32k", reasoning=True)


def test_unknown_model_passes_through_with_every_sampling_option() -> None:
    body = body_of("my-llama-service", penalty_score=1.1, temperature=0.3)
    assert body["model"] == "my-llama-service"
    assert body["penalty_score"] == 1.1


def test_endpoint_is_refused_on_v2_with_the_v2_way() -> None:
    with pytest.raises(WenxinValidationError, match="service API name"):
        resolve_model("x", "my-endpoint", api="v2")


def test_tools_and_choice_go_out_in_openai_shape() -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    body = body_of(tools=[tool], tool_choice={"type": "function", "function": {"name": "x"}})
    assert body["tools"] == [tool]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "x"}}


# -- the order rules -----------------------------------------------------------------------


def _norm(messages: list[dict[str, Any]], spec_id: str = "deepseek-v3.2", **kw: Any) -> Any:
    return normalize_v2(messages, resolve_model(spec_id, api="v2"), **kw).messages


def test_systems_merged_first_and_runs_merged() -> None:
    out = _norm(
        [
            {"role": "user", "content": "a"},
            {"role": "system", "content": "S1"},
            {"role": "user", "content": "b"},
            {"role": "system", "content": "S2"},
        ],
        system="S0",
    )
    assert out == [
        {"role": "system", "content": "S0\n\nS1\n\nS2"},
        {"role": "user", "content": "a\n\nb"},
    ]


def test_leading_assistant_kept_as_context() -> None:
    out = _norm([{"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "hi"}])
    assert out == [{"role": "user", "content": "Assistant: Hello!\n\nhi"}]


def test_tool_results_follow_their_call_in_call_order() -> None:
    calls = [
        {"id": "c1", "name": "a", "arguments": "{}"},
        {"id": "c2", "name": "b", "arguments": '{"x": 1}'},
    ]
    out = _norm(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "c2", "content": "B"},
            {"role": "tool", "tool_call_id": "c1", "content": "A", "name": "a"},
        ]
    )
    assert out[1]["role"] == "assistant"
    assert out[1]["content"] == ""
    assert [c["id"] for c in out[1]["tool_calls"]] == ["c1", "c2"]
    assert out[1]["tool_calls"][1]["function"] == {"name": "b", "arguments": '{"x": 1}'}
    assert out[2] == {"role": "tool", "tool_call_id": "c1", "content": "A", "name": "a"}
    assert out[3] == {"role": "tool", "tool_call_id": "c2", "content": "B"}


def test_reasoning_content_is_never_sent_back() -> None:
    out = _norm(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a", "reasoning_content": "secret thoughts"},
            {"role": "user", "content": "q2"},
        ]
    )
    assert "reasoning_content" not in json.dumps(out)


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([{"role": "assistant", "content": "x"}], "user turn"),
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "end with"),
        ([{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "z"}], "no tool call"),
        (
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "tool_calls": [{"id": "c", "name": "f", "arguments": ""}]},
                {"role": "user", "content": "next"},
            ],
            "no tool result",
        ),
    ],
)
def test_unrepairable_histories_are_typed_errors(messages: Any, match: str) -> None:
    with pytest.raises(InvalidMessagesError, match=match):
        _norm(messages)


def test_models_that_demand_a_last_user_turn() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "tool_calls": [{"id": "c", "name": "f", "arguments": "{}"}]},
        {"role": "tool", "tool_call_id": "c", "content": "r"},
    ]
    assert _norm(history)[-1]["role"] == "tool"
    with pytest.raises(InvalidMessagesError, match="last message to be a user turn"):
        _norm(history, "ernie-x1-turbo-32k")


def test_budget_drops_oldest_exchanges_and_keeps_the_last() -> None:
    long = "x" * 1500
    history: list[dict[str, Any]] = [
        {"role": "user", "content": long},
        {"role": "assistant", "content": long},
        {"role": "user", "content": "last"},
    ]
    with pytest.warns(UserWarning, match="Dropped the 2 oldest"):
        out = _norm(history, "dolly-12b")
    assert out == [{"role": "user", "content": "last"}]
    with pytest.raises(ContextOverflowError):
        _norm(history, "dolly-12b", overflow="error")


# -- answers and streams --------------------------------------------------------------------


def test_completion_surfaces_everything() -> None:
    answer = {
        "id": "as-9",
        "object": "chat.completion",
        "model": "ernie-x1.1",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "flag": 1,
                "ban_round": -1,
                "message": {
                    "role": "assistant",
                    "content": "",
                    "reasoning_content": "thinking...",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a": 1}'},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 5,
            "completion_tokens": 9,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 2, "search_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 6},
        },
        "search_results": [{"index": 1, "url": "https://x", "title": "t"}],
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer, headers=RATE_HEADERS)

    with client_for(handler, app_id="app-1") as client:
        result = client.chat(USER)
    assert seen[0].headers["authorization"] == "Bearer test-key"
    assert seen[0].headers["appid"] == "app-1"
    assert str(seen[0].url) == "https://qianfan.test/v2/chat/completions"
    assert result.reasoning == "thinking..."
    assert result.tool_calls[0].name == "f"
    assert result.tool_calls[0].arguments == '{"a": 1}'
    assert result.finish_reason == "tool_calls"
    assert (result.flag, result.ban_round) == (1, -1)
    assert result.usage is not None
    assert (result.usage.cached_tokens, result.usage.reasoning_tokens) == (2, 6)
    assert result.search_results == answer["search_results"]
    assert result.rate_limits is not None
    assert result.rate_limits.remaining_requests == 119


@pytest.mark.parametrize(
    "events",
    [
        # include_usage: usage on a chunk with empty choices after the finish chunk
        [delta_chunk("Hel"), delta_chunk("lo", finish="stop"), {"choices": [], "usage": USAGE}],
        # usage on the last content chunk
        [delta_chunk("Hel"), delta_chunk("lo", finish="stop", usage=USAGE)],
        # chunk_include_usage: cumulative usage on every chunk
        [
            delta_chunk(
                "Hel", usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
            ),
            delta_chunk("lo", finish="stop", usage=USAGE),
        ],
    ],
    ids=["empty-choices", "last-content-chunk", "cumulative"],
)
def test_stream_usage_is_counted_once_whatever_its_shape(events: list[Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=sse(*events), headers={"Content-Type": "text/event-stream"}
        )

    with client_for(handler) as client, client.stream(USER) as stream:
        chunks = list(stream)
    assert stream.text == "Hello"
    assert [c.usage for c in chunks if c.usage is not None] == [chunks[-1].usage]
    final = chunks[-1]
    assert final.is_final and final.finish_reason == "stop"
    assert final.usage is not None
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (3, 4)
    assert stream.usage == final.usage


def test_stream_without_done_is_interrupted_with_partial_text() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = sse(delta_chunk("Hel"), delta_chunk("lo"), done=False)
        return httpx.Response(200, content=body, headers={"Content-Type": "text/event-stream"})

    with client_for(handler, max_retries=0) as client:
        stream = client.stream(USER)
        with pytest.raises(StreamInterruptedError) as info:
            list(stream)
    assert info.value.partial_text == "Hello"
    assert "[DONE]" in str(info.value)


def test_stream_tool_call_fragments_keep_their_index() -> None:
    def tc(index: int, **fn: str) -> dict[str, Any]:
        return {
            "choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, "function": fn}]}}]
        }

    events = [
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "id": "c1", "type": "function", "function": {"name": "f"}}
                        ]
                    },
                }
            ]
        },
        tc(0, arguments='{"a"'),
        tc(0, arguments=": 1}"),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=sse(*events), headers={"Content-Type": "text/event-stream"}
        )

    with client_for(handler) as client:
        chunks = list(client.stream(USER))
    deltas = [d for c in chunks for d in c.tool_calls]
    assert {d.index for d in deltas} == {0}
    assert "".join(d.arguments or "" for d in deltas) == '{"a": 1}'
    assert deltas[0].id == "c1" and deltas[0].name == "f"
    assert chunks[-1].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("status", "code", "cls", "retried"),
    [
        (400, "invalid_messages", InvalidRequestError, False),
        (401, "invalid_iam_token", InvalidIamTokenError, False),
        (401, "invalid_appid", PermissionDeniedError, False),
        (403, "system_unsafe", ContentPolicyError, False),
        (429, "rpm_rate_limit_exceeded", RateLimitError, True),
        (500, "internal_error", ServerError, True),
    ],
)
def test_error_table(status: int, code: str, cls: type[Exception], retried: bool) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        payload = {"error": {"code": code, "message": "nope", "type": "t"}, "id": "as-err"}
        return httpx.Response(
            status, json=payload, headers={**RATE_HEADERS, "X-Request-Id": "rid-1"}
        )

    with client_for(handler, max_retries=1) as client, pytest.raises(cls) as info:
        client.chat(USER)
    err = info.value
    assert err.status_code == status  # type: ignore[attr-defined]
    assert err.error_code == code  # type: ignore[attr-defined]
    assert err.error_msg == "nope"  # type: ignore[attr-defined]
    assert err.request_id == "rid-1"  # type: ignore[attr-defined]
    assert len(calls) == (2 if retried else 1)
    if isinstance(err, RateLimitError):
        assert err.rate_limits is not None
        assert err.rate_limits.limit_requests == 120


def test_plain_text_format_is_not_sent_to_a_model_without_json_modes() -> None:
    assert "response_format" not in body_of("ernie-x1-turbo-32k", response_format={"type": "text"})
    assert body_of(response_format={"type": "text"})["response_format"] == {"type": "text"}


@pytest.mark.parametrize("timeout", ["x", -1, 0, True])
def test_a_bad_timeout_is_refused_at_construction(timeout: Any) -> None:
    with pytest.raises(WenxinValidationError, match="timeout"):
        WenxinClient("ernie-4.5-turbo-32k", api_key="k", timeout=timeout)
