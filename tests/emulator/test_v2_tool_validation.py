"""V2 validation of ``tools``, ``tool_choice`` and tool histories: 400 with the right code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.emulator.tool_helpers import LAST_TOOL_MODEL, MODEL, TOOLS, WEATHER, tool
from tests.emulator.v2_helpers import error_of, msgs, post


def fn(name: object = "f", parameters: object = None, **extra: Any) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name, **extra}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


BAD_TOOLS: dict[str, Any] = {
    "not a list": {"type": "function"},
    "type missing": [{"function": {"name": "f"}}],
    "type not function": [{"type": "retrieval", "function": {"name": "f"}}],
    "function not an object": [{"type": "function", "function": "f"}],
    "name missing": [{"type": "function", "function": {}}],
    "name not a string": [fn(7)],
    "name with a space": [fn("get weather")],
    "name with a dot": [fn("get.weather")],
    "name empty": [fn("")],
    "name too long": [fn("f" * 65)],
    "name not ascii": [fn("天气")],
    "duplicate names": [fn("f"), fn("f")],
    "parameters not an object": [fn("f", "object")],
    "parameters of type string": [fn("f", {"type": "string"})],
    "properties not schemas": [fn("f", {"type": "object", "properties": {"a": 1}})],
    "required not a list": [fn("f", {"type": "object", "required": "a"})],
    "description not a string": [fn("f", description=3)],
}


@pytest.mark.parametrize("tools", BAD_TOOLS.values(), ids=BAD_TOOLS.keys())
def test_bad_tools(client: httpx.Client, tools: Any) -> None:
    response = post(client, {"model": MODEL, "messages": msgs(), "tools": tools})
    assert error_of(response) == (400, "invalid_argument")
    assert "tools" in response.json()["error"]["message"]


GOOD_TOOLS: dict[str, Any] = {
    "64 characters, dashes and digits": [fn("a-Z_0" + "9" * 59)],
    "no parameters": [fn("f")],
    "parameters without a type": [fn("f", {"properties": {"a": {"type": "string"}}})],
    "null description": [fn("f", description=None)],
    "empty list": [],
}


@pytest.mark.parametrize("tools", GOOD_TOOLS.values(), ids=GOOD_TOOLS.keys())
def test_good_tools(client: httpx.Client, tools: Any) -> None:
    response = post(client, {"model": MODEL, "messages": msgs(), "tools": tools})
    assert response.status_code == 200, response.text


BAD_CHOICES: dict[str, Any] = {
    "unknown word": {"tools": TOOLS, "tool_choice": "any"},
    "not a function object": {"tools": TOOLS, "tool_choice": {"type": "tool", "name": "x"}},
    "function without name": {"tools": TOOLS, "tool_choice": {"type": "function"}},
    "names no offered tool": {
        "tools": TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "nope"}},
    },
    "required without tools": {"tool_choice": "required"},
    "a function without tools": {
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}}
    },
    "parallel not a boolean": {"tools": TOOLS, "parallel_tool_calls": 1},
}


@pytest.mark.parametrize("extra", BAD_CHOICES.values(), ids=BAD_CHOICES.keys())
def test_bad_tool_choice(client: httpx.Client, extra: dict[str, Any]) -> None:
    response = post(client, {"model": MODEL, "messages": msgs(), **extra})
    assert error_of(response) == (400, "invalid_argument")


@pytest.mark.parametrize("choice", ["auto", "none"])
def test_auto_and_none_without_tools(client: httpx.Client, choice: str) -> None:
    response = post(client, {"model": MODEL, "messages": msgs(), "tool_choice": choice})
    assert response.status_code == 200, response.text


def test_models_without_tools_refuse_them(client: httpx.Client) -> None:
    response = post(client, {"model": "llama-2-13b-chat", "messages": msgs(), "tools": [WEATHER]})
    assert error_of(response) == (400, "invalid_argument")


CALL = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}

BAD_HISTORIES: dict[str, list[dict[str, Any]]] = {
    "a tool turn answering no call": [
        {"role": "user", "content": "q"},
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
    ],
    "a call left unanswered": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "user", "content": "next"},
    ],
    "an id the turn did not give": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "c9", "content": "r"},
    ],
    "a call of type retrieval": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [{**CALL, "type": "retrieval"}]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
    ],
    "arguments not a string": [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {}}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
    ],
    "a tool name not a string": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "r", "name": 5},
    ],
    "duplicate call ids": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [CALL, CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
    ],
}


@pytest.mark.parametrize("messages", BAD_HISTORIES.values(), ids=BAD_HISTORIES.keys())
def test_bad_tool_histories(client: httpx.Client, messages: list[dict[str, Any]]) -> None:
    response = post(client, {"model": LAST_TOOL_MODEL, "messages": messages, "tools": TOOLS})
    assert error_of(response) == (400, "invalid_messages")


def test_a_tool_schema_with_refs_and_any_of(client: httpx.Client) -> None:
    schema_tool = tool(
        "plan_trip",
        "Plan a trip",
        {
            "stop": {"$ref": "#/$defs/Stop"},
            "budget": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        ["stop", "budget"],
    )
    schema_tool["function"]["parameters"]["$defs"] = {
        "Stop": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
            "required": ["city", "nights"],
        }
    }
    response = post(
        client,
        {"model": MODEL, "messages": msgs("plan_trip to Lisbon, 4 nights"), "tools": [schema_tool]},
    )
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    arguments = json.loads(call["function"]["arguments"])
    assert arguments["stop"] == {"city": "Lisbon", "nights": 4}
    assert isinstance(arguments["budget"], (int, float))
