"""``ChatWenxin.abatch``'s fast path behaves as LangChain's default ``Runnable.abatch``.

Each test runs the same batch twice over real HTTP to the emulator: once through the fast path
(``ChatWenxin.abatch``), once through the default (``ChatWenxin.abatch`` swapped for
``BaseChatModel.abatch``, i.e. ``Runnable.abatch``), and compares the outputs and every callback
event (kind, run and parent run, tags, metadata, name, params, options), with run ids replaced
by stable labels where LangChain makes them up.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import AsyncCallbackHandler, AsyncCallbackManager
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import LLMResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langsmith.run_helpers import tracing_context
from langsmith.run_trees import RunTree
from pydantic import BaseModel

from langchain_wenxin import ChatWenxin
from tests.langchain.lc_helpers import MODEL, make_llm
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

PER_CALL_METADATA = ("id", "request_id", "rate_limits")
"""Response metadata that differs between any two calls (ids, the quota left)."""


class Recorder(AsyncCallbackHandler):
    """Records every event with its run ids, tags, metadata and the arguments LangChain sent."""

    def __init__(self, on_start: Callable[[int], None] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.on_start = on_start

    def _record(self, kind: str, run_id: UUID, parent_run_id: UUID | None, **data: Any) -> None:
        self.events.append({"kind": kind, "run": run_id, "parent": parent_run_id, **data})

    async def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: dict[str, Any] | Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._record("chain_start", run_id, parent_run_id, inputs=repr(comparable(inputs)))

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.on_start is not None:
            self.on_start(len([e for e in self.events if e["kind"] == "chat_model_start"]))
        self._record(
            "chat_model_start",
            run_id,
            parent_run_id,
            serialized=serialized["id"],
            prompt=[[(m.type, m.content) for m in batch] for batch in messages],
            tags=tags,
            metadata=metadata,
            **kwargs,
        )

    async def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self._record("new_token", run_id, parent_run_id, token=token)

    async def on_llm_end(
        self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self.in_flight -= 1
        texts = [[g.text for g in batch] for batch in response.generations]
        self._record("llm_end", run_id, parent_run_id, texts=texts, tags=kwargs.get("tags"))

    async def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.in_flight -= 1
        response = kwargs.get("response")
        generations = response.generations if response is not None else None
        error_of = error_summary(error)
        self._record("llm_error", run_id, parent_run_id, error=error_of, response=generations)

    def normalised(self, given_ids: frozenset[UUID] = frozenset()) -> list[list[dict[str, Any]]]:
        """The events grouped by run (runs sorted by label), ids made stable.

        A run made up by LangChain is labelled by its first event (chain inputs or the prompt);
        ids the test gave in its configs are kept as they are.
        """
        labels: dict[UUID, Any] = {}
        for event in self.events:
            if event["run"] not in labels:
                label = event.get("inputs") or repr(event.get("prompt"))
                labels[event["run"]] = event["run"] if event["run"] in given_ids else label
        runs: dict[Any, list[dict[str, Any]]] = {}
        for event in self.events:
            stable = {**event, "run": labels[event["run"]]}
            stable["parent"] = labels.get(event["parent"], event["parent"])
            if "invocation_params" in stable:
                stable["invocation_params"] = dict(stable["invocation_params"])
            runs.setdefault(stable["run"], []).append(stable)
        return sorted(runs.values(), key=lambda events: repr(events[0]["run"]))


def error_summary(error: BaseException) -> tuple[str, str, Any]:
    """An error without its request id (each call has its own)."""
    message = getattr(error, "message", None) or str(error)
    return type(error).__name__, message, getattr(error, "status_code", None)


def comparable(output: Any) -> Any:
    """An output without what differs between any two calls (service ids, quota left)."""
    if isinstance(output, BaseException):
        return error_summary(output)
    if isinstance(output, dict):  # with_structured_output(include_raw=True)
        return {key: comparable(value) for key, value in output.items()}
    if not isinstance(output, AIMessage):
        return repr(output)
    metadata = {k: v for k, v in output.response_metadata.items() if k not in PER_CALL_METADATA}
    calls = [{**call, "id": None} for call in output.tool_calls]
    return (output.content, output.additional_kwargs, metadata, output.usage_metadata, calls)


@contextmanager
def default_abatch() -> Iterator[None]:
    """``ChatWenxin.abatch`` and ``ainvoke`` (which it calls) are LangChain's for the duration."""
    fast_batch, fast_invoke = ChatWenxin.abatch, ChatWenxin.ainvoke
    ChatWenxin.abatch = BaseChatModel.abatch  # type: ignore[method-assign]
    ChatWenxin.ainvoke = BaseChatModel.ainvoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        ChatWenxin.abatch = fast_batch  # type: ignore[method-assign]
        ChatWenxin.ainvoke = fast_invoke  # type: ignore[method-assign]


