"""Shared tools and helpers of the emulator's tool-calling tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.emulator.v2_helpers import chunks, post

MODEL = "ernie-4.5-turbo-32k"
LAST_TOOL_MODEL = "deepseek-v3.2"  # takes a tool turn last (ERNIE 4.5 wants a user turn last)


def tool(
    name: str,
    description: str = "",
    properties: dict[str, Any] | None = None,
    required: list[str] | None = None,
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required is not None:
        parameters["required"] = required
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


WEATHER = tool(
    "get_weather",
    "Get the current weather in a city",
    {
        "city": {"type": "string", "description": "the city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    ["city"],
)
TIME = tool("get_time", "Current local time in a city", {"city": {"type": "string"}}, ["city"])
SEARCH = tool(
    "web_search",
    "Search the internet for pages",
    {"query": {"type": "string"}, "limit": {"type": "integer"}},
    ["query"],
)
ADD = tool(
    "add",
    "Add two numbers",
    {"a": {"type": "number"}, "b": {"type": "number"}},
    ["a", "b"],
)
TOOLS = [WEATHER, TIME]


def ask(
    client: httpx.Client, text: str, tools: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The choice of a non-stream answer to one user turn (HTTP 200 checked)."""
    payload: dict[str, Any] = {
        "model": extra.pop("model", MODEL),
        "messages": [{"role": "user", "content": text}],
        "tools": TOOLS if tools is None else tools,
        **extra,
    }
    response = post(client, payload)
    assert response.status_code == 200, response.text
    choice: dict[str, Any] = response.json()["choices"][0]
    return choice


def calls_of(choice: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(name, parsed arguments)`` of each call of a non-stream choice."""
    return [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in choice["message"].get("tool_calls", [])
    ]


def stream_of(client: httpx.Client, payload: dict[str, Any]) -> list[dict[str, Any]]:
    response = post(client, {**payload, "stream": True})
    assert response.status_code == 200, response.text
    return chunks(response)


def assemble(parsed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add a stream's ``delta.tool_calls`` fragments up by ``index``, as clients do."""
    calls: dict[int, dict[str, Any]] = {}
    for chunk in parsed:
        for choice in chunk["choices"]:
            for fragment in choice["delta"].get("tool_calls", []):
                call = calls.setdefault(
                    fragment["index"],
                    {"id": None, "type": None, "function": {"name": "", "arguments": ""}},
                )
                if "id" in fragment:
                    call["id"] = fragment["id"]
                if "type" in fragment:
                    call["type"] = fragment["type"]
                function = fragment.get("function", {})
                call["function"]["name"] += function.get("name", "")
                call["function"]["arguments"] += function.get("arguments", "")
    return [calls[i] for i in sorted(calls)]


def history(question: str, calls: list[dict[str, Any]], results: list[str]) -> list[dict[str, Any]]:
    """A user turn, the assistant turn with ``calls`` and one tool turn per call."""
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": "", "tool_calls": calls},
    ]
    for call, result in zip(calls, results, strict=True):
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call["id"],
                "name": call["function"]["name"],
                "content": result,
            }
        )
    return messages
