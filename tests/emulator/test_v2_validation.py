"""V2 validation: every rule of the reference answers its real HTTP status and error code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.v2_helpers import AUTH, CHAT, MODEL, body, error_of, msgs, post

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
CALL2 = {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def u(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def a(text: str = "ok", calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls is not None:
        message["tool_calls"] = calls
    return message


def t(call_id: str = "c1", text: str = "result") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


SYSTEM = {"role": "system", "content": "sys"}


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b"", "\ufeff{}".encode("utf-16")], ids=str
)
def test_malformed_json(client: httpx.Client, raw: bytes) -> None:
    headers = {**AUTH, "content-type": "application/json"}
    response = client.post(CHAT, content=raw, headers=headers)
    assert error_of(response) == (400, "malformed_json")
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    "model", [None, "", "  ", 7, "no-such-model", "ernie/4.5", "llama_2_13b"], ids=repr
)
def test_missing_or_unknown_model(client: httpx.Client, model: object) -> None:
    payload: dict[str, Any] = {"messages": msgs()}
    if model is not None:
        payload["model"] = model
    assert error_of(post(client, payload)) == (400, "invalid_model")


VALID_CONVERSATIONS = {
    "user": [u()],
    "system+user": [SYSTEM, u()],
    "three turns": [u(), a(), u()],
    "tool answer last": [u(), a("", [CALL]), t()],
    "tool then assistant": [u(), a("", [CALL]), t(), a(), u()],
    "tool then user": [u(), a("", [CALL]), t(), u()],
    "empty tool_calls list": [u(), a("ok", []), u()],
    "two calls": [u(), a("", [CALL, CALL2]), t("c2"), t("c1")],
    "null content with calls": [
        u(),
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        t(),
    ],
}


@pytest.mark.parametrize("messages", VALID_CONVERSATIONS.values(), ids=VALID_CONVERSATIONS.keys())
def test_valid_conversations(client: httpx.Client, messages: list[dict[str, Any]]) -> None:
    response = post(client, {"model": "deepseek-v3.2", "messages": messages})
    assert response.status_code == 200, response.text


INVALID_CONVERSATIONS: dict[str, Any] = {
    "not a list": "hi",
    "empty": [],
    "assistant first": [a(), u()],
    "tool first": [t()],
    "system not first": [u(), SYSTEM, u()],
    "two systems": [SYSTEM, SYSTEM, u()],
    "only system": [SYSTEM],
    "two users": [u(), u()],
    "two assistants": [u(), a(), a(), u()],
    "last assistant": [u(), a()],
    "unknown role": [{"role": "bot", "content": "x"}],
    "not an object": ["hi"],
    "blank user": [u("  ")],
    "missing content": [{"role": "user"}],
    "blank assistant": [u(), a(""), u()],
    "content not text": [{"role": "user", "content": 5}],
    "tool without call": [u(), a(), t()],
    "tool with unknown id": [u(), a("", [CALL]), t("zz")],
    "tool without id": [u(), a("", [CALL]), {"role": "tool", "content": "r"}],
    "call unanswered": [u(), a("", [CALL, CALL2]), t("c1")],
    "call unanswered before user": [u(), a("", [CALL]), u()],
    "tool answered twice": [u(), a("", [CALL]), t(), t()],
    "bad tool call": [u(), a("", [{"id": "c1"}]), t()],
    "tool_calls not a list": [u(), a("", {"id": "c1"}), t()],  # type: ignore[arg-type]
    "blank with empty tool_calls": [u(), a("", []), u()],
    "duplicate call ids": [u(), a("", [CALL, CALL]), t(), t()],
    "blank tool": [u(), a("", [CALL]), t("c1", "")],
    "reasoning_content sent back": [
        u(),
        {"role": "assistant", "content": "ok", "reasoning_content": "why"},
        u(),
    ],
}


@pytest.mark.parametrize(
    "messages", INVALID_CONVERSATIONS.values(), ids=INVALID_CONVERSATIONS.keys()
)
def test_invalid_conversations(client: httpx.Client, messages: Any) -> None:
    response = post(client, {"model": "deepseek-v3.2", "messages": messages})
    assert error_of(response) == (400, "invalid_messages")


def test_last_turn_user_only_models_refuse_a_tool_last(client: httpx.Client) -> None:
    messages = [u(), a("", [CALL]), t()]
    response = post(client, {"model": "ernie-4.5-turbo-32k", "messages": messages})
    assert error_of(response) == (400, "invalid_messages")
    messages.append(a())
    messages.append(u())
    assert post(client, {"model": "ernie-4.5-turbo-32k", "messages": messages}).status_code == 200


def test_list_content_only_for_vision_models(client: httpx.Client) -> None:
    parts = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {}}]
    vision = post(client, {"model": "ernie-4.5-turbo-vl", "messages": [u() | {"content": parts}]})
    assert vision.status_code == 200, vision.text
    plain = post(client, {"model": MODEL, "messages": [u() | {"content": parts}]})
    assert error_of(plain) == (400, "invalid_argument")


INVALID_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    (MODEL, {"temperature": 0}),
    (MODEL, {"temperature": 1.01}),
    (MODEL, {"temperature": "0.5"}),
    (MODEL, {"top_p": -0.1}),
    (MODEL, {"top_p": 1.5}),
    (MODEL, {"penalty_score": 0.9}),
    (MODEL, {"penalty_score": 2.1}),
    (MODEL, {"frequency_penalty": 3}),
    (MODEL, {"seed": 1.5}),
    ("deepseek-r1", {"temperature": 0.5}),  # the model takes no temperature
    ("ernie-x1-turbo-32k", {"penalty_score": 1.5}),
    ("glm-5.1", {"penalty_score": 1.5}),
    (MODEL, {"stop": ["a", "b", "c", "d", "e"]}),
    (MODEL, {"stop": ["x" * 21]}),
    (MODEL, {"stop": [1]}),
    (MODEL, {"max_tokens": 0}),
    (MODEL, {"max_tokens": 12289}),  # above the model's max_output_tokens (12288)
    (MODEL, {"max_completion_tokens": 99999}),
    (MODEL, {"max_tokens": True}),
    (MODEL, {"stream": "yes"}),
    (MODEL, {"stream_options": {"include_usage": "yes"}}),
    (MODEL, {"response_format": {"type": "xml"}}),
    (MODEL, {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}),
    ("ernie-5.1", {"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}}),
    ("ernie-x1-turbo-32k", {"response_format": {"type": "json_object"}}),
    ("ernie-x1-turbo-32k", {"response_format": {"type": "text"}}),
    ("llama-2-13b-chat", {"response_format": {"type": "json_object"}}),
    ("llama-2-13b-chat", {"tools": [TOOL]}),
    ("ernie-speed-pro-128k", {"tools": [TOOL]}),
    ("ernie-speed-pro-128k", {"tool_choice": "auto"}),
    (MODEL, {"tools": [{"type": "function"}]}),
    (MODEL, {"tools": "f"}),
    (MODEL, {"parallel_tool_calls": "yes"}),
    (MODEL, {"thinking": {"type": "enabled"}}),  # not a reasoning model
    (MODEL, {"enable_thinking": True}),
    ("deepseek-v3.2", {"enable_thinking": True}),  # switched with thinking, not enable_thinking
    ("qwen3-32b", {"thinking": {"type": "enabled"}}),
    ("deepseek-v3.2", {"thinking": {"type": "maybe"}}),
    ("qwen3-32b", {"enable_thinking": True, "thinking_budget": 99}),
    ("ernie-x1.1", {"reasoning_effort": "max"}),
    (MODEL, {"user": 5}),
]


@pytest.mark.parametrize(
    ("model", "extra"), INVALID_ARGUMENTS, ids=[f"{m}-{e}" for m, e in INVALID_ARGUMENTS]
)
def test_invalid_arguments(client: httpx.Client, model: str, extra: dict[str, Any]) -> None:
    assert error_of(post(client, body("hi", model=model, **extra))) == (400, "invalid_argument")


VALID_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    (MODEL, {"temperature": 1, "top_p": 0, "penalty_score": 1, "seed": 7}),
    (MODEL, {"temperature": 0.01, "top_p": 1, "penalty_score": 2}),
    (MODEL, {"stop": ["a", "b", "c", "x" * 20]}),
    (MODEL, {"stop": "single"}),
    (MODEL, {"max_tokens": 12288}),
    (MODEL, {"frequency_penalty": -2, "presence_penalty": 2, "user": "u1"}),
    (MODEL, {"temperature": None, "stop": None}),  # null means not set
    (MODEL, {"response_format": {"type": "json_object"}}),
    (MODEL, {"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}}),
    ("ernie-5.1", {"response_format": {"type": "json_object"}}),
    (MODEL, {"tools": [TOOL], "tool_choice": "required", "parallel_tool_calls": False}),
    ("deepseek-r1", {"stop": ["x"], "seed": 1}),
    ("qwen3-32b", {"enable_thinking": True, "thinking_budget": 100}),
    ("ernie-x1.1", {"reasoning_effort": "high"}),
    (MODEL, {"thinking": {"type": "disabled"}, "enable_thinking": False}),
    (MODEL, {"web_search": {"enable": True}, "metadata": {"k": "v"}, "unknown_field": 1}),
    ("llama-2-70b-chat", {"temperature": 0.5, "max_tokens": 2048}),
]


@pytest.mark.parametrize(
    ("model", "extra"), VALID_ARGUMENTS, ids=[f"{m}-{e}" for m, e in VALID_ARGUMENTS]
)
def test_valid_arguments(client: httpx.Client, model: str, extra: dict[str, Any]) -> None:
    response = post(client, body("hi", model=model, **extra))
    assert response.status_code == 200, response.text


def test_input_beyond_the_context_window(client: httpx.Client) -> None:
    # dolly-12b: a 2,048-token window; a CJK character is one token in the emulator
    too_long = post(client, body("字" * 2049, model="dolly-12b"))
    assert error_of(too_long) == (400, "tokens_too_long")
    assert post(client, body("字" * 2000, model="dolly-12b")).status_code == 200


@pytest.mark.emulator_config(allow_any_model=True)
def test_unknown_services_take_any_thinking_switch(own_client: httpx.Client) -> None:
    for switch in ({"enable_thinking": True}, {"thinking": {"type": "enabled"}}):
        data = post(own_client, body("q", model="my-reasoner", **switch)).json()
        assert data["choices"][0]["message"]["reasoning_content"]
    plain = post(own_client, body("q", model="my-reasoner")).json()
    assert "reasoning_content" not in plain["choices"][0]["message"]