Batch = Callable[[ChatWenxin, Recorder], Awaitable[list[Any]]]


async def both_paths(
    server: EmulatorServer, batch: Batch, **model_options: Any
) -> tuple[tuple[list[Any], Recorder], tuple[list[Any], Recorder]]:
    """``batch`` on a fresh model and recorder, fast path first, then the default."""
    results = []
    for use_default in (False, True):
        server.reset()
        model = make_llm(server, **model_options)
        recorder = Recorder()
        if use_default:
            with default_abatch():
                outputs = await batch(model, recorder)
        else:
            outputs = await batch(model, recorder)
        await model.aclose()
        results.append((outputs, recorder))
    return results[0], results[1]


async def assert_same(
    server: EmulatorServer, batch: Batch, given_ids: frozenset[UUID] = frozenset(), **options: Any
) -> tuple[list[Any], Recorder]:
    """Both paths give equal outputs (in order) and equal events; the fast path's result."""
    (fast, fast_events), (default, default_events) = await both_paths(server, batch, **options)
    assert [comparable(o) for o in fast] == [comparable(o) for o in default]
    assert fast_events.normalised(given_ids) == default_events.normalised(given_ids)
    assert fast_events.events, "no callback ran"
    return fast, fast_events


# -- the fast path is the one taken -----------------------------------------------------------


