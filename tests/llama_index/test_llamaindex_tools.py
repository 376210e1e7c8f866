"""Wenxin as a FunctionCallingLLM, against a scripted V2 service (MockTransport, no network).

What is sent (tools, tool_choice, parallel_tool_calls), what comes back (ToolCallBlocks,
additional_kwargs, ToolSelections), streamed calls adding up to the whole ones, predict_and_call,
the tool-call history of the next turn, and the models that cannot continue after tool results.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.tools import FunctionTool

from llama_index_wenxin import Wenxin
from tests.llama_index.li_fakes import Answer, FakeQianfan, call
from tests.llama_index.li_helpers import EventCollector
from wenxin_core.errors import (
    InvalidMessagesError,
    UnsupportedParameterError,
    WenxinValidationError,
)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


TOOLS = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=get_weather)]
TWO_CALLS = [
    call("call-a", "add", {"a": 2, "b": 3}),
    call("call-w", "get_weather", {"city": "上海"}),
]


@pytest.fixture
def fake() -> FakeQianfan:
    return FakeQianfan()


@pytest.fixture
def llm(fake: FakeQianfan) -> Wenxin:
    return fake.llm()


def _calls(response: ChatResponse) -> list[tuple[str | None, str, Any]]:
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    return [(b.tool_call_id, b.tool_name, b.tool_kwargs) for b in blocks]


# -- the request ------------------------------------------------------------------------------


def test_tools_are_sent_in_the_openai_shape(llm: Wenxin, fake: FakeQianfan) -> None:
    llm.chat_with_tools(TOOLS, user_msg="2+3?")
    body = fake.requests[-1]
    assert [t["function"]["name"] for t in body["tools"]] == ["add", "get_weather"]
    assert body["tools"][0]["type"] == "function"
    assert body["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    assert body["tools"][0]["function"]["description"].endswith("Add two integers.")
    # LlamaIndex's default is no parallel calls; no tool_choice: the service's "auto".
    assert body["parallel_tool_calls"] is False
    assert "tool_choice" not in body
    assert body["messages"] == [{"role": "user", "content": "2+3?"}]


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        ({"tool_required": True}, "required"),
        ({"tool_choice": "none"}, "none"),
        ({"tool_choice": "auto"}, "auto"),
        ({"tool_choice": "add"}, {"type": "function", "function": {"name": "add"}}),
        (
            {"tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
        # An explicit choice wins over tool_required.
        (
            {"tool_choice": "add", "tool_required": True},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice(llm: Wenxin, fake: FakeQianfan, kwargs: dict[str, Any], sent: Any) -> None:
    llm.chat_with_tools(TOOLS, user_msg="2+3?", **kwargs)
    assert fake.requests[-1]["tool_choice"] == sent


def test_tool_choice_naming_no_offered_tool_is_refused_before_sending(
    llm: Wenxin, fake: FakeQianfan
) -> None:
    with pytest.raises(WenxinValidationError, match=r"tool_choice.*'multiply'"):
        llm.chat_with_tools(TOOLS, user_msg="2*3?", tool_choice="multiply")
    assert fake.requests == []


def test_parallel_allowed_is_sent(llm: Wenxin, fake: FakeQianfan) -> None:
    llm.chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    assert fake.requests[-1]["parallel_tool_calls"] is True


def test_no_tools_sends_nothing_tool_related(llm: Wenxin, fake: FakeQianfan) -> None:
    llm.chat_with_tools([], user_msg="hi", tool_required=True)
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(fake.requests[-1])


def test_chat_history_is_not_changed(llm: Wenxin, fake: FakeQianfan) -> None:
    history = [ChatMessage(role="user", content="first")]
    llm.chat_with_tools(TOOLS, user_msg="second", chat_history=history)
    assert len(history) == 1
    assert fake.requests[-1]["messages"][-1] == {"role": "user", "content": "first\n\nsecond"}


def test_options_and_extra_keywords_reach_the_request(llm: Wenxin, fake: FakeQianfan) -> None:
    llm.chat_with_tools(TOOLS, user_msg="x", temperature=0.3, verbose=True)
    assert fake.requests[-1]["temperature"] == 0.3


def test_a_model_without_tools_refuses_them_before_sending(fake: FakeQianfan) -> None:
    llm = fake.llm("llama-2-13b-chat")
    assert llm.metadata.is_function_calling_model is False
    with pytest.raises(UnsupportedParameterError, match="tools"):
        llm.chat_with_tools(TOOLS, user_msg="2+3?")
    assert fake.requests == []


# -- the reply ---------------------------------------------------------------------------------


def test_parallel_calls_all_kept_when_allowed(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    response = llm.chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    assert _calls(response) == [
        ("call-a", "add", '{"a": 2, "b": 3}'),
        ("call-w", "get_weather", '{"city": "上海"}'),
    ]
    assert response.message.additional_kwargs["tool_calls"] == TWO_CALLS
    assert response.additional_kwargs["finish_reason"] == "tool_calls"
    selections = llm.get_tool_calls_from_response(response)
    assert [(s.tool_id, s.tool_name, s.tool_kwargs) for s in selections] == [
        ("call-a", "add", {"a": 2, "b": 3}),
        ("call-w", "get_weather", {"city": "上海"}),
    ]


def test_only_the_first_call_kept_when_parallel_not_allowed(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    response = llm.chat_with_tools(TOOLS, user_msg="x")
    assert _calls(response) == [("call-a", "add", '{"a": 2, "b": 3}')]
    assert response.message.additional_kwargs["tool_calls"] == TWO_CALLS[:1]
    assert [s.tool_name for s in llm.get_tool_calls_from_response(response)] == ["add"]


def test_no_tool_call_raises_only_when_asked(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(content="No tool needed."))
    response = llm.chat_with_tools(TOOLS, user_msg="hi")
    assert response.message.content == "No tool needed."
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="tool call"):
        llm.get_tool_calls_from_response(response)


def test_invalid_arguments_are_kept_as_sent_and_parse_to_empty(
    llm: Wenxin, fake: FakeQianfan
) -> None:
    fake.script(Answer(tool_calls=[call("c1", "add", "{not json"), call("c2", "add", "[1, 2]")]))
    response = llm.chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    assert [c[2] for c in _calls(response)] == ["{not json", "[1, 2]"]
    assert [s.tool_kwargs for s in llm.get_tool_calls_from_response(response)] == [{}, {}]


def test_selections_from_openai_style_additional_kwargs_only(llm: Wenxin) -> None:
    message = ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": TWO_CALLS})
    selections = llm.get_tool_calls_from_response(ChatResponse(message=message))
    assert [(s.tool_id, s.tool_kwargs) for s in selections] == [
        ("call-a", {"a": 2, "b": 3}),
        ("call-w", {"city": "上海"}),
    ]


def test_one_llm_event_per_call(llm: Wenxin, fake: FakeQianfan, events: EventCollector) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    llm.chat_with_tools(TOOLS, user_msg="x")
    assert events.count("LLMChatStartEvent") == 1 and events.count("LLMChatEndEvent") == 1
    assert len(fake.requests) == 1


# -- streams -----------------------------------------------------------------------------------


@pytest.mark.parametrize("interleave", [False, True])
@pytest.mark.parametrize("fragment", [1, 4, 1000])
def test_streamed_calls_add_up_to_the_whole_ones(fragment: int, interleave: bool) -> None:
    fake = FakeQianfan(fragment=fragment, interleave=interleave)
    llm = fake.llm()
    answer = Answer(content="Let me check.", tool_calls=TWO_CALLS)
    fake.script(answer, answer)
    whole = llm.chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    responses = list(
        llm.stream_chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    )
    last = responses[-1]
    assert fake.requests[-1]["stream"] is True
    assert _calls(last) == _calls(whole)
    assert (
        last.message.additional_kwargs["tool_calls"]
        == whole.message.additional_kwargs["tool_calls"]
    )
    assert last.message.content == whole.message.content == "Let me check."
    assert llm.get_tool_calls_from_response(last) == llm.get_tool_calls_from_response(whole)
    # Mid-stream, the calls so far parse as far as they go, without raising.
    for response in responses:
        llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)


def test_stream_keeps_the_first_call_unless_parallel(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    last = list(llm.stream_chat_with_tools(TOOLS, user_msg="x"))[-1]
    assert [c[1] for c in _calls(last)] == ["add"]
    assert fake.requests[-1]["parallel_tool_calls"] is False


def test_stream_is_one_llm_event(llm: Wenxin, fake: FakeQianfan, events: EventCollector) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    list(llm.stream_chat_with_tools(TOOLS, user_msg="x"))
    assert events.count("LLMChatStartEvent") == 1 and events.count("LLMChatEndEvent") == 1


async def test_async_twins(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS), Answer(tool_calls=TWO_CALLS))
    whole = await llm.achat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    stream = await llm.astream_chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    responses = [r async for r in stream]
    assert _calls(responses[-1]) == _calls(whole) and len(_calls(whole)) == 2
    fake.script(Answer(tool_calls=TWO_CALLS))
    stream = await llm.astream_chat_with_tools(TOOLS, user_msg="x", tool_choice="add")
    assert [c[1] for c in _calls([r async for r in stream][-1])] == ["add"]
    assert fake.requests[-1]["tool_choice"] == {"type": "function", "function": {"name": "add"}}


# -- predict_and_call --------------------------------------------------------------------------


def test_predict_and_call(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS[:1]))
    result = llm.predict_and_call(TOOLS, user_msg="2+3?")
    assert result.response == "5"
    assert [s.tool_name for s in result.sources] == ["add"]


def test_predict_and_call_parallel(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    result = llm.predict_and_call(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    assert result.response == "5\n\nSunny in 上海"


def test_predict_and_call_without_a_call(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(content="nothing to do"), Answer(content="nothing to do"))
    with pytest.raises(ValueError, match="tool call"):
        llm.predict_and_call(TOOLS, user_msg="hi")
    result = llm.predict_and_call(TOOLS, user_msg="hi", error_on_no_tool_call=False)
    assert result.response == "nothing to do" and result.sources == []


async def test_apredict_and_call(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS))
    result = await llm.apredict_and_call(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    assert result.response == "5\n\nSunny in 上海"


# -- the next turn -----------------------------------------------------------------------------


def test_reply_and_tool_results_go_back_in_v2_shape(llm: Wenxin, fake: FakeQianfan) -> None:
    fake.script(Answer(tool_calls=TWO_CALLS), Answer(content="5, and sunny."))
    first = llm.chat_with_tools(TOOLS, user_msg="x", allow_parallel_tool_calls=True)
    history = [ChatMessage(role="user", content="x"), first.message]
    for selection in llm.get_tool_calls_from_response(first):
        tool = next(t for t in TOOLS if t.metadata.name == selection.tool_name)
        output = tool(**selection.tool_kwargs)
        history.append(
            ChatMessage(
                role=MessageRole.TOOL,
                content=str(output),
                additional_kwargs={"tool_call_id": selection.tool_id},
            )
        )
    final = llm.chat_with_tools(TOOLS, chat_history=history)
    assert final.message.content == "5, and sunny."
    sent = fake.requests[-1]["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": c["id"], "type": "function", "function": c["function"]} for c in TWO_CALLS
        ],
    }
    assert sent[2:] == [
        {"role": "tool", "tool_call_id": "call-a", "content": "5"},
        {"role": "tool", "tool_call_id": "call-w", "content": "Sunny in 上海"},
    ]


def test_models_that_cannot_continue_after_tool_results_say_so(fake: FakeQianfan) -> None:
    llm = fake.llm()  # deepseek-v3.2 continues; the default model does not
    default = fake.llm(model="ernie-4.5-turbo-32k")
    assert default.model_spec.last_turn_user_only and default.metadata.is_function_calling_model
    fake.script(Answer(tool_calls=TWO_CALLS[:1]))
    first = default.chat_with_tools(TOOLS, user_msg="2+3?")  # the call itself works
    history = [
        ChatMessage(role="user", content="2+3?"),
        first.message,
        ChatMessage(role="tool", content="5", additional_kwargs={"tool_call_id": "call-a"}),
    ]
    sent = len(fake.requests)
    with pytest.raises(InvalidMessagesError) as caught:
        default.chat_with_tools(TOOLS, chat_history=history)
    message = str(caught.value)
    assert "ernie-4.5-turbo-32k cannot continue after tool results" in message
    assert "deepseek-v3.2" in message
    assert len(fake.requests) == sent  # refused before sending
    llm.chat_with_tools(TOOLS, chat_history=history)
    assert fake.sent_roles() == ["user", "assistant", "tool"]


def test_arguments_sent_back_as_json_text(llm: Wenxin, fake: FakeQianfan) -> None:
    message = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1, "b": 2})],
    )
    history = [
        ChatMessage(role="user", content="1+2"),
        message,
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": "c1"}),
    ]
    llm.chat_with_tools(TOOLS, chat_history=history)
    sent_call = fake.requests[-1]["messages"][1]["tool_calls"][0]
    assert json.loads(sent_call["function"]["arguments"]) == {"a": 1, "b": 2}


def test_a_model_without_tool_choice_calls_on_auto_and_refuses_a_forced_call(
    fake: FakeQianfan,
) -> None:
    llm = fake.llm("my-service", capabilities={"tools": True, "tool_choice": False})
    fake.script(Answer(tool_calls=TWO_CALLS[:1]))
    response = llm.chat_with_tools(TOOLS, user_msg="2+3?")
    assert "tool_choice" not in fake.requests[-1]
    assert [s.tool_name for s in llm.get_tool_calls_from_response(response)] == ["add"]
    with pytest.raises(UnsupportedParameterError, match="tool_choice"):
        llm.chat_with_tools(TOOLS, user_msg="2+3?", tool_required=True)
    assert len(fake.requests) == 1


def test_a_tool_output_without_call_id_is_a_user_turn_the_default_model_takes(
    fake: FakeQianfan,
) -> None:
    default = fake.llm(model="ernie-4.5-turbo-32k")
    history = [
        ChatMessage(role="user", content="2+3?"),
        ChatMessage(role="assistant", content="I will add them."),
        ChatMessage(role="tool", content="5"),
    ]
    default.chat_with_tools(TOOLS, chat_history=history)
    assert fake.sent_roles() == ["user", "assistant", "user"]
