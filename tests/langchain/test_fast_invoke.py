"""``ChatWenxin.ainvoke`` and the items of ``abatch`` with no handler behave as LangChain's default.

The fast paths skip work LangChain's default does (validation of objects that are ours, the
callbacks when no handler listens, ``_agenerate_with_cache`` where it would only call
``_agenerate``); each test runs the same calls through the fast path and through the default
(``BaseChatModel.ainvoke`` / ``Runnable.abatch``) over real HTTP to the emulator and compares
the messages whole: type, every field, the set fields, with only what differs between any two
calls (service ids, the quota left) left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import set_llm_cache
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompt_values import StringPromptValue
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableConfig, RunnableLambda
from pydantic import BaseModel, PrivateAttr

from langchain_wenxin import ChatWenxin
from langchain_wenxin._batch import FastBatch
from langchain_wenxin._construct import construct
from langchain_wenxin._replies import ai_message, chat_generation, chat_result
from langchain_wenxin.messages import convert_message, convert_messages
from tests.langchain.lc_helpers import make_llm
from tests.langchain.test_batch_fast_path import Recorder, both_paths, comparable, default_abatch
from wenxin_core import AsyncWenxinClient
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.types import ChatCompletion

REASONER = "ernie-x1.1"
"""A reasoning model: its answers carry reasoning text and reasoning tokens."""

PER_CALL = ("id", "request_id", "rate_limits")
"""Response metadata that differs between any two calls."""


def whole(message: BaseMessage) -> tuple[Any, ...]:
    """A message as a comparable whole: its type, fields and set fields, per-call ids left out.

    The message id is kept as its shape: the service's (``as-...``) or LangChain's
    ``lc_run-`` id made from the run id.
    """
    fields = dict(message.__dict__)
    fields["response_metadata"] = {
        k: v for k, v in message.response_metadata.items() if k not in PER_CALL
    }
    ident = str(fields.pop("id"))
    fields["tool_calls"] = [{**call, "id": None} for call in fields.get("tool_calls", [])]
    return (
        type(message),
        fields,
        sorted(message.model_fields_set),
        message.__pydantic_extra__,
        message.__pydantic_private__,
        ident.startswith("lc_run-"),
    )


def validated_twin(message: BaseMessage) -> BaseMessage:
    """``message`` built again through its class's validating constructor, from its set fields."""
    return type(message)(**{name: getattr(message, name) for name in message.model_fields_set})


@contextmanager
def default_ainvoke() -> Iterator[None]:
    """``ChatWenxin.ainvoke`` is LangChain's ``BaseChatModel.ainvoke`` for the duration."""
    fast = ChatWenxin.ainvoke
    ChatWenxin.ainvoke = BaseChatModel.ainvoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        ChatWenxin.ainvoke = fast  # type: ignore[method-assign]


Calls = Callable[[ChatWenxin, Recorder], Awaitable[list[Any]]]

on_both_paths = both_paths
"""``calls`` on a fresh model and recorder: the fast paths, then LangChain's defaults."""


async def assert_same_messages(
    server: EmulatorServer, calls: Calls, **options: Any
) -> tuple[list[Any], Recorder]:
    """Both paths give equal messages whole (and equal callback events); the fast results."""
    (fast, fast_events), (default, default_events) = await on_both_paths(server, calls, **options)
    assert len(fast) == len(default)
    for mine, theirs in zip(fast, default, strict=True):
        if isinstance(theirs, BaseMessage):
            assert whole(mine) == whole(theirs)
        else:
            assert comparable(mine) == comparable(theirs)
    assert fast_events.normalised() == default_events.normalised()
    return fast, fast_events


# -- objects built without validation equal the validated ones ----------------------------


async def completions(server: EmulatorServer) -> list[ChatCompletion]:
    """Real answers of every shape: text, reasoning with its tokens, good and bad tool calls."""
    base = server.v2_base_url
    client = AsyncWenxinClient("ernie-4.5-turbo-32k", api_key=DEFAULT_API_KEY, base_url=base)
    reasoner = AsyncWenxinClient(REASONER, api_key=DEFAULT_API_KEY, base_url=base)
    server.script_tool_calls(
        [
            {"name": "add", "arguments": {"a": 1, "b": 2}, "id": "call-good"},
            {"name": "add", "arguments": "a=1, b=2", "id": "call-bad"},
            {"name": "add", "arguments": "[1, 2]", "id": "call-list"},
        ]
    )
    tools = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]
    try:
        answers = [await client.chat([{"role": "user", "content": "sum"}], tools=tools)]
        answers.append(await client.chat([{"role": "user", "content": "Hello"}]))
        answers.append(await reasoner.chat([{"role": "user", "content": "Why?"}]))
    finally:
        await client.aclose()
        await reasoner.aclose()
    assert answers[0].tool_calls and answers[2].reasoning and answers[2].usage is not None
    return [*answers, dataclasses.replace(answers[1], id="", usage=None)]