def count_configures(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every ``AsyncCallbackManager.configure`` call (its arguments), still configuring."""
    configured: list[object] = []
    configure = AsyncCallbackManager.configure

    def counting(*args: Any, **kwargs: Any) -> AsyncCallbackManager:
        configured.append(args)
        return configure(*args, **kwargs)

    monkeypatch.setattr(AsyncCallbackManager, "configure", counting)
    return configured


async def test_one_callback_manager_per_batch_instead_of_one_per_item(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = count_configures(monkeypatch)
    model = make_llm(wenxin_emulator)
    await model.abatch(["a", "b", "c", "d"], config={"max_concurrency": 2})
    assert len(configured) == 1
    with default_abatch():
        await model.abatch(["a", "b", "c", "d"], config={"max_concurrency": 2})
    assert len(configured) == 1 + 4
    await model.aclose()


# -- outputs and callbacks ---------------------------------------------------------------------


async def test_plain_prompts_of_every_input_shape(wenxin_emulator: EmulatorServer) -> None:
    inputs: list[LanguageModelInput] = [
        "a string",
        [HumanMessage("a message list")],
        [("system", "Be brief."), ("human", "tuples")],
        ChatPromptTemplate.from_messages([("human", "a {kind}")]).invoke({"kind": "prompt"}),
        "a string",
    ]

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        return await model.abatch(inputs, config={"callbacks": [recorder]})

    outputs, recorder = await assert_same(wenxin_emulator, batch)
    assert [o.content.split(".")[0] for o in outputs] == [
        "You said: a string",
        "You said: a message list",
        "You said: tuples",
        "You said: a prompt",
        "You said: a string",
    ]
    starts = [e for e in recorder.events if e["kind"] == "chat_model_start"]
    assert len(starts) == 5 and all(e["batch_size"] == 1 for e in starts)
    assert starts[0]["invocation_params"]["_type"] == "wenxin-chat"
    assert starts[0]["metadata"]["ls_provider"] == "qianfan"


async def test_tags_metadata_run_name_and_model_level_callbacks(
    wenxin_emulator: EmulatorServer,
) -> None:
    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        model.tags = ["model-tag"]
        model.metadata = {"model": "level"}
        config: RunnableConfig = {
            "callbacks": [recorder],
            "tags": ["t1", "t2"],
            "metadata": {"user": "ada"},
            "run_name": "my-batch",
            "max_concurrency": 2,
        }
        return await model.abatch(["x", "y", "z"], config=config, stop=["never"], seed=7)

    _, recorder = await assert_same(wenxin_emulator, batch)
    start = recorder.events[0]
    assert start["name"] == "my-batch" and start["tags"] == ["t1", "t2", "model-tag"]
    assert start["metadata"]["user"] == "ada" and start["metadata"]["model"] == "level"
    assert start["invocation_params"]["seed"] == 7 and start["options"] == {"stop": ["never"]}


async def test_a_config_per_item_with_run_ids(wenxin_emulator: EmulatorServer) -> None:
    ids = [uuid4(), uuid4(), uuid4()]

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        other = Recorder()
        configs: list[RunnableConfig] = [
            {"callbacks": [recorder], "run_id": ids[0], "tags": ["first"]},
            {"callbacks": [recorder], "run_id": ids[1], "tags": ["first"]},
            {"callbacks": [recorder, other], "run_id": ids[2], "run_name": "third"},
        ]
        outputs = await model.abatch(["p", "q", "r"], configs)
        assert [e["run"] for e in other.events] == [ids[2], ids[2]]
        return outputs

    _, recorder = await assert_same(wenxin_emulator, batch, given_ids=frozenset(ids))
    assert {e["run"] for e in recorder.events} == set(ids)


async def test_a_parent_run_inside_a_runnable_lambda(wenxin_emulator: EmulatorServer) -> None:
    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        async def fan_out(prompts: list[LanguageModelInput]) -> list[Any]:
            return await model.abatch(prompts)  # the lambda's config reaches abatch

        outer = RunnableLambda(fan_out, name="fan-out")
        config: RunnableConfig = {"callbacks": [recorder], "tags": ["outer"]}
        return list(await outer.ainvoke(["one", "two", "three"], config))

    _, recorder = await assert_same(wenxin_emulator, batch)
    chain = recorder.events[0]
    starts = [e for e in recorder.events if e["kind"] == "chat_model_start"]
    assert len(starts) == 3 and {e["parent"] for e in starts} == {chain["run"]}


async def test_a_chain_gives_each_item_its_own_parent(wenxin_emulator: EmulatorServer) -> None:
    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        chain = ChatPromptTemplate.from_messages([("human", "Tell me about {topic}")]) | model
        topics = [{"topic": "pandas"}, {"topic": "bamboo"}, {"topic": "tea"}]
        return await chain.abatch(topics, {"callbacks": [recorder], "max_concurrency": 2})

    _, recorder = await assert_same(wenxin_emulator, batch)
    parents = {e["parent"] for e in recorder.events if e["kind"] == "chat_model_start"}
    assert len(parents) == 3


async def test_a_chain_batch_configures_the_model_once(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items that differ only in their parent run share one configured manager."""
    configured = count_configures(monkeypatch)
    model = make_llm(wenxin_emulator)
    chain = ChatPromptTemplate.from_messages([("human", "Tell me about {topic}")]) | model
    topics = [{"topic": f"t{i}"} for i in range(5)]
    await chain.abatch(topics, {"callbacks": [Recorder()]})
    fast = len(configured)
    with default_abatch():
        await chain.abatch(topics, {"callbacks": [Recorder()]})
    assert len(configured) - fast == fast + len(topics) - 1  # the default: once per item
    await model.aclose()


async def test_a_chain_inside_a_langsmith_run_tree(wenxin_emulator: EmulatorServer) -> None:
    outer = RunTree(name="outer")

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        chain = ChatPromptTemplate.from_messages([("human", "About {topic}")]) | model
        with tracing_context(parent=outer, enabled=False):
            config: RunnableConfig = {"callbacks": [recorder]}
            chained = await chain.abatch([{"topic": "a"}, {"topic": "b"}], config)
            return chained + await model.abatch(["c", "d"], config)

    _, recorder = await assert_same(wenxin_emulator, batch)
    tops = [e for e in recorder.events if e["kind"] in ("chain_start", "chat_model_start")]
    assert [e["parent"] == outer.id for e in tops] == [True] * 2 + [False] * 4 + [True] * 2


async def test_a_streaming_model_and_bound_tools(wenxin_emulator: EmulatorServer) -> None:
    class GetWeather(BaseModel):
        """Get the weather of a city."""

        city: str

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        tooled = model.bind_tools([GetWeather])
        prompts: list[LanguageModelInput] = ["Weather in Paris?", "Say hi", "Weather in Rome?"]
        return await tooled.abatch(prompts, {"callbacks": [recorder]})

    outputs, recorder = await assert_same(wenxin_emulator, batch, streaming=True)
    assert [len(o.tool_calls) for o in outputs] == [1, 0, 1]
    assert any(e["kind"] == "new_token" for e in recorder.events)


async def test_structured_output_options_reach_the_callbacks(
    wenxin_emulator: EmulatorServer,
) -> None:
    class City(BaseModel):
        """A city."""

        name: str

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        wenxin_emulator.script('{"name": "Chengdu"}', times=2)
        structured = model.with_structured_output(City, include_raw=True)
        return await structured.abatch(
            ["Name: Chengdu", "Name: Chengdu"], {"callbacks": [recorder]}
        )

    outputs, recorder = await assert_same(wenxin_emulator, batch)
    assert outputs[0]["parsed"] == City(name="Chengdu")
    start = next(e for e in recorder.events if e["kind"] == "chat_model_start")
    assert start["options"]["ls_structured_output_format"]["schema"]["title"] == "City"


# -- errors ------------------------------------------------------------------------------------


async def test_return_exceptions_gives_the_failing_item_its_error(
    wenxin_emulator: EmulatorServer,
) -> None:
    """Item 1 fails with a real HTTP 400 (injected as it starts), item 3 before any request."""

    def fail_the_second(started: int) -> None:
        if started == 1:
            wenxin_emulator.inject_v2_error(400, "invalid_argument")

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        recorder.on_start = fail_the_second
        inputs: list[LanguageModelInput] = ["a", "b", "c", [("human", "x"), ("ai", "y")], "e"]
        config: RunnableConfig = {"callbacks": [recorder], "max_concurrency": 1}
        return await model.abatch(inputs, config, return_exceptions=True)

    outputs, recorder = await assert_same(wenxin_emulator, batch, max_retries=0)
    kinds = [type(o).__name__ for o in outputs]
    assert kinds == [
        "AIMessage",
        "InvalidRequestError",
        "AIMessage",
        "InvalidMessagesError",
        "AIMessage",
    ]
    assert [e["kind"] for e in recorder.events].count("llm_error") == 2


async def test_without_return_exceptions_the_first_error_raises_after_its_callback(
    wenxin_emulator: EmulatorServer,
) -> None:
    raised: list[tuple[str, list[str]]] = []

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        inputs: list[LanguageModelInput] = ["a", [("human", "x"), ("ai", "y")], "c"]
        config: RunnableConfig = {"callbacks": [recorder], "max_concurrency": 1}
        with pytest.raises(Exception) as caught:
            await model.abatch(inputs, config)
        raised.append((repr(caught.value), [e["kind"] for e in recorder.events]))
        await asyncio.sleep(0.2)  # the default lets the other items finish in the background
        return []

    await assert_same(wenxin_emulator, batch)
    assert raised[0] == raised[1]
    error, kinds_when_raised = raised[0]
    assert "InvalidMessagesError" in error and kinds_when_raised[-1] == "llm_error"


# LangChain's default leaves the coroutines of items not started yet unawaited when cancelled.
@pytest.mark.filterwarnings("ignore:coroutine 'Runnable.abatch.<locals>.ainvoke':RuntimeWarning")
async def test_a_cancelled_batch_stops_its_items(wenxin_emulator: EmulatorServer) -> None:
    kinds: list[list[str]] = []

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        wenxin_emulator.set_latency(request=0.3)
        config: RunnableConfig = {"callbacks": [recorder], "max_concurrency": 2}
        task = asyncio.ensure_future(model.abatch(["a", "b", "c", "d"], config))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.5)  # nothing else starts or ends afterwards
        kinds.append([e["kind"] for e in recorder.events])
        return []

    await assert_same(wenxin_emulator, batch)
    assert kinds[0] == ["chat_model_start"] * 2


