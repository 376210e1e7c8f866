"""Structured output on the emulator (real HTTP): each model by its own method.

The default model (tools and tool_choice) by a forced tool call, a model with only
``json_schema`` by that, ERNIE Speed Pro (``json_object`` only) by that; the emulator fills
the schema from the prompt's ``name: value`` pairs, and refuses what a model does not take.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from wenxin_core.emulator.server import EmulatorServer

PROMPT = PromptTemplate("Extract the animal. {text}")
TEXT = "name: panda, food: bamboo"


class Animal(BaseModel):
    """An animal and what it eats."""

    name: str
    food: str


class Reply(BaseModel):
    """A reply in one field."""

    answer: str


def _chat_bodies(emulator: EmulatorServer) -> list[dict[str, Any]]:
    return [r["body"] for r in emulator.requests if r["path"].endswith("/chat/completions")]


def test_default_model_by_a_forced_tool_call(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm()
    assert llm.structured_predict(Animal, PROMPT, text=TEXT) == Animal(name="panda", food="bamboo")
    (body,) = _chat_bodies(emulator)
    assert body["tool_choice"] == "required" and body["tools"][0]["function"]["name"] == "Animal"


async def test_tools_async_and_streamed(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="deepseek-v3.2")
    expected = Animal(name="panda", food="bamboo")
    assert await llm.astructured_predict(Animal, PROMPT, text=TEXT) == expected
    partials = list(llm.stream_structured_predict(Animal, PROMPT, text=TEXT))
    assert partials[-1] == expected
    stream = await llm.astream_structured_predict(Animal, PROMPT, text=TEXT)
    assert [p async for p in stream][-1] == expected


def test_structured_llm(make_llm: Any, emulator: EmulatorServer) -> None:
    structured = make_llm(model="deepseek-v3.2").as_structured_llm(Animal)
    response = structured.chat([ChatMessage(role="user", content=f"Extract the animal. {TEXT}")])
    assert response.raw == Animal(name="panda", food="bamboo")


def test_json_schema_without_tools(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="deepseek-v3.2", capabilities={"tools": False, "tool_choice": False})
    assert llm.structured_predict(Animal, PROMPT, text=TEXT) == Animal(name="panda", food="bamboo")
    (body,) = _chat_bodies(emulator)
    assert body["response_format"]["type"] == "json_schema" and "tools" not in body


def test_json_object_only(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model="ernie-speed-pro-128k")
    result = llm.structured_predict(Reply, PROMPT, text=TEXT)
    assert isinstance(result, Reply) and result.answer
    (body,) = _chat_bodies(emulator)
    assert body["response_format"] == {"type": "json_object"}
