"""V2 non-stream replies: the chat.completion shape, Qianfan's extras, reasoning, cuts."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.v2_helpers import MODEL, body, msgs, post
from tests.support.emulator_text import reply_text
from wenxin_core.emulator import DEFAULT_UNSAFE_TRIGGER, EmulatorServer


def test_completion_shape(client: httpx.Client) -> None:
    response = post(client, body("hello"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"id", "object", "created", "model", "choices", "usage"}
    assert data["object"] == "chat.completion"
    assert data["id"].startswith("as-")
    assert data["model"] == MODEL
    assert isinstance(data["created"], int)
    (choice,) = data["choices"]
    assert choice == {
        "index": 0,
        "message": {"role": "assistant", "content": reply_text("hello", MODEL)},
        "finish_reason": "stop",
        "flag": 0,
        "ban_round": -1,
    }
    usage = data["usage"]
    assert usage["prompt_tokens"] >= 1
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0, "search_tokens": 0}
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 0}


def test_system_is_echoed_and_model_case_insensitive(client: httpx.Client) -> None:
    messages = [{"role": "system", "content": "be brief"}, *msgs("x")]
    data = post(client, {"model": "ERNIE-4.5-Turbo-32K", "messages": messages}).json()
    assert data["model"] == MODEL
    assert data["choices"][0]["message"]["content"] == reply_text("x", MODEL, "be brief")


@pytest.mark.parametrize("model", ["llama-2-7b-chat", "llama-2-13b-chat", "dolly-12b"])
def test_seed_models_as_services(client: httpx.Client, model: str) -> None:
    data = post(client, body("hi", model=model)).json()
    assert data["model"] == model
    assert data["choices"][0]["message"]["content"] == reply_text("hi", model)


def test_reasoning_model_always_reasons(client: httpx.Client) -> None:
    data = post(client, body("why", model="ernie-x1.1")).json()
    message = data["choices"][0]["message"]
    assert message["content"] == reply_text("why", "ernie-x1.1")
    assert message["reasoning_content"].startswith("The user wrote: why.")
    details = data["usage"]["completion_tokens_details"]
    assert details["reasoning_tokens"] > 0
    assert data["usage"]["completion_tokens"] > details["reasoning_tokens"]


@pytest.mark.parametrize(
    ("model", "switch", "thinks"),
    [
        ("deepseek-v3.2", {}, False),
        ("deepseek-v3.2", {"thinking": {"type": "enabled"}}, True),
        ("deepseek-v3.2", {"thinking": {"type": "disabled"}}, False),
        ("qwen3-32b", {"enable_thinking": True}, True),
        ("qwen3-32b", {"enable_thinking": False}, False),
        ("ernie-x1-turbo-32k", {"reasoning_effort": "low"}, True),
    ],
)
def test_thinking_switches(
    client: httpx.Client, model: str, switch: dict[str, object], thinks: bool
) -> None:
    data = post(client, body("q", model=model, **switch)).json()
    message = data["choices"][0]["message"]
    assert ("reasoning_content" in message) is thinks
    assert (data["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0) is thinks


def test_scripted_reply_and_cuts(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script("alpha beta. gamma STOP delta", times=2)
    data = post(client, body()).json()
    assert data["choices"][0]["message"]["content"] == "alpha beta. gamma STOP delta"
    data = post(client, body(stop=["STOP"])).json()
    assert data["choices"][0]["message"]["content"] == "alpha beta. gamma "
    assert data["choices"][0]["finish_reason"] == "stop"
    data = post(client, body(max_tokens=2)).json()
    assert data["choices"][0]["finish_reason"] == "length"
    assert data["usage"]["completion_tokens"] == 2


def test_unsafe_trigger_flags(client: httpx.Client) -> None:
    data = post(client, body(f"say {DEFAULT_UNSAFE_TRIGGER}")).json()
    (choice,) = data["choices"]
    assert choice["flag"] == 2
    assert choice["ban_round"] == -1
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == ""


def test_tools_get_a_text_reply(client: httpx.Client) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    data = post(client, body("hi", tools=tools, tool_choice="auto")).json()
    assert data["choices"][0]["message"]["content"] == reply_text("hi", MODEL)
    assert data["choices"][0]["finish_reason"] == "stop"


def test_tool_turns_are_answered(client: httpx.Client) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [
        *msgs("weather?"),
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "name": "f", "content": "sunny"},
    ]
    response = post(client, {"model": "deepseek-v3.2", "messages": messages})
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["message"]["content"] == "Based on f: sunny. You asked: weather?"
    assert choice["finish_reason"] == "stop"


def test_records_v2_requests(client: httpx.Client, emu: EmulatorServer) -> None:
    post(client, body("one", temperature=0.5), headers={"appid": "app-123"})
    (record,) = emu.requests
    assert record["api"] == "v2"
    assert record["endpoint"] == MODEL
    assert record["path"] == "/v2/chat/completions"
    assert record["body"]["temperature"] == 0.5
    assert record["appid"] == "app-123"
    assert record["headers"]["authorization"] == "Bearer ***"
    assert "emulator-api-key" not in str(emu.snapshot())


@pytest.mark.emulator_config(allow_any_model=True)
def test_allow_any_model(own_client: httpx.Client) -> None:
    data = post(own_client, body("hi", model="my-service-7")).json()
    assert data["model"] == "my-service-7"
    assert data["choices"][0]["message"]["content"] == reply_text("hi", "my-service-7")