# -- concurrency, cache, rate limiter ---------------------------------------------------------


@pytest.mark.parametrize(("limit", "expected"), [(3, 3), (None, 10)])
async def test_max_concurrency_bounds_the_items_in_flight(
    wenxin_emulator: EmulatorServer, limit: int | None, expected: int
) -> None:
    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        wenxin_emulator.set_latency(request=0.05)
        config: RunnableConfig = {"callbacks": [recorder], "max_concurrency": limit}
        outputs = await model.abatch([f"p{i}" for i in range(10)], config)
        assert recorder.most_in_flight == expected
        return outputs

    await assert_same(wenxin_emulator, batch)


async def test_the_cache_answers_repeated_prompts(wenxin_emulator: EmulatorServer) -> None:
    calls: list[int] = []

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        model.cache = InMemoryCache()
        config: RunnableConfig = {"callbacks": [recorder], "max_concurrency": 1}
        first = await model.abatch(["a", "b", "a"], config)
        second = await model.abatch(["b", "a"], config)
        calls.append(wenxin_emulator.chat_calls)
        return first + second

    outputs, _ = await assert_same(wenxin_emulator, batch)
    assert calls == [2, 2]
    assert outputs[2].content == outputs[0].content and outputs[3].content == outputs[1].content


async def test_the_rate_limiter_is_acquired_per_request(wenxin_emulator: EmulatorServer) -> None:
    acquired: list[int] = []

    class CountingLimiter(InMemoryRateLimiter):
        async def aacquire(self, *, blocking: bool = True) -> bool:
            acquired.append(1)
            return await super().aacquire(blocking=blocking)

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        acquired.clear()
        model.rate_limiter = CountingLimiter(requests_per_second=200, check_every_n_seconds=0.01)
        outputs = await model.abatch(["a", "b", "c"], {"callbacks": [recorder]})
        assert len(acquired) == 3
        return outputs

    await assert_same(wenxin_emulator, batch)


