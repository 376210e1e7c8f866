"""The emulator's default tool calls: which tools, which arguments, tool_choice, after results."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.emulator.tool_helpers import (
    ADD,
    LAST_TOOL_MODEL,
    MODEL,
    SEARCH,
    TIME,
    TOOLS,
    WEATHER,
    ask,
    calls_of,
    history,
    tool,
)
from tests.emulator.v2_helpers import post
from tests.support.emulator_text import reply_text
from wenxin_core.emulator import DEFAULT_UNSAFE_TRIGGER

CALL_ID = re.compile(r"^call_[0-9a-f]{24}$")


def test_a_named_tool_is_called(client: httpx.Client) -> None:
    choice = ask(client, "What's the weather in Paris?")
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["role"] == "assistant"
    assert message["content"] == ""
    (call,) = message["tool_calls"]
    assert set(call) == {"id", "type", "function"}
    assert call["type"] == "function"
    assert CALL_ID.match(call["id"])
    assert calls_of(choice) == [("get_weather", {"city": "Paris"})]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call get_weather for Berlin", {"city": "Berlin"}),  # the exact name
        ("get weather in Rome please", {"city": "Rome"}),  # the name's words
        ("Weather in New York in fahrenheit", {"city": "New York", "unit": "fahrenheit"}),
        ('weather for "san francisco" over 3 days', {"city": "san francisco", "days": 3}),
        ("weather in Oslo for 30 days", {"city": "Oslo", "days": 7}),  # clamped to maximum
        ("weather city: Lyon", {"city": "Lyon"}),  # a name: value pair
    ],
)
def test_arguments_from_the_schema_and_the_text(
    client: httpx.Client, text: str, expected: dict[str, Any]
) -> None:
    assert calls_of(ask(client, text)) == [("get_weather", expected)]


def test_required_properties_are_always_present(client: httpx.Client) -> None:
    (name, arguments), *_ = calls_of(ask(client, "weather, anywhere"))
    assert name == "get_weather"
    assert set(arguments) == {"city"}
    assert isinstance(arguments["city"], str) and arguments["city"]


def test_free_text_property_takes_the_words_after_the_tool_name(client: httpx.Client) -> None:
    choice = ask(client, "use web_search for cheap flights to Rome, then tell me", [SEARCH])
    assert calls_of(choice) == [("web_search", {"query": "cheap flights to Rome"})]


def test_numbers_in_order(client: httpx.Client) -> None:
    assert calls_of(ask(client, "add 2 and 3.5", [ADD])) == [("add", {"a": 2, "b": 3.5})]


def test_a_tool_named_by_its_description_only(client: httpx.Client) -> None:
    pages = tool("lookup", "Search the internet for pages", {"q": {"type": "string"}}, ["q"])
    assert [n for n, _ in calls_of(ask(client, "find pages on the internet", [pages]))] == [
        "lookup"
    ]


def test_nested_schema_arrays_enums_booleans(client: httpx.Client) -> None:
    booking = tool(
        "book_hotel",
        "Book a hotel room",
        {
            "guest": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}},
                "required": ["name", "vip"],
            },
            "nights": {"type": "integer"},
            "room": {"type": "string", "enum": ["single", "double", "suite"]},
            "extras": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
        },
        ["guest", "nights", "room", "extras"],
    )
    (call,) = calls_of(ask(client, "book_hotel for Ada Lovelace, 2 nights in a suite", [booking]))
    name, arguments = call
    assert name == "book_hotel"
    assert arguments["guest"]["name"] == "Ada Lovelace"
    assert isinstance(arguments["guest"]["vip"], bool)
    assert arguments["nights"] == 2
    assert arguments["room"] == "suite"
    assert isinstance(arguments["extras"], list) and len(arguments["extras"]) == 1
    assert "note" not in arguments  # optional, and the text gives no value


def test_no_named_tool_is_a_text_reply(client: httpx.Client) -> None:
    choice = ask(client, "hello there")
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == reply_text("hello there", MODEL)
    assert "tool_calls" not in choice["message"]


def test_parallel_calls_in_one_answer(client: httpx.Client) -> None:
    choice = ask(client, "What's the weather in Paris and the time in Tokyo?")
    assert calls_of(choice) == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"city": "Tokyo"}),
    ]
    ids = [c["id"] for c in choice["message"]["tool_calls"]]
    assert len(set(ids)) == 2 and all(CALL_ID.match(i) for i in ids)


def test_calls_come_in_the_order_the_text_names_them(client: httpx.Client) -> None:
    choice = ask(client, "the time in Tokyo, then the weather in Paris")
    assert [n for n, _ in calls_of(choice)] == ["get_time", "get_weather"]


def test_parallel_tool_calls_false_calls_only_the_first(client: httpx.Client) -> None:
    text = "What's the weather in Paris and the time in Tokyo?"
    choice = ask(client, text, parallel_tool_calls=False)
    assert calls_of(choice) == [("get_weather", {"city": "Paris"})]
    # After that result, the next named tool is called; after both, text.
    first = choice["message"]["tool_calls"]
    messages = history(text, first, ["sunny"])
    second = _continue(client, messages, parallel_tool_calls=False)
    assert calls_of(second) == [("get_time", {"city": "Tokyo"})]
    messages += [
        {"role": "assistant", "content": "", "tool_calls": second["message"]["tool_calls"]},
        {
            "role": "tool",
            "tool_call_id": second["message"]["tool_calls"][0]["id"],
            "content": "10:00",
        },
    ]
    final = _continue(client, messages, parallel_tool_calls=False)
    assert final["finish_reason"] == "stop"
    assert final["message"]["content"].startswith("Based on get_time: 10:00.")


def test_ids_are_unique_across_answers(client: httpx.Client) -> None:
    ids = {ask(client, "weather in Paris")["message"]["tool_calls"][0]["id"] for _ in range(20)}
    assert len(ids) == 20


def _continue(client: httpx.Client, messages: list[dict[str, Any]], **extra: Any) -> Any:
    payload = {"model": LAST_TOOL_MODEL, "messages": messages, "tools": TOOLS, **extra}
    response = post(client, payload)
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]


def test_after_tool_results_the_answer_uses_them(client: httpx.Client) -> None:
    text = "What's the weather in Paris and the time in Tokyo?"
    calls = ask(client, text, model=LAST_TOOL_MODEL)["message"]["tool_calls"]
    choice = _continue(client, history(text, calls, ["sunny, 25°C", "10:00"]))
    assert choice["finish_reason"] == "stop"
    assert "tool_calls" not in choice["message"]
    assert choice["message"]["content"] == (
        f"Based on get_weather: sunny, 25°C; get_time: 10:00. You asked: {text}"
    )


def test_a_user_turn_after_tool_results_starts_over(client: httpx.Client) -> None:
    text = "weather in Paris"
    calls = ask(client, text)["message"]["tool_calls"]
    messages = [
        *history(text, calls, ["sunny"]),
        {"role": "assistant", "content": "It is sunny."},
        {"role": "user", "content": "and the weather in Rome?"},
    ]
    response = post(client, {"model": MODEL, "messages": messages, "tools": TOOLS})
    assert calls_of(response.json()["choices"][0]) == [("get_weather", {"city": "Rome"})]


# -- tool_choice --------------------------------------------------------------------------------


def test_tool_choice_none_never_calls(client: httpx.Client) -> None:
    choice = ask(client, "weather in Paris", tool_choice="none")
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == reply_text("weather in Paris", MODEL)


def test_tool_choice_auto_is_the_default(client: httpx.Client) -> None:
    assert calls_of(ask(client, "weather in Paris", tool_choice="auto")) == calls_of(
        ask(client, "weather in Paris")
    )


def test_tool_choice_required_calls_the_best_match(client: httpx.Client) -> None:
    choice = ask(client, "what is the local time?", [WEATHER, TIME], tool_choice="required")
    assert [n for n, _ in calls_of(choice)] == ["get_time"]


def test_tool_choice_required_without_a_match_calls_the_first(client: httpx.Client) -> None:
    choice = ask(client, "hello", tool_choice="required")
    assert choice["finish_reason"] == "tool_calls"
    ((name, arguments),) = calls_of(choice)
    assert name == "get_weather" and set(arguments) == {"city"}


def test_tool_choice_required_after_results_calls_a_fresh_tool(client: httpx.Client) -> None:
    calls = ask(client, "weather in Paris")["message"]["tool_calls"]
    messages = history("weather in Paris", calls, ["sunny"])
    choice = _continue(client, messages, tool_choice="required")
    assert [n for n, _ in calls_of(choice)] == ["get_time"]


def test_tool_choice_names_a_function(client: httpx.Client) -> None:
    forced = {"type": "function", "function": {"name": "get_time"}}
    choice = ask(client, "weather in Paris", tool_choice=forced)
    assert [n for n, _ in calls_of(choice)] == ["get_time"]
    choice = ask(client, "the time in Tokyo and the weather in Paris", tool_choice=forced)
    assert calls_of(choice) == [("get_time", {"city": "Tokyo"})]


# -- the rest of the reply ----------------------------------------------------------------------


def test_tools_cost_prompt_tokens_and_calls_completion_tokens(client: httpx.Client) -> None:
    plain = post(client, {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]})
    with_tools = post(
        client, {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "tools": TOOLS}
    )
    assert with_tools.json()["usage"]["prompt_tokens"] > plain.json()["usage"]["prompt_tokens"]
    called = post(
        client,
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": "weather in Paris"}],
            "tools": TOOLS,
        },
    ).json()
    usage = called["usage"]
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_stop_and_max_tokens_do_not_cut_tool_calls(client: httpx.Client) -> None:
    choice = ask(client, "weather in Paris", stop=["Paris"], max_tokens=1)
    assert calls_of(choice) == [("get_weather", {"city": "Paris"})]


def test_a_reasoning_model_reasons_then_calls(client: httpx.Client) -> None:
    choice = ask(client, "weather in Paris", model="ernie-x1.1")
    assert choice["message"]["reasoning_content"].startswith("The user wrote: weather in Paris.")
    assert calls_of(choice) == [("get_weather", {"city": "Paris"})]


def test_the_unsafe_trigger_wins_over_tools(client: httpx.Client) -> None:
    choice = ask(client, f"weather {DEFAULT_UNSAFE_TRIGGER}")
    assert choice["finish_reason"] == "content_filter"
    assert "tool_calls" not in choice["message"]


def test_chinese_descriptions_match_chinese_text(client: httpx.Client) -> None:
    weather = tool(
        "get_current_weather", "查询城市的天气", {"location": {"type": "string"}}, ["location"]
    )
    ((name, arguments),) = calls_of(ask(client, "上海天气如何?", [weather]))
    assert name == "get_current_weather"
    assert arguments["location"]
