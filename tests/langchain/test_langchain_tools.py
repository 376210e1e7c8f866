"""bind_tools and tool-call replies of ChatWenxin, against a scripted V2 service (MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_wenxin import ChatWenxin
from langchain_wenxin.errors import UnsupportedParameterError
from tests.langchain.tool_fakes import FakeV2, answer, call, chunk


class GetWeather(BaseModel):
    """Get the current weather of a city."""

    city: str = Field(description="the city's name")


def get_time(zone: str) -> str:
    """Get the current time in a time zone.

    Args:
        zone: an IANA zone name.

    """
    return "12:00"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


WEATHER_DICT: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body["tools"]]


def test_every_kind_of_tool_is_sent_in_openai_form() -> None:
    fake = FakeV2([answer("ok")])
    fake.llm().bind_tools([WEATHER_DICT, GetWeather, get_time, add]).invoke("hi")
    body = fake.last
    assert _names(body) == ["get_weather", "GetWeather", "get_time", "add"]
    assert all(t["type"] == "function" for t in body["tools"])
    assert body["tools"][1]["function"]["parameters"]["required"] == ["city"]
    assert body["tools"][2]["function"]["description"].startswith("Get the current time")
    assert set(body["tools"][3]["function"]["parameters"]["properties"]) == {"a", "b"}
    assert "tool_choice" not in body and "parallel_tool_calls" not in body


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("GetWeather", {"type": "function", "function": {"name": "GetWeather"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "function": {"name": "add"}},
        ),
        ({"name": "add"}, {"type": "function", "function": {"name": "add"}}),
    ],
)
def test_tool_choice_spellings(choice: Any, sent: Any) -> None:
    fake = FakeV2([answer("ok")])
    fake.llm().bind_tools([GetWeather, add], tool_choice=choice).invoke("hi")
    assert fake.last["tool_choice"] == sent


def test_no_tool_choice_for_none_and_false() -> None:
    fake = FakeV2([answer("ok")])
    fake.llm().bind_tools([add], tool_choice=False).invoke("hi")
    assert "tool_choice" not in fake.last


def test_parallel_tool_calls_and_strict() -> None:
    fake = FakeV2([answer("ok")])
    fake.llm().bind_tools([GetWeather], parallel_tool_calls=False, strict=True).invoke("hi")
    assert fake.last["parallel_tool_calls"] is False
    function = fake.last["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


@pytest.mark.parametrize("choice", ["unknown_tool", {"name": "nope"}, 3])
def test_a_choice_naming_no_bound_tool_is_refused(choice: Any) -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        FakeV2().llm().bind_tools([add], tool_choice=choice)


def test_a_model_without_tools_is_refused_at_bind_time() -> None:
    llm = ChatWenxin(model="ernie-speed-pro-128k", api_key="k")
    with pytest.raises(UnsupportedParameterError, match=r"ernie-speed-pro-128k.*tool calling"):
        llm.bind_tools([add])


def test_tool_choice_on_a_model_that_does_not_honour_it() -> None:
    llm = FakeV2([answer("ok")]).llm(capabilities={"tool_choice": False})
    llm.bind_tools([add], tool_choice="auto")  # the default is fine
    with pytest.raises(UnsupportedParameterError, match="tool_choice"):
        llm.bind_tools([add], tool_choice="any")


def test_v1_takes_no_tools() -> None:
    llm = ChatWenxin(api="v1", model="ERNIE-Bot", qianfan_ak="a", qianfan_sk="b")
    with pytest.raises(UnsupportedParameterError, match="V2 options"):
        llm.bind_tools([add])


def test_a_per_call_model_without_tools_is_refused_by_the_core() -> None:
    fake = FakeV2([answer("ok")])
    bound = fake.llm().bind_tools([add])
    with pytest.raises(UnsupportedParameterError, match="tool calling"):
        bound.invoke("hi", model="ernie-speed-pro-128k")
    assert fake.bodies == []


def test_reply_with_several_calls_keeps_ids_names_and_args() -> None:
    fake = FakeV2(
        [
            answer(
                tool_calls=[
                    call("call-1", "GetWeather", '{"city": "上海"}'),
                    call("call-2", "add", '{"a": 1, "b": 2}'),
                ]
            )
        ]
    )
    message = fake.llm().bind_tools([GetWeather, add]).invoke("weather and sum")
    assert isinstance(message, AIMessage)
    assert message.content == ""
    assert message.tool_calls == [
        {"name": "GetWeather", "args": {"city": "上海"}, "id": "call-1", "type": "tool_call"},
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call-2", "type": "tool_call"},
    ]
    assert message.invalid_tool_calls == []
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_invalid_arguments_go_to_invalid_tool_calls() -> None:
    fake = FakeV2(
        [
            answer(
                tool_calls=[
                    call("c1", "add", '{"a": 1,'),
                    call("c2", "add", "[1, 2]"),
                    call("c3", "add", '{"a": 1, "b": 2}'),
                ]
            )
        ]
    )
    message = fake.llm().bind_tools([add]).invoke("sum")
    assert [c["id"] for c in message.tool_calls] == ["c3"]
    assert [(c["id"], c["args"]) for c in message.invalid_tool_calls] == [
        ("c1", '{"a": 1,'),
        ("c2", "[1, 2]"),
    ]
    assert all(c["error"] for c in message.invalid_tool_calls)


def _streamed(fake: FakeV2, prompt: str = "go") -> AIMessageChunk:
    full: AIMessageChunk | None = None
    for piece in fake.llm().bind_tools([GetWeather, add]).stream(prompt):
        assert isinstance(piece, AIMessageChunk)
        full = piece if full is None else full + piece
    assert full is not None
    return full


def _delta(index: int, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"index": index}
    if "id" in fields:
        entry["id"] = fields["id"]
        entry["type"] = "function"
    function = {k: fields[k] for k in ("name", "arguments") if k in fields}
    if function:
        entry["function"] = function
    return entry


FRAGMENTED = [
    chunk(content=""),
    chunk(tool_calls=[_delta(0, id="call-1", name="GetWeather", arguments="")]),
    chunk(tool_calls=[_delta(0, arguments='{"ci')]),
    chunk(tool_calls=[_delta(0, arguments='ty": "上')]),
    chunk(tool_calls=[_delta(0, arguments='海"}')]),
    chunk(tool_calls=[_delta(1, id="call-2", name="add", arguments='{"a": 1')]),
    chunk(tool_calls=[_delta(1, arguments=', "b": 2}')]),
    chunk(finish="tool_calls", usage=True),
]
WHOLE = [
    chunk(
        tool_calls=[
            _delta(0, id="call-1", name="GetWeather", arguments='{"city": "上海"}'),
            _delta(1, id="call-2", name="add", arguments='{"a": 1, "b": 2}'),
        ]
    ),
    chunk(finish="tool_calls", usage=True),
]
INTERLEAVED = [
    chunk(tool_calls=[_delta(0, id="call-1", name="GetWeather", arguments='{"city"')]),
    chunk(tool_calls=[_delta(1, id="call-2", name="add", arguments='{"a": 1')]),
    chunk(tool_calls=[_delta(0, arguments=': "上海"}'), _delta(1, arguments=', "b": 2}')]),
    chunk(finish="tool_calls", usage=True),
]
EXPECTED = [
    {"name": "GetWeather", "args": {"city": "上海"}, "id": "call-1", "type": "tool_call"},
    {"name": "add", "args": {"a": 1, "b": 2}, "id": "call-2", "type": "tool_call"},
]


@pytest.mark.parametrize("chunks", [FRAGMENTED, WHOLE, INTERLEAVED], ids=["frag", "whole", "mix"])
def test_streamed_chunks_add_up_to_the_calls(chunks: list[dict[str, Any]]) -> None:
    full = _streamed(FakeV2([chunks]))
    assert full.tool_calls == EXPECTED
    assert full.invalid_tool_calls == []
    assert [c["index"] for c in full.tool_call_chunks] == [0, 1]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.usage_metadata is not None and full.usage_metadata["total_tokens"] == 15


def test_streamed_equals_invoked() -> None:
    whole = FakeV2(
        [
            answer(
                tool_calls=[
                    call("call-1", "GetWeather", '{"city": "上海"}'),
                    call("call-2", "add", '{"a": 1, "b": 2}'),
                ]
            )
        ]
    )
    invoked = whole.llm().bind_tools([GetWeather, add]).invoke("go")
    assert _streamed(FakeV2([FRAGMENTED])).tool_calls == invoked.tool_calls


async def test_async_stream_adds_up_too() -> None:
    fake = FakeV2([FRAGMENTED])
    full: AIMessageChunk | None = None
    async for piece in fake.llm().bind_tools([GetWeather, add]).astream("go"):
        assert isinstance(piece, AIMessageChunk)
        full = piece if full is None else full + piece
    assert full is not None and full.tool_calls == EXPECTED


@pytest.mark.parametrize("arguments", ["not json", "[1, 2]", '{"a": 1}}'])
def test_streamed_invalid_arguments_are_invalid_calls(arguments: str) -> None:
    chunks = [
        chunk(tool_calls=[_delta(0, id="c1", name="add", arguments=arguments[:3])]),
        chunk(tool_calls=[_delta(0, arguments=arguments[3:])]),
        chunk(finish="tool_calls", usage=True),
    ]
    full = _streamed(FakeV2([chunks]))
    invoked = FakeV2([answer(tool_calls=[call("c1", "add", arguments)])]).llm().invoke("go")
    assert full.tool_calls == invoked.tool_calls == []
    assert [(c["id"], c["name"], c["args"]) for c in full.invalid_tool_calls] == [
        ("c1", "add", arguments)
    ]
    assert [(c["id"], c["args"]) for c in invoked.invalid_tool_calls] == [("c1", arguments)]


def test_a_cut_stream_sums_by_langchains_partial_json_rule() -> None:
    # An unfinished object (an answer cut at max_tokens) is read as far as it goes, as
    # langchain-core does for every provider's chunks; the whole answer has it as invalid.
    chunks = [
        chunk(tool_calls=[_delta(0, id="c1", name="add", arguments='{"a": 1, "b"')]),
        chunk(finish="length", usage=True),
    ]
    assert _streamed(FakeV2([chunks])).tool_calls[0]["args"] == {"a": 1}


def test_history_round_trip_in_v2_shape() -> None:
    fake = FakeV2(
        [answer(tool_calls=[call("call-1", "add", '{"a": 1, "b": 2}')]), answer("It is 3.")]
    )
    bound = fake.llm().bind_tools([add])
    first = bound.invoke([HumanMessage("What is 1 + 2?")])
    messages = [
        HumanMessage("What is 1 + 2?"),
        first,
        ToolMessage("3", tool_call_id=first.tool_calls[0]["id"], name="add"),
    ]
    second = bound.invoke(messages)
    assert second.content == "It is 3."
    sent = fake.last["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["content"] == ""
    assert sent[1]["tool_calls"] == [
        {
            "id": "call-1",
            "type": "function",
            "function": {"name": "add", "arguments": json.dumps({"a": 1, "b": 2})},
        }
    ]
    assert sent[2]["tool_call_id"] == "call-1" and sent[2]["content"] == "3"


def test_bind_tools_response_format_for_the_provider_strategy() -> None:
    fake = FakeV2([answer('{"city": "Paris"}')])
    response_format = {"type": "json_schema", "json_schema": {"name": "W", "schema": {}}}
    fake.llm().bind_tools([add], response_format=response_format).invoke("hi")
    assert fake.last["response_format"] == response_format
    fake.llm().bind_tools([add], response_format=GetWeather).invoke("hi")
    assert fake.last["response_format"]["json_schema"]["name"] == "GetWeather"


def test_bind_tools_response_format_refused_without_json_schema() -> None:
    with pytest.raises(UnsupportedParameterError, match="json_schema"):
        FakeV2().llm(model="ernie-5.1").bind_tools([add], response_format=GetWeather)