# -- what takes the default path ---------------------------------------------------------------


async def test_one_run_id_for_several_inputs_warns_as_the_default(
    wenxin_emulator: EmulatorServer,
) -> None:
    run_id = uuid4()

    async def batch(model: ChatWenxin, recorder: Recorder) -> list[Any]:
        config: RunnableConfig = {"callbacks": [recorder], "run_id": run_id}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outputs = await model.abatch(["a", "b"], config)
        assert [str(w.message) for w in caught if w.category is RuntimeWarning] == [
            "Provided run_id be used only for the first element of the batch."
        ]
        return outputs

    _, recorder = await assert_same(wenxin_emulator, batch, given_ids=frozenset({run_id}))
    assert sum(e["run"] == run_id for e in recorder.events) == 2


async def test_a_subclass_overriding_ainvoke_keeps_its_own(
    wenxin_emulator: EmulatorServer,
) -> None:
    class Shouting(ChatWenxin):
        async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> AIMessage:
            message = await super().ainvoke(input, config, **kwargs)
            return AIMessage(content=str(message.content).upper())

    options: dict[str, Any] = {"model": MODEL, "api_key": DEFAULT_API_KEY}
    model = Shouting(base_url=wenxin_emulator.v2_base_url, **options)
    outputs = await model.abatch(["hi"])
    assert str(outputs[0].content).startswith("YOU SAID: HI")
    await model.aclose()


async def test_keywords_the_default_rejects_are_rejected_alike(
    wenxin_emulator: EmulatorServer,
) -> None:
    model = make_llm(wenxin_emulator)
    fast = await model.abatch(["a"], return_exceptions=True, tags=["x"])
    with default_abatch():
        default = await model.abatch(["a"], return_exceptions=True, tags=["x"])
    assert [repr(e) for e in fast] == [repr(e) for e in default]
    assert isinstance(fast[0], TypeError)
    assert await model.abatch([]) == []
    await model.aclose()


async def test_the_model_is_freed_without_the_garbage_collector(
    wenxin_emulator: EmulatorServer,
) -> None:
    """No reference cycle holds the model (and its pool) after a batch, errors returned too.

    Collected by reference counting, an unclosed model's pool is released while its loop runs
    (the resource tests); the default path does not promise this with errors returned.
    """
    inputs: list[LanguageModelInput] = ["a", [("human", "x"), ("ai", "y")], "c"]
    gc.disable()
    try:
        model = make_llm(wenxin_emulator)
        outputs = await model.abatch(inputs, {"max_concurrency": 2}, return_exceptions=True)
        assert isinstance(outputs[1], Exception)
        await model.aclose()
        freed = weakref.ref(model)
        del model, outputs
        assert freed() is None
    finally:
        gc.enable()