async def test_messages_built_unvalidated_equal_the_validated_ones(
    wenxin_emulator: EmulatorServer,
) -> None:
    for completion in await completions(wenxin_emulator):
        message = ai_message(completion, "label")
        twin = validated_twin(message)
        assert type(twin) is AIMessage and twin.__dict__ == message.__dict__
        assert list(twin.__dict__) == list(message.__dict__) and repr(twin) == repr(message)
        assert twin.model_fields_set == message.model_fields_set
        assert twin.__pydantic_extra__ == message.__pydantic_extra__ == {}
        generation = chat_generation(message)
        validated = ChatGeneration(message=message)
        assert generation.__dict__ == validated.__dict__
        assert generation.__pydantic_extra__ == validated.__pydantic_extra__
        assert generation.model_fields_set == validated.model_fields_set
        result = chat_result(message)
        assert result.model_fields_set == {"generations"} and result.llm_output is None
    first = ai_message((await completions(wenxin_emulator))[0], "label")
    assert [c["id"] for c in first.tool_calls] == ["call-good"]
    assert [c["id"] for c in first.invalid_tool_calls] == ["call-bad", "call-list"]


def test_a_generation_of_block_content_is_validated() -> None:
    message = AIMessage(content=[{"type": "text", "text": "a"}, {"text": "b"}])
    assert chat_generation(message).text == ChatGeneration(message=message).text == "ab"


def test_a_string_input_gives_the_default_human_message() -> None:
    model = ChatWenxin(api_key=DEFAULT_API_KEY)
    batch = FastBatch.plan(model, ["hello", "again"], None, {})
    assert batch is not None
    (mine,) = batch._messages("hello")
    (theirs,) = StringPromptValue(text="hello").to_messages()
    assert type(mine) is type(theirs) is HumanMessage
    assert mine.__dict__ == theirs.__dict__ and mine.model_fields_set == theirs.model_fields_set
    assert mine.__pydantic_extra__ == theirs.__pydantic_extra__ and repr(mine) == repr(theirs)
    mine.name = "set later"  # its own set of set fields, as a validated message's
    assert mine.model_fields_set == {"content", "name"} and batch._messages("x")[0].name is None


class Private(BaseModel):
    """A model with a private attribute: ``construct`` leaves it to ``model_construct``."""

    value: int
    _secret: int = PrivateAttr(default=7)


def test_construct_defers_to_model_construct_where_it_must() -> None:
    built = construct(Private, {"value": 1}, {"value"})
    assert built._secret == 7 and built == Private(value=1)
    partial = construct(HumanMessage, {"content": "hi"}, {"content"})  # not every field
    assert partial.__dict__ == HumanMessage(content="hi").__dict__


# -- ainvoke ---------------------------------------------------------------------------------


