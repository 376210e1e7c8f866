"""Wenxin inside LlamaIndex: Settings, query engines, chat engines, structured outputs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core import Document, Settings, SummaryIndex, VectorStoreIndex
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.chat_engine.types import ChatMode
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from llama_index_wenxin import Wenxin
from tests.llama_index.li_helpers import EventCollector, HashEmbedding, WireLog
from wenxin_core.emulator.server import EmulatorServer

DOCS = [
    Document(text="The giant panda lives in the mountains of Sichuan and eats bamboo."),
    Document(text="The red fox is found across the Northern Hemisphere and eats rodents."),
    Document(text="Qianfan is Baidu's platform for large language models such as ERNIE."),
]


@pytest.fixture
def counter() -> TokenCountingHandler:
    return TokenCountingHandler(tokenizer=lambda text: text.split())


@pytest.fixture
def configured(make_llm: Any, embed_model: HashEmbedding, counter: TokenCountingHandler) -> Wenxin:
    """Settings.llm is a Wenxin on the emulator; embeddings are local; tokens are counted."""
    Settings.callback_manager = CallbackManager([counter])
    Settings.embed_model = embed_model
    Settings.llm = make_llm()
    llm = Settings.llm
    assert isinstance(llm, Wenxin)
    return llm


def _assert_counted(counter: TokenCountingHandler, wire: WireLog, calls: int) -> None:
    prompt, completion = wire.totals()
    assert len(wire.usages()) == calls
    assert len(counter.llm_token_counts) == calls
    assert counter.prompt_llm_token_count == prompt
    assert counter.completion_llm_token_count == completion
    assert counter.total_llm_token_count == prompt + completion


def test_settings_llm_is_used(configured: Wenxin) -> None:
    assert Settings.llm is configured
    assert Settings.llm.metadata.is_chat_model


def test_vector_query_engine(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog, emulator: EmulatorServer
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    response = index.as_query_engine(similarity_top_k=1).query("giant panda bamboo diet")
    assert "giant panda bamboo diet" in str(response)
    assert len(response.source_nodes) == 1
    assert "panda" in response.source_nodes[0].node.get_content()
    sent = emulator.requests[-1]["body"]["messages"][-1]["content"]
    assert "bamboo" in sent  # the retrieved context reached the model
    _assert_counted(counter, wire, 1)


async def test_vector_query_engine_async(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    response = await index.as_query_engine(similarity_top_k=2).aquery("Where do foxes live?")
    assert "Where do foxes live?" in str(response)
    _assert_counted(counter, wire, 1)


def test_vector_query_engine_streaming(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog, events: EventCollector
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    response = index.as_query_engine(streaming=True).query("What is Qianfan?")
    assert isinstance(response, StreamingResponse)
    tokens = list(response.response_gen)
    assert len(tokens) > 1
    assert "What is Qianfan?" in "".join(tokens)
    _assert_counted(counter, wire, 1)
    assert events.count("LLMChatStartEvent") == 1
    assert events.count("LLMChatEndEvent") == 1


async def test_vector_query_engine_async_streaming(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    response = await index.as_query_engine(streaming=True).aquery("What is Qianfan?")
    tokens = [t async for t in response.async_response_gen()]  # type: ignore[union-attr]
    assert "What is Qianfan?" in "".join(tokens)
    _assert_counted(counter, wire, 1)


def test_summary_index(configured: Wenxin, counter: TokenCountingHandler, wire: WireLog) -> None:
    index = SummaryIndex.from_documents(DOCS)
    engine = index.as_query_engine(response_mode="tree_summarize")
    response = engine.query("Summarise the animals")
    assert str(response)
    assert len(wire.usages()) >= 1
    _assert_counted(counter, wire, len(wire.usages()))


def test_condense_plus_context_chat_engine(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog, emulator: EmulatorServer
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    engine = index.as_chat_engine(chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT, similarity_top_k=1)
    first = engine.chat("What does the panda eat?")
    assert "What does the panda eat?" in str(first)
    assert len(wire.usages()) == 1  # no history yet: no condense step
    second = engine.chat("And where does it live?")
    assert str(second)
    third = engine.chat("Is it related to the fox?")
    assert str(third)
    # turns 2 and 3: one condense call (complete) + one answer call (chat) each
    assert len(wire.usages()) == 5
    condense = emulator.requests[-2]["body"]["messages"]
    assert "And where does it live?" in condense[-1]["content"]
    answer = emulator.requests[-1]["body"]["messages"]
    roles = [m["role"] for m in answer]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "eats" in answer[0]["content"]  # the retrieved context, in the system turn
    assert len(engine.chat_history) == 6
    _assert_counted(counter, wire, 5)


async def test_condense_plus_context_chat_engine_async(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    engine = index.as_chat_engine(chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT)
    await engine.achat("What does the panda eat?")
    await engine.achat("And the fox?")
    streamed = await engine.astream_chat("Which one is bigger?")
    text = "".join([t async for t in streamed.async_response_gen()])
    assert "Which one is bigger?" in text
    _assert_counted(counter, wire, 5)


def test_condense_plus_context_streaming(
    configured: Wenxin, counter: TokenCountingHandler, wire: WireLog
) -> None:
    index = VectorStoreIndex.from_documents(DOCS)
    engine = index.as_chat_engine(chat_mode=ChatMode.CONDENSE_PLUS_CONTEXT)
    engine.chat("What does the panda eat?")
    streamed = engine.stream_chat("And the fox?")
    text = "".join(streamed.response_gen)
    assert "And the fox?" in text
    # response_gen joins the thread that writes the answer to memory
    assert len(engine.chat_history) == 4
    _assert_counted(counter, wire, 3)


def test_simple_chat_engine_with_system_prompt(
    configured: Wenxin, emulator: EmulatorServer
) -> None:
    from llama_index.core.chat_engine import SimpleChatEngine

    engine = SimpleChatEngine.from_defaults(system_prompt="Answer in one word.")
    engine.chat("Hi")
    engine.chat("Again")
    messages = emulator.requests[-1]["body"]["messages"]
    assert messages[0] == {"role": "system", "content": "Answer in one word."}
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]


class Animal(BaseModel):
    """An animal and what it eats."""

    name: str
    food: str


@pytest.fixture
def text_only(make_llm: Any) -> Wenxin:
    """A model with neither tools nor a JSON mode: structured output is parsed text.

    (Tool and ``response_format`` methods: test_llamaindex_structured.py.)
    """
    model: Wenxin = make_llm(model="llama-2-13b-chat")
    return model


def test_structured_predict(text_only: Wenxin, emulator: EmulatorServer) -> None:
    emulator.script(json.dumps({"name": "panda", "food": "bamboo"}))
    result = text_only.structured_predict(
        Animal, PromptTemplate("Describe the animal in {text}"), text="Sichuan"
    )
    assert result == Animal(name="panda", food="bamboo")
    assert "Sichuan" in emulator.requests[-1]["body"]["messages"][-1]["content"]


async def test_astructured_predict(text_only: Wenxin, emulator: EmulatorServer) -> None:
    emulator.script('Here it is: {"name": "fox", "food": "rodents"}')
    result = await text_only.astructured_predict(
        Animal, PromptTemplate("Describe the animal in {text}"), text="the north"
    )
    assert result == Animal(name="fox", food="rodents")


def test_structured_llm(text_only: Wenxin, emulator: EmulatorServer) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    emulator.script(json.dumps({"name": "panda", "food": "bamboo"}))
    structured = text_only.as_structured_llm(Animal)
    response = structured.chat([ChatMessage(role="user", content="Describe a panda")])
    assert response.raw == Animal(name="panda", food="bamboo")
