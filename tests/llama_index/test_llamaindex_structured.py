"""Structured output by the model's own method, against a scripted V2 service (MockTransport).

A forced tool call where the model has tools and tool_choice, else ``response_format``
json_schema, else json_object (the schema in the prompt), else parsed text: sync, async,
streamed and through ``as_structured_llm``; one LLM call each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from tests.llama_index.li_fakes import Answer, FakeQianfan, call
from tests.llama_index.li_helpers import EventCollector

PANDA = {"name": "panda", "food": "bamboo"}
PROMPT = PromptTemplate("Describe the animal of {place}.")


class Animal(BaseModel):
    """An animal and what it eats."""

    name: str
    food: str


@pytest.fixture
def fake() -> FakeQianfan:
    return FakeQianfan()


def _tool_answer(arguments: Any = PANDA) -> Answer:
    return Answer(tool_calls=[call("call-1", "Animal", arguments)])


# -- tools -------------------------------------------------------------------------------------


def test_by_a_forced_tool_call(fake: FakeQianfan, events: EventCollector) -> None:
    llm = fake.llm("deepseek-v3.2")
    fake.script(_tool_answer())
    assert llm.structured_predict(Animal, PROMPT, place="Sichuan") == Animal(**PANDA)
    body = fake.requests[-1]
    assert [t["function"]["name"] for t in body["tools"]] == ["Animal"]
    assert body["tool_choice"] == "required"
    assert "response_format" not in body
    assert "Sichuan" in body["messages"][-1]["content"]
    assert events.count("LLMChatStartEvent") == 1 and len(fake.requests) == 1
    assert events.count("LLMStructuredPredictEndEvent") == 1


async def test_by_a_forced_tool_call_async(fake: FakeQianfan) -> None:
    llm = fake.llm("ernie-4.5-turbo-32k")  # the default model has tools and tool_choice
    fake.script(_tool_answer())
    assert await llm.astructured_predict(Animal, PROMPT, place="Sichuan") == Animal(**PANDA)
    assert fake.requests[-1]["tool_choice"] == "required"


def test_structured_llm_by_tools(fake: FakeQianfan) -> None:
    fake.script(_tool_answer())
    structured = fake.llm().as_structured_llm(Animal)
    response = structured.chat([ChatMessage(role="user", content="Describe a panda")])
    assert response.raw == Animal(**PANDA)
    assert json.loads(response.message.content or "") == PANDA
    assert fake.requests[-1]["tools"][0]["function"]["name"] == "Animal"


def test_streamed_by_tools(fake: FakeQianfan) -> None:
    fake.script(_tool_answer())
    partials = list(fake.llm().stream_structured_predict(Animal, PROMPT, place="Sichuan"))
    assert len(partials) > 1
    assert partials[-1] == Animal(**PANDA)
    assert fake.requests[-1]["stream"] is True and "tools" in fake.requests[-1]


async def test_astreamed_by_tools(fake: FakeQianfan) -> None:
    fake.script(_tool_answer())
    stream = await fake.llm().astream_structured_predict(Animal, PROMPT, place="Sichuan")
    partials = [p async for p in stream]
    assert partials[-1] == Animal(**PANDA)


# -- response_format ---------------------------------------------------------------------------


def test_json_schema_where_the_model_has_no_tools(
    fake: FakeQianfan, events: EventCollector
) -> None:
    llm = fake.llm("deepseek-v3.2", capabilities={"tools": False, "tool_choice": False})
    assert llm.metadata.is_function_calling_model is False
    fake.script(Answer(content=json.dumps(PANDA)))
    assert llm.structured_predict(Animal, PROMPT, place="Sichuan") == Animal(**PANDA)
    body = fake.requests[-1]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Animal", "schema": Animal.model_json_schema()},
    }
    assert "tools" not in body and "tool_choice" not in body
    assert events.count("LLMChatStartEvent") == 1
    assert events.count("LLMStructuredPredictStartEvent") == 1
    assert events.count("LLMStructuredPredictEndEvent") == 1


def test_json_object_where_the_model_has_only_that(fake: FakeQianfan) -> None:
    llm = fake.llm("ernie-speed-pro-128k")  # json_object, no json_schema, no tools
    fake.script(Answer(content="```json\n" + json.dumps(PANDA) + "\n```"))
    assert llm.structured_predict(Animal, PROMPT, place="Sichuan") == Animal(**PANDA)
    body = fake.requests[-1]
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]
    assert system["role"] == "system" and "JSON" in system["content"]
    assert '"food"' in system["content"]  # the schema is in the prompt
    assert body["messages"][-1]["role"] == "user"


async def test_json_modes_async_and_structured_llm(fake: FakeQianfan) -> None:
    llm = fake.llm("ernie-speed-pro-128k")
    fake.script(Answer(content=json.dumps(PANDA)), Answer(content=json.dumps(PANDA)))
    assert await llm.astructured_predict(Animal, PROMPT, place="x") == Animal(**PANDA)
    response = await llm.as_structured_llm(Animal).achat([ChatMessage(role="user", content="x")])
    assert response.raw == Animal(**PANDA)
    assert fake.requests[-1]["response_format"] == {"type": "json_object"}


def test_json_schema_streamed(fake: FakeQianfan) -> None:
    llm = fake.llm("deepseek-v3.2", capabilities={"tools": False})
    fake.script(Answer(content=json.dumps(PANDA)))
    partials = list(llm.stream_structured_predict(Animal, PROMPT, place="x"))
    assert len(partials) > 1 and partials[-1] == Animal(**PANDA)
    assert fake.requests[-1]["response_format"]["type"] == "json_schema"


async def test_json_object_astreamed(fake: FakeQianfan) -> None:
    llm = fake.llm("ernie-speed-pro-128k")
    fake.script(Answer(content=json.dumps(PANDA)))
    stream = await llm.astream_structured_predict(Animal, PROMPT, place="x")
    assert [p async for p in stream][-1] == Animal(**PANDA)


# -- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "capabilities"),
    [
        ("llama-2-13b-chat", None),  # neither tools nor a JSON mode
        ("my-service", {"tools": True, "tool_choice": False}),  # tools, but no forced call
    ],
)
def test_text_where_nothing_else_is_possible(
    fake: FakeQianfan, model: str, capabilities: dict[str, Any] | None
) -> None:
    llm = fake.llm(model, capabilities=capabilities)
    fake.script(Answer(content="Here: " + json.dumps(PANDA)))
    assert llm.structured_predict(Animal, PROMPT, place="x") == Animal(**PANDA)
    body = fake.requests[-1]
    assert not {"tools", "tool_choice", "response_format"} & set(body)


def test_a_program_mode_set_by_the_user_is_honoured(fake: FakeQianfan) -> None:
    llm = fake.llm("deepseek-v3.2", pydantic_program_mode=PydanticProgramMode.LLM)
    fake.script(Answer(content=json.dumps(PANDA)))
    assert llm.structured_predict(Animal, PROMPT, place="x") == Animal(**PANDA)
    assert not {"tools", "response_format"} & set(fake.requests[-1])