async def test_ainvoke_with_no_callbacks(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        inputs: list[LanguageModelInput] = [
            "a string",
            [HumanMessage("a list", id="given"), AIMessage("an answer"), ("human", "and more")],
            [HumanMessage([{"type": "text", "text": "blocks"}])],
        ]
        outputs = [await model.ainvoke(value) for value in inputs]
        outputs.append(await model.ainvoke("options", stop=["never"], seed=3, temperature=0))
        return outputs

    outputs, _ = await assert_same_messages(wenxin_emulator, calls)
    assert str(outputs[0].content).startswith("You said: a string")
    assert str(outputs[2].content).startswith("You said: blocks")


async def test_ainvoke_of_tool_calls(wenxin_emulator: EmulatorServer) -> None:
    class Add(BaseModel):
        """Add two numbers."""

        a: int
        b: int

    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        wenxin_emulator.script_tool_calls(
            [
                {"name": "Add", "arguments": {"a": 1, "b": 2}, "id": "call-good"},
                {"name": "Add", "arguments": "a=1", "id": "call-bad"},
            ]
        )
        return [await model.bind_tools([Add]).ainvoke("sum")]

    outputs, _ = await assert_same_messages(wenxin_emulator, calls)
    assert outputs[0].tool_calls and outputs[0].invalid_tool_calls


async def test_ainvoke_of_a_reasoning_model(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        return [await model.ainvoke("Why?"), await model.ainvoke("Why?", {"callbacks": [recorder]})]

    outputs, recorder = await assert_same_messages(wenxin_emulator, calls, model=REASONER)
    assert all(o.additional_kwargs["reasoning_content"] for o in outputs)
    assert outputs[0].usage_metadata["output_token_details"]["reasoning"] > 0
    assert [e["kind"] for e in recorder.events] == ["chat_model_start", "llm_end"]


async def test_ainvoke_callbacks_tags_metadata_run_name_and_run_id(
    wenxin_emulator: EmulatorServer,
) -> None:
    run_id = uuid4()

    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        model.tags, model.metadata = ["model-tag"], {"model": "level"}
        config: RunnableConfig = {
            "callbacks": [recorder],
            "tags": ["t"],
            "metadata": {"user": "ada"},
            "run_name": "named",
            "run_id": run_id,
        }
        return [await model.ainvoke("hi", config, stop=["never"], seed=7)]

    (fast, fast_events), (default, default_events) = await on_both_paths(wenxin_emulator, calls)
    assert whole(fast[0]) == whole(default[0])
    assert fast_events.normalised(frozenset({run_id})) == default_events.normalised(
        frozenset({run_id})
    )
    start = fast_events.events[0]
    assert start["run"] == run_id and start["name"] == "named"
    assert start["tags"] == ["t", "model-tag"] and start["metadata"]["user"] == "ada"


async def test_ainvoke_errors_reach_the_callbacks_alike(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        outputs: list[Any] = []
        audio = HumanMessage(
            [{"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}}]
        )
        heard: RunnableConfig = {"callbacks": [recorder]}
        cases: list[tuple[LanguageModelInput, bool, RunnableConfig | None]] = [
            ("a", True, heard),
            ([("human", "x"), ("ai", "y")], False, heard),
            ([audio], False, heard),  # normalised first: the error names the "audio" block
            ([audio], False, None),
            ("b", True, None),
        ]
        for value, inject, config in cases:
            if inject:
                wenxin_emulator.inject_v2_error(400, "invalid_argument")
            try:
                outputs.append(await model.ainvoke(value, config))
            except Exception as error:
                outputs.append(error)
        return outputs

    outputs, recorder = await assert_same_messages(wenxin_emulator, calls, max_retries=0)
    kinds = [type(o).__name__ for o in outputs]
    assert kinds == [
        "InvalidRequestError",
        "InvalidMessagesError",
        "InvalidMessagesError",
        "InvalidMessagesError",
        "InvalidRequestError",
    ]
    assert "'audio'" in str(outputs[2]) and "'audio'" in str(outputs[3])
    assert [e["kind"] for e in recorder.events].count("llm_error") == 3


async def test_ainvoke_with_the_model_cache_a_global_cache_and_a_rate_limiter(
    wenxin_emulator: EmulatorServer,
) -> None:
    acquired: list[int] = []

    class CountingLimiter(InMemoryRateLimiter):
        async def aacquire(self, *, blocking: bool = True) -> bool:
            acquired.append(1)
            return await super().aacquire(blocking=blocking)

    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        model.rate_limiter = CountingLimiter(requests_per_second=200, check_every_n_seconds=0.01)
        model.cache = InMemoryCache()
        outputs = [await model.ainvoke("a"), await model.ainvoke("a")]
        model.cache = None
        set_llm_cache(InMemoryCache())
        try:
            outputs += [
                await model.ainvoke("b"),
                await model.ainvoke("b", {"callbacks": [recorder]}),
            ]
        finally:
            set_llm_cache(None)
        model.cache = True  # asked to cache with no cache set: the default raises
        with pytest.raises(ValueError, match="no cache found"):
            await model.ainvoke("c")
        return [*outputs, wenxin_emulator.chat_calls]

    acquired.clear()
    outputs, _ = await assert_same_messages(wenxin_emulator, calls)
    assert outputs[-1] == 2 and outputs[1].content == outputs[0].content
    assert len(acquired) == 2 * 2  # per request, on each path


async def test_ainvoke_of_a_streaming_model(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        quiet = await model.ainvoke("quiet")
        return [quiet, await model.ainvoke("heard", {"callbacks": [recorder]})]

    _, recorder = await assert_same_messages(wenxin_emulator, calls, streaming=True)
    assert any(e["kind"] == "new_token" for e in recorder.events)


async def test_ainvoke_with_output_version_v1(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        return [await model.ainvoke("Why?")]

    outputs, _ = await assert_same_messages(
        wenxin_emulator, calls, model=REASONER, output_version="v1"
    )
    assert isinstance(outputs[0].content, list) and outputs[0].content[0]["type"] == "reasoning"


async def test_a_subclass_overriding_agenerate_keeps_its_own(
    wenxin_emulator: EmulatorServer,
) -> None:
    class Tagged(ChatWenxin):
        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            result = await super()._agenerate(*args, **kwargs)
            result.generations[0].message.content = "tagged"
            return result

    options: dict[str, Any] = {"api_key": DEFAULT_API_KEY}
    model = Tagged(base_url=wenxin_emulator.v2_base_url, **options)
    assert (await model.ainvoke("hi")).content == "tagged"
    assert [m.content for m in await model.abatch(["a", "b"])] == ["tagged", "tagged"]
    await model.aclose()


# -- items with no handler --------------------------------------------------------------------


async def test_a_batch_with_no_callbacks(wenxin_emulator: EmulatorServer) -> None:
    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        inputs: list[LanguageModelInput] = ["a", [("system", "Be brief."), ("human", "b")], "c"]
        return await model.abatch(inputs, {"max_concurrency": 2}, stop=["never"], seed=1)

    await assert_same_messages(wenxin_emulator, calls)


def blank_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer arrives without an id (the service may send none), still over HTTP."""
    chat = AsyncWenxinClient.chat

    async def without_id(self: AsyncWenxinClient, *args: Any, **kwargs: Any) -> ChatCompletion:
        return dataclasses.replace(await chat(self, *args, **kwargs), id="")

    monkeypatch.setattr(AsyncWenxinClient, "chat", without_id)


async def test_an_answer_without_an_id_gets_the_run_id_of_the_default(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    blank_ids(monkeypatch)
    ids = [uuid4() for _ in range(4)]

    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        quiet = await model.ainvoke("quiet", {"run_id": ids[0]})
        heard = await model.ainvoke("heard", {"run_id": ids[1], "callbacks": [recorder]})
        configs: list[RunnableConfig] = [{"run_id": ids[2]}, {"run_id": ids[3]}]
        return [quiet, heard, *await model.abatch(["x", "y"], configs), await model.ainvoke("z")]

    (fast, _), (default, _) = await on_both_paths(wenxin_emulator, calls)
    assert [m.id for m in fast[:4]] == [m.id for m in default[:4]]
    assert [m.id for m in fast[:4]] == [f"lc_run--{run_id}-0" for run_id in ids]
    made_up = str(fast[4].id)
    assert made_up.startswith("lc_run--") and UUID(made_up[8:-2]).version == 7


async def test_items_with_no_handler_skip_the_framework(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path is the one taken: no ``_agenerate_with_cache`` or callback start."""
    entered: list[str] = []
    for name in ("_agenerate_with_cache",):
        original = getattr(BaseChatModel, name)

        def counting(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            entered.append("cache")
            return _original(*args, **kwargs)

        monkeypatch.setattr(BaseChatModel, name, counting)
    model = make_llm(wenxin_emulator)
    await model.ainvoke("a")
    await model.abatch(["b", "c"])
    assert entered == []
    await model.ainvoke("d", {"callbacks": [Recorder()]})
    model.cache = InMemoryCache()
    await model.ainvoke("e")
    assert entered == ["cache"]
    with default_abatch():
        await model.ainvoke("f")
    assert entered == ["cache", "cache"]
    await model.aclose()


def test_a_plain_human_turn_converts_as_convert_message_does() -> None:
    class Custom(HumanMessage):
        """A subclass: converted the general way."""

    turns: list[BaseMessage] = [
        HumanMessage("plain"),
        HumanMessage("named", name="ada"),
        HumanMessage([{"type": "text", "text": "blocks"}]),
        Custom(content="custom"),
        HumanMessage(""),
    ]
    assert convert_messages(turns) == [
        convert_message(turn, index=i) for i, turn in enumerate(turns)
    ]
    assert convert_messages(turns)[1]["content"] == "ada: named"


class Instant(BaseChatModel):
    """Another LangChain model: batched by ``FastBatch`` through ``_agenerate_with_cache``."""

    @property
    def _llm_type(self) -> str:
        return "instant"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(str(messages[0].content)))])


async def test_the_batch_path_takes_any_chat_model() -> None:
    model = Instant()
    batch = FastBatch.plan(model, ["a", "b"], None, {})
    assert batch is not None and batch.call is None
    outputs = await batch.run(return_exceptions=False)
    assert [o.content for o in outputs] == ["a", "b"]
    assert [o.content for o in await BaseChatModel.abatch(model, ["a", "b"])] == ["a", "b"]
    assert all(str(o.id).startswith("lc_run--") for o in outputs)


async def test_ainvoke_under_astream_events_streams_as_the_default(
    wenxin_emulator: EmulatorServer,
) -> None:
    """``astream_events`` attaches a streaming handler: the model call streams on both paths."""

    async def calls(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        async def ask(question: str) -> BaseMessage:
            return await model.ainvoke(question)

        chain = RunnableLambda(ask, name="ask")
        events = [e async for e in chain.astream_events("Tell me a story", version="v2")]
        kinds = [(e["event"], e["name"]) for e in events]
        return [kinds, events[-1]["data"]["output"]]

    (fast, _), (default, _) = await on_both_paths(wenxin_emulator, calls)
    assert fast[0] == default[0] and ("on_chat_model_stream", "ChatWenxin") in fast[0]
    assert whole(fast[1]) == whole(default[1])
