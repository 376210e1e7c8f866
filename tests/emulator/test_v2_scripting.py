"""Per-test scripting of exact answers (tool calls, texts): in-process, over HTTP, from a shell."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.emulator.emulator_helpers import chat, get_token, user
from tests.emulator.tool_helpers import (
    LAST_TOOL_MODEL,
    MODEL,
    TOOLS,
    ask,
    assemble,
    calls_of,
    history,
)
from tests.emulator.v2_helpers import chunks, post
from wenxin_core import WenxinClient
from wenxin_core.emulator import EmulatorControl, EmulatorServer
from wenxin_core.emulator.cli import main

PARIS = [{"name": "get_weather", "arguments": {"city": "Paris"}}]


def test_scripted_tool_calls_are_answered_exactly(
    client: httpx.Client, emu: EmulatorServer
) -> None:
    emu.script_tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_mine"},
            {"name": "get_time", "arguments": '{"city": "Tokyo"}'},
        ]
    )
    choice = ask(client, "hello")  # no tool named: the script decides
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == ""
    first, second = choice["message"]["tool_calls"]
    assert first == {
        "id": "call_mine",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    assert second["id"].startswith("call_") and second["id"] != "call_mine"
    assert second["function"] == {"name": "get_time", "arguments": '{"city": "Tokyo"}'}
    assert ask(client, "hello")["finish_reason"] == "stop"  # times=1: used up


def test_times_and_order_with_texts(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script_tool_calls(PARIS, times=2)
    emu.script("It is sunny in Paris.")
    assert calls_of(ask(client, "a")) == [("get_weather", {"city": "Paris"})]
    calls = ask(client, "b")["message"]["tool_calls"]
    assert calls_of({"message": {"tool_calls": calls}}) == [("get_weather", {"city": "Paris"})]
    messages = history("b", calls, ["sunny"])
    response = post(client, {"model": LAST_TOOL_MODEL, "messages": messages, "tools": TOOLS})
    assert response.json()["choices"][0]["message"]["content"] == "It is sunny in Paris."


def test_scripted_calls_stream(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script_tool_calls(PARIS)
    body = {"model": MODEL, "messages": user("x"), "tools": TOOLS, "stream": True}
    response = post(client, body)
    parsed = chunks(response)
    (call,) = assemble(parsed)
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert parsed[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_invalid_json_arguments_are_sent_as_given(
    client: httpx.Client, emu: EmulatorServer
) -> None:
    emu.script_tool_calls([{"name": "get_weather", "arguments": "{not json"}])
    (call,) = ask(client, "x")["message"]["tool_calls"]
    assert call["function"]["arguments"] == "{not json"


def test_scripts_work_without_tools_in_the_request(
    client: httpx.Client, emu: EmulatorServer
) -> None:
    emu.script_tool_calls(PARIS)
    response = post(client, {"model": MODEL, "messages": user("x")})
    assert response.json()["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    "calls",
    [
        [],
        "get_weather",
        [{"arguments": {}}],
        [{"name": ""}],
        [{"name": "f", "arguments": 3}],
        [{"name": "f", "id": ""}],
        [{"name": "f", "id": "a"}, {"name": "g", "id": "a"}],
        ["f"],
    ],
    ids=repr,
)
def test_bad_scripts_are_refused(emu: EmulatorServer, client: httpx.Client, calls: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        emu.script_tool_calls(calls)
    response = client.post("/_emulator/script_tool_calls", json={"calls": calls})
    assert response.status_code == 400
    assert "error" in response.json()


def test_reset_forgets_scripted_calls(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script_tool_calls(PARIS, times=3)
    emu.reset()
    assert ask(client, "hello")["finish_reason"] == "stop"


def test_v1_gets_a_scripted_call_as_text(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script_tool_calls(PARIS)
    token = get_token(client)
    result = chat(client, token, {"messages": user()}).json()["result"]
    assert json.loads(result) == [
        {"name": "get_weather", "arguments": '{"city": "Paris"}', "id": None}
    ]


def test_over_http_control(client: httpx.Client, emu: EmulatorServer) -> None:
    control = EmulatorControl(emu.base_url)
    control.script_tool_calls(PARIS)
    control.set_stream_tool_arguments("whole")
    response = post(client, {"model": MODEL, "messages": user("x"), "tools": TOOLS, "stream": True})
    assert response.text.count('"tool_calls":[') == 1
    with pytest.raises(RuntimeError, match="400"):
        control.script_tool_calls([])


def test_from_a_shell(client: httpx.Client, emu: EmulatorServer) -> None:
    arguments = json.dumps({"calls": PARIS, "times": 1})
    assert main(["control", emu.base_url, "script_tool_calls", arguments]) == 0
    assert calls_of(ask(client, "x")) == [("get_weather", {"city": "Paris"})]
    assert main(["control", emu.base_url, "set_stream_tool_arguments", '{"style": "x"}']) == 1


def test_a_users_own_test_with_the_plugin(wenxin_emulator_env: EmulatorServer) -> None:
    """What a user writes: the env fixture, a script, their code (here the core client)."""
    wenxin_emulator_env.script_tool_calls(PARIS)
    wenxin_emulator_env.script("Sunny in Paris.")
    client = WenxinClient(MODEL)
    first = client.chat([{"role": "user", "content": "weather?"}], tools=TOOLS)
    assert first.finish_reason == "tool_calls"
    (call,) = first.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    second = client.chat(
        [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
            {"role": "user", "content": "so?"},
        ],
        tools=TOOLS,
    )
    assert second.text == "Sunny in Paris."
    assert wenxin_emulator_env.chat_calls == 2
    sent = wenxin_emulator_env.requests[1]["body"]["messages"]
    assert sent[1]["tool_calls"][0]["id"] == call.id
