"""ChatWenxin over real HTTP against the emulator (V2 by default; a few V1 legacy tests)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.load import dumpd, dumps, load, loads
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables.history import RunnableWithMessageHistory

from langchain_wenxin import MIN_TEMPERATURE, ChatWenxin
from langchain_wenxin.errors import UnsupportedParameterError, WenxinValidationError
from tests.langchain.lc_helpers import MODEL, make_llm, make_v1_llm
from wenxin_core.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
)
from wenxin_core.emulator.server import EmulatorServer

RESPONSE_KEYS = {
    "model_name",
    "model_provider",
    "id",
    "finish_reason",
    "flag",
    "ban_round",
    "request_id",
    "rate_limits",
}
REASONER = "ernie-x1.1"


def _add_up(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


# -- answers ----------------------------------------------------------------------------------


def test_invoke_metadata_and_usage(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator).invoke("Hello")
    assert isinstance(result, AIMessage) and "Hello" in str(result.content)
    meta = result.response_metadata
    assert set(meta) == RESPONSE_KEYS
    assert meta["model_name"] == MODEL and meta["model_provider"] == "qianfan"
    assert meta["finish_reason"] == "stop" and meta["flag"] == 0
    assert meta["id"] and meta["id"] == result.id and meta["request_id"]
    assert meta["rate_limits"]["limit_requests"] > 0
    assert "remaining_output_tokens" in meta["rate_limits"]
    usage = result.usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["output_tokens"] > 0
    assert usage.get("input_token_details") == {"cache_read": 0}
    assert usage.get("output_token_details") == {"reasoning": 0}
    request = wenxin_emulator.requests[-1]
    assert request["api"] == "v2" and request["path"] == "/v2/chat/completions"
    assert request["body"] == {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}]}
    assert request["headers"]["authorization"] == "Bearer ***"


def test_reasoning_model_answers_with_reasoning_content(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator, model=REASONER).invoke("Why is the sky blue?")
    reasoning = result.additional_kwargs["reasoning_content"]
    assert isinstance(reasoning, str) and reasoning
    assert reasoning not in str(result.content)
    usage = result.usage_metadata
    assert usage is not None
    details = usage.get("output_token_details") or {}
    assert 0 < details.get("reasoning", 0) < usage["output_tokens"]
    assert result.content_blocks[0] == {"type": "reasoning", "reasoning": reasoning}


def test_reasoning_block_with_output_version_v1(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model=REASONER, output_version="v1")
    result = llm.invoke("Hi")
    assert isinstance(result.content, list)
    first, second = result.content
    assert isinstance(first, dict) and isinstance(second, dict)
    assert first["type"] == "reasoning"
    assert first["reasoning"] == result.additional_kwargs["reasoning_content"]
    assert second["type"] == "text" and "Hi" in second["text"]
    chunks = list(llm.stream("Hi"))
    kinds = [b["type"] for c in chunks for b in c.content if isinstance(b, dict)]
    assert kinds[0] == "reasoning" and "text" in kinds
    assert kinds.index("text") > max(i for i, k in enumerate(kinds) if k == "reasoning")


def test_stream_reasoning_adds_up_to_the_invoke_answer(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model=REASONER)
    whole = llm.invoke("Think about this")
    chunks = list(llm.stream("Think about this"))
    full = _add_up(chunks)
    assert (
        full.additional_kwargs["reasoning_content"] == whole.additional_kwargs["reasoning_content"]
    )
    assert full.content == whole.content
    assert full.usage_metadata == whole.usage_metadata
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]


def test_reasoning_switch_reaches_the_body(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model="deepseek-v3.2", reasoning={"budget": 200})
    result = llm.invoke("Hi")
    body = wenxin_emulator.requests[-1]["body"]
    assert body["thinking"] == {"type": "enabled"} and body["thinking_budget"] == 200
    assert result.additional_kwargs["reasoning_content"]
    off = llm.invoke("Hi", reasoning=False)
    assert wenxin_emulator.requests[-1]["body"]["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in off.additional_kwargs
    make_llm(wenxin_emulator, model="qwen3-32b", reasoning=True).invoke("Hi")
    assert wenxin_emulator.requests[-1]["body"]["enable_thinking"] is True


def test_reasoning_content_is_never_sent_back(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model=REASONER)
    first = llm.invoke("Question one")
    assert first.additional_kwargs["reasoning_content"]
    llm.invoke([HumanMessage("Question one"), first, HumanMessage("Question two")])
    body = wenxin_emulator.requests[-1]["body"]
    assert "reasoning_content" not in str(body)
    assert body["messages"][1] == {"role": "assistant", "content": first.content}


def test_flag_and_ban_round_are_metadata_not_errors(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    result = llm.invoke("UNSAFE-TRIGGER please")
    meta = result.response_metadata
    assert (meta["flag"], meta["ban_round"], meta["finish_reason"]) == (2, -1, "content_filter")
    last = list(llm.stream("UNSAFE-TRIGGER please"))[-1]
    assert last.response_metadata["flag"] == 2
    assert last.response_metadata["finish_reason"] == "content_filter"


def test_tool_call_history_goes_out_in_v2_shape(wenxin_emulator: EmulatorServer) -> None:
    history: list[BaseMessage] = [
        SystemMessage("You use tools."),
        HumanMessage("Weather in Shanghai and the time?"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "get_weather", "args": {"city": "上海"}, "id": "call_a"},
                {"name": "get_time", "args": {}, "id": "call_b"},
            ],
            additional_kwargs={"reasoning_content": "I should call both tools."},
        ),
        ToolMessage("sunny, 25°C", tool_call_id="call_a"),
        ToolMessage("10:00", tool_call_id="call_b", name="get_time"),
    ]
    # ernie-x1.1 takes a tool turn last (ERNIE 4.5 wants a user turn last: the core says so).
    result = make_llm(wenxin_emulator, model=REASONER).invoke(history)
    assert result.content
    messages = wenxin_emulator.requests[-1]["body"]["messages"]
    assert messages[0] == {"role": "system", "content": "You use tools."}
    assert messages[2]["role"] == "assistant" and messages[2]["content"] == ""
    assert "reasoning_content" not in messages[2]
    assert messages[2]["tool_calls"] == [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "上海"}'},
        },
        {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]
    assert messages[3] == {
        "role": "tool",
        "tool_call_id": "call_a",
        "content": "sunny, 25°C",
        "name": "get_weather",
    }
    assert messages[4]["tool_call_id"] == "call_b" and messages[4]["name"] == "get_time"


def test_a_tool_turn_last_on_ernie_45_is_a_typed_error(wenxin_emulator: EmulatorServer) -> None:
    from langchain_wenxin.errors import InvalidMessagesError

    history: list[BaseMessage] = [
        HumanMessage("Weather?"),
        AIMessage("", tool_calls=[{"name": "w", "args": {}, "id": "c1"}]),
        ToolMessage("sunny", tool_call_id="c1"),
    ]
    with pytest.raises(InvalidMessagesError, match="user"):
        make_llm(wenxin_emulator).invoke(history)
    assert wenxin_emulator.chat_calls == 0


# -- streams ----------------------------------------------------------------------------------


def test_stream_usage_and_metadata_once_on_the_last_chunk(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three. Four.", times=2)
    chunks = list(make_llm(wenxin_emulator).stream("Hello"))
    assert len(chunks) >= 3
    with_usage = [c for c in chunks if c.usage_metadata]
    with_meta = [c for c in chunks if c.response_metadata.get("model_provider")]
    assert with_usage == [chunks[-1]] and with_meta == [chunks[-1]]
    assert chunks[-1].chunk_position == "last"
    assert [c.chunk_position for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    full = _add_up(chunks)
    assert full.content == "One. Two. Three. Four."
    assert set(full.response_metadata) == RESPONSE_KEYS
    assert full.response_metadata["model_name"] == MODEL  # not concatenated
    assert full.response_metadata["finish_reason"] == "stop"
    request = wenxin_emulator.requests[-1]
    assert request["stream"] is True
    assert request["body"]["stream_options"] == {"include_usage": True}
    # The aggregate equals the service's final usage, as on a non-stream call.
    sync = make_llm(wenxin_emulator).invoke("Hello")
    assert full.usage_metadata == sync.usage_metadata


@pytest.mark.parametrize("placement", ["separate", "last_chunk"])
def test_stream_usage_counted_once_wherever_it_arrives(
    wenxin_emulator: EmulatorServer, placement: str
) -> None:
    wenxin_emulator.set_usage_placement(placement)
    chunks = list(make_llm(wenxin_emulator).stream("Hello there"))
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    assert (
        _add_up(chunks).usage_metadata
        == make_llm(wenxin_emulator).invoke("Hello there").usage_metadata
    )


async def test_astream_usage_once(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    chunks = [c async for c in llm.astream("Hello")]
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    assert chunks[-1].chunk_position == "last"
    await llm.aclose()


def test_streaming_true_makes_invoke_stream(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator, streaming=True).invoke("Hello")
    assert result.content and result.usage_metadata
    assert wenxin_emulator.requests[-1]["stream"] is True


# -- options ----------------------------------------------------------------------------------


def test_batch_and_model_override(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    results = llm.batch(["Hello", "Hey"])
    assert [r.response_metadata["model_name"] for r in results] == [MODEL] * 2
    other = llm.invoke("Hello", model="ernie-speed-pro-128k")
    assert other.response_metadata["model_name"] == "ernie-speed-pro-128k"
    assert wenxin_emulator.requests[-1]["body"]["model"] == "ernie-speed-pro-128k"


async def test_abatch(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    results = await llm.abatch(["Hello", "Hey"])
    assert all(isinstance(r, AIMessage) and r.content for r in results)
    await llm.aclose()


def test_params_reach_the_body(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(
        wenxin_emulator,
        temperature=0,
        top_p=0.5,
        penalty_score=1.2,
        seed=42,
        frequency_penalty=0.1,
        presence_penalty=0.2,
        user_id="u-1",
        stop=["zzz"],
        max_tokens=200,
    )
    llm.invoke("Hello")
    body = wenxin_emulator.requests[-1]["body"]
    assert body["temperature"] == MIN_TEMPERATURE
    assert (body["top_p"], body["penalty_score"], body["seed"]) == (0.5, 1.2, 42)
    assert (body["frequency_penalty"], body["presence_penalty"]) == (0.1, 0.2)
    assert body["user"] == "u-1" and body["stop"] == ["zzz"] and body["max_tokens"] == 200
    llm.invoke("Hello", stop=["emulator"], temperature=0.7, max_tokens=5)
    body = wenxin_emulator.requests[-1]["body"]
    assert body["stop"] == ["emulator"] and body["temperature"] == 0.7
    assert body["max_tokens"] == 5


def test_truncation_is_length(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator, max_tokens=3).invoke("Hello")
    assert result.response_metadata["finish_reason"] == "length"


def test_per_call_options_the_model_refuses_are_not_sent(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    with pytest.raises(WenxinValidationError):
        llm.invoke("Hello", top_k=3)
    with pytest.raises(UnsupportedParameterError, match="temperature"):
        llm.invoke("Hello", model="deepseek-r1", temperature=0.5)
    with pytest.raises(WenxinValidationError, match="temperature"):
        llm.invoke("Hello", temperature=1.5)
    assert wenxin_emulator.chat_calls == 0


def test_model_kwargs_are_sent(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model_kwargs={"repetition_penalty": 1.05})
    llm.invoke("Hello", web_search={"enable": True})
    body = wenxin_emulator.requests[-1]["body"]
    assert body["repetition_penalty"] == 1.05 and body["web_search"] == {"enable": True}


def test_conversation_turns_are_repaired_without_losing_text(
    wenxin_emulator: EmulatorServer,
) -> None:
    history = [
        SystemMessage("Rule one."),
        SystemMessage("Rule two."),
        HumanMessage("first"),
        HumanMessage("second"),
        AIMessage("answer one"),
        AIMessage("answer two"),
        HumanMessage("how are you", name="bob"),
    ]
    assert make_llm(wenxin_emulator).invoke(history).content
    messages = wenxin_emulator.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    text = " ".join(m["content"] for m in messages)
    for part in ("Rule one.", "Rule two.", "first", "second", "answer one", "answer two", "bob"):
        assert part in text


# -- credentials ------------------------------------------------------------------------------


def test_environment_of_the_v2_fixture(wenxin_emulator_env: EmulatorServer) -> None:
    llm = ChatWenxin()
    assert llm.api_key is not None and llm.base_url is None
    assert llm.invoke("Hello").content
    assert wenxin_emulator_env.requests[-1]["api"] == "v2"


def test_iam_pair_mints_one_bearer_token_for_sync_and_async(
    wenxin_emulator: EmulatorServer,
) -> None:
    llm = ChatWenxin(
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        iam_base_url=wenxin_emulator.base_url,
        base_url=wenxin_emulator.v2_base_url,
    )
    assert llm.invoke("Hello").content

    async def run() -> None:
        await llm.ainvoke("Hello")
        await llm.aclose()

    asyncio.run(run())
    assert wenxin_emulator.bearer_token_requests == 1
    assert wenxin_emulator.requests[-1]["headers"]["authorization"] == "Bearer ***"


def test_app_id_is_sent_as_the_appid_header(wenxin_emulator: EmulatorServer) -> None:
    make_llm(wenxin_emulator, app_id="app-123").invoke("Hello")
    assert wenxin_emulator.requests[-1]["appid"] == "app-123"


def test_serialisation_holds_no_secret_and_loads_back(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, temperature=0.5, seed=3)
    text = dumps(llm)
    assert DEFAULT_API_KEY not in text and "QIANFAN_API_KEY" in text
    revived = loads(
        text,
        secrets_map={"QIANFAN_API_KEY": DEFAULT_API_KEY},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects=[ChatWenxin],
    )
    assert isinstance(revived, ChatWenxin)
    assert revived.seed == 3 and revived.base_url == wenxin_emulator.v2_base_url
    assert revived.invoke("Hello").content
    again = load(
        dumpd(llm),
        secrets_map={"QIANFAN_API_KEY": DEFAULT_API_KEY},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects="all",
    )
    assert again.asdict() == llm.asdict()


# -- V1 (legacy) ------------------------------------------------------------------------------


def test_v1_invoke_stream_and_metadata(wenxin_emulator: EmulatorServer) -> None:
    llm = make_v1_llm(wenxin_emulator)
    result = llm.invoke("Hello")
    assert result.content and result.response_metadata["model_name"] == "Llama-2-13B-Chat"
    assert result.response_metadata["flag"] == 0
    assert wenxin_emulator.requests[-1]["api"] == "v1"
    assert wenxin_emulator.requests[-1]["endpoint"] == "llama_2_13b"
    chunks = list(llm.stream("Hello"))
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    assert _add_up(chunks).content == result.content
    assert wenxin_emulator.token_requests == 1


def test_v1_deployed_endpoint_and_system_field(wenxin_emulator: EmulatorServer) -> None:
    deployed = make_v1_llm(wenxin_emulator, model=None, endpoint="my_dolly_service")
    assert deployed.invoke("Hello").response_metadata["model_name"] == "my_dolly_service"
    assert wenxin_emulator.requests[-1]["endpoint"] == "my_dolly_service"
    ernie = make_v1_llm(wenxin_emulator, model="ERNIE-3.5-8K")
    ernie.invoke([SystemMessage("Be brief."), HumanMessage("Hello")])
    body = wenxin_emulator.requests[-1]["body"]
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "Hello"}]


def test_v1_environment_and_top_k(wenxin_emulator_env_v1: EmulatorServer) -> None:
    llm = ChatWenxin(api="v1", top_k=4)
    assert llm.qianfan_ak is not None
    assert llm.invoke("UNSAFE-TRIGGER hello").response_metadata["flag"] >= 2
    assert wenxin_emulator_env_v1.requests[-1]["body"]["top_k"] == 4


def test_v1_iam_signing(wenxin_emulator: EmulatorServer) -> None:
    llm = ChatWenxin(
        api="v1",
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        base_url=wenxin_emulator.base_url,
    )
    assert llm.invoke("Hello").content
    request = wenxin_emulator.requests[-1]
    assert "access_token" not in request["query"] and "authorization" in request["headers"]
    assert wenxin_emulator.token_requests == 0


# -- callbacks --------------------------------------------------------------------------------


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[Any] = []
        self.chunks: list[Any] = []

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.tokens.append(token)
        self.chunks.append(chunk)


class _AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[Any] = []

    async def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        assert chunk is not None
        self.tokens.append(token)


def test_callbacks_fire_per_chunk_before_it_is_yielded(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three.")
    recorder = _Recorder()
    seen: list[int] = []
    chunks = []
    for chunk in make_llm(wenxin_emulator).stream("Hello", config={"callbacks": [recorder]}):
        seen.append(len(recorder.tokens))
        chunks.append(chunk)
    assert seen == list(range(1, len(chunks) + 1))
    assert recorder.tokens == [c.content for c in chunks]
    assert all(c is not None for c in recorder.chunks)


def test_callbacks_fire_when_invoke_streams(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three.")
    recorder = _Recorder()
    result = make_llm(wenxin_emulator, streaming=True).invoke(
        "Hello", config={"callbacks": [recorder]}
    )
    assert "".join(recorder.tokens) == result.content == "One. Two. Three."
    assert len(recorder.tokens) >= 3


async def test_async_callbacks_fire_per_chunk(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three.")
    recorder = _AsyncRecorder()
    llm = make_llm(wenxin_emulator)
    chunks = [c async for c in llm.astream("Hello", config={"callbacks": [recorder]})]
    assert recorder.tokens == [c.content for c in chunks]
    await llm.aclose()


# -- chains -----------------------------------------------------------------------------------


def _chain(server: EmulatorServer) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer about {topic}."), ("human", "{question}")]
    )
    return prompt | make_llm(server) | StrOutputParser()


def test_lcel_chain_sync(wenxin_emulator: EmulatorServer) -> None:
    out = _chain(wenxin_emulator).invoke({"topic": "cats", "question": "why purr?"})
    assert isinstance(out, str) and "why purr?" in out
    sent = wenxin_emulator.requests[-1]["body"]["messages"]
    assert sent[0] == {"role": "system", "content": "You answer about cats."}


async def test_lcel_chain_async(wenxin_emulator: EmulatorServer) -> None:
    out = await _chain(wenxin_emulator).ainvoke({"topic": "cats", "question": "why purr?"})
    assert isinstance(out, str) and out


def test_lcel_chain_streaming(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("Cats purr. They are happy. Sometimes not.")
    pieces = list(_chain(wenxin_emulator).stream({"topic": "cats", "question": "why?"}))
    assert len(pieces) >= 3 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == "Cats purr. They are happy. Sometimes not."


async def test_lcel_chain_astreaming(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("Cats purr. They are happy.")
    pieces = [p async for p in _chain(wenxin_emulator).astream({"topic": "c", "question": "q"})]
    assert "".join(pieces) == "Cats purr. They are happy."


def test_runnable_with_message_history(wenxin_emulator: EmulatorServer) -> None:
    store: dict[str, InMemoryChatMessageHistory] = {}

    def history(session_id: str) -> InMemoryChatMessageHistory:
        return store.setdefault(session_id, InMemoryChatMessageHistory())

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be kind."), MessagesPlaceholder("history"), ("human", "{input}")]
    )
    chain = RunnableWithMessageHistory(
        prompt | make_llm(wenxin_emulator),
        history,
        input_messages_key="input",
        history_messages_key="history",
    )
    config: Any = {"configurable": {"session_id": "s1"}}
    first = chain.invoke({"input": "My name is Ada."}, config=config)
    chain.invoke({"input": "What is my name?"}, config=config)
    chain.invoke({"input": "And again?"}, config=config)
    assert len(store["s1"].messages) == 6
    messages = wenxin_emulator.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 2 + ["user"]
    assert messages[1]["content"] == "My name is Ada."
    assert messages[2]["content"] == first.content


def test_injected_http_clients_are_used(wenxin_emulator: EmulatorServer) -> None:
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append("sync")

    async def ahook(request: httpx.Request) -> None:
        seen.append("async")

    sync_client = httpx.Client(event_hooks={"request": [hook]})
    llm = make_llm(wenxin_emulator, http_client=sync_client)
    llm.invoke("Hello")
    assert "sync" in seen

    async def run() -> None:
        async with httpx.AsyncClient(event_hooks={"request": [ahook]}) as async_client:
            allm = make_llm(wenxin_emulator, http_async_client=async_client)
            await allm.ainvoke("Hello")

    asyncio.run(run())
    assert "async" in seen
    llm.close()
    assert not sync_client.is_closed  # an injected client is left open
    sync_client.close()
