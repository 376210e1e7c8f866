"""ChatWenxin behaviour over real HTTP against the emulator: calls, chains, metadata, params."""

from __future__ import annotations

import inspect
import warnings
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd, dumps, load, loads
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables.history import RunnableWithMessageHistory
from lc_helpers import make_llm

from langchain_wenxin import MIN_TEMPERATURE, ChatWenxin
from langchain_wenxin.errors import UnknownModelError, UnsupportedParameterError
from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY
from wenxin_core.emulator.server import EmulatorServer

RESPONSE_KEYS = {
    "model_name",
    "model_provider",
    "id",
    "finish_reason",
    "is_truncated",
    "need_clear_history",
    "ban_round",
}

# -- construction -----------------------------------------------------------------------------


def test_default_model_without_model_or_endpoint() -> None:
    llm = ChatWenxin(api_key="a", secret_key="b")
    assert llm.model == "Llama-2-13b-chat"
    assert llm.model_label == "Llama-2-13B-Chat"
    deployed = ChatWenxin(endpoint="my_dolly_service", api_key="a", secret_key="b")
    assert deployed.model is None
    assert deployed.model_label == "my_dolly_service"


def test_unknown_model_is_rejected_with_its_own_class() -> None:
    with pytest.raises(UnknownModelError, match="Llama-2-13B-Chat"):
        ChatWenxin(model="gpt-4o", api_key="a", secret_key="b")


def test_unknown_kwargs_go_to_model_kwargs_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="disable_search"):
        llm = ChatWenxin(model="ERNIE-3.5-8K", disable_search=True)
    assert llm.model_kwargs == {"disable_search": True}


def test_max_tokens_on_a_model_without_output_limit_warns() -> None:
    with pytest.warns(UserWarning, match="max_tokens=50 is not supported by Llama-2-13B-Chat"):
        ChatWenxin(model="Llama-2-13b-chat", max_tokens=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ChatWenxin(model="ERNIE-3.5-8K", max_tokens=50).max_tokens == 50


def test_invocation_params_match_langchains_own() -> None:
    llm = ChatWenxin(model="ERNIE-3.5-8K", api_key="a", secret_key="b", temperature=0.3, top_p=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the base class goes through the deprecated dict()
        expected = BaseChatModel._get_invocation_params(llm, stop=["x"], top_k=3)
    assert llm._get_invocation_params(stop=["x"], top_k=3) == expected
    assert expected["_type"] == "wenxin-chat" and expected["temperature"] == 0.3


def test_the_precomputed_signatures_are_the_real_ones() -> None:
    for name in ("_generate", "_agenerate"):
        method = getattr(ChatWenxin, name)
        cached = method.__dict__.pop("__signature__")
        try:
            computed = inspect.signature(method)
        finally:
            method.__dict__["__signature__"] = cached
        assert cached == computed
        assert "run_manager" in inspect.signature(getattr(ChatWenxin(), name)).parameters


def test_credentials_are_secret_and_aliased(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatWenxin(model="Llama-2-13b-chat", api_key="the-ak", secret_key="the-sk")
    assert llm.qianfan_ak is not None and llm.qianfan_ak.get_secret_value() == "the-ak"
    assert "the-ak" not in repr(llm) and "the-sk" not in repr(llm)
    # Arguments win entirely over the environment (the core's rule): no env IAM pair mixed in.
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", "env-iam-ak")
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "env-iam-sk")
    llm = ChatWenxin(model="Llama-2-13b-chat", api_key="the-ak", secret_key="the-sk")
    assert llm.qianfan_access_key is None
    llm = ChatWenxin(model="Llama-2-13b-chat")
    assert llm.qianfan_access_key is not None
    assert llm.qianfan_access_key.get_secret_value() == "env-iam-ak"


def test_serialisation_holds_no_secret_and_loads_back(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, temperature=0.5, top_k=3)
    text = dumps(llm)
    assert "emulator-api-key" not in text and "emulator-secret-key" not in text
    revived = loads(
        text,
        secrets_map={"QIANFAN_AK": "emulator-api-key", "QIANFAN_SK": "emulator-secret-key"},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects=[ChatWenxin],
    )
    assert isinstance(revived, ChatWenxin)
    assert revived.top_k == 3 and revived.base_url == wenxin_emulator.base_url
    assert revived.invoke("Hello").content
    again = load(
        dumpd(llm),
        secrets_map={"QIANFAN_AK": "emulator-api-key", "QIANFAN_SK": "emulator-secret-key"},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects="all",
    )
    assert again.dict() == llm.dict()


# -- calls ------------------------------------------------------------------------------------


def test_invoke_metadata_and_usage(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator).invoke("Hello")
    assert isinstance(result, AIMessage) and result.content
    assert set(result.response_metadata) == RESPONSE_KEYS
    meta = result.response_metadata
    assert meta["model_name"] == "Llama-2-13B-Chat"
    assert meta["model_provider"] == "qianfan"
    assert meta["finish_reason"] == "stop" and meta["is_truncated"] is False
    assert meta["need_clear_history"] is False and meta["id"]
    usage = result.usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["output_tokens"] > 0


def test_endpoint_only_reports_the_endpoint_as_model_name(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model=None, endpoint="my_dolly_service")
    result = llm.invoke("Hello")
    assert result.response_metadata["model_name"] == "my_dolly_service"
    assert wenxin_emulator.requests[-1]["endpoint"] == "my_dolly_service"


def test_truncation_is_length(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator, model="ERNIE-3.5-8K", max_tokens=3).invoke("Hello")
    assert result.response_metadata["finish_reason"] == "length"
    assert result.response_metadata["is_truncated"] is True
    assert wenxin_emulator.requests[-1]["body"]["max_output_tokens"] == 3


def test_need_clear_history_is_metadata_not_an_error(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator).invoke("UNSAFE-TRIGGER please")
    assert result.response_metadata["need_clear_history"] is True
    assert result.response_metadata["ban_round"] == -1


def test_stream_usage_and_metadata_once_on_the_last_chunk(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three. Four.", times=2)
    chunks = list(make_llm(wenxin_emulator).stream("Hello"))
    assert len(chunks) >= 3
    with_usage = [c for c in chunks if c.usage_metadata]
    with_meta = [c for c in chunks if c.response_metadata]
    assert with_usage == [chunks[-1]] and with_meta == [chunks[-1]]
    assert chunks[-1].chunk_position == "last"
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert full.content == "One. Two. Three. Four."
    assert set(full.response_metadata) == RESPONSE_KEYS
    assert full.response_metadata["model_name"] == "Llama-2-13B-Chat"  # not concatenated
    assert full.response_metadata["finish_reason"] == "stop"
    # The aggregate equals the server's final usage (prompt and total of the is_end event).
    sync = make_llm(wenxin_emulator).invoke("Hello")
    assert full.usage_metadata == sync.usage_metadata


async def test_astream_usage_once(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    chunks = [c async for c in llm.astream("Hello")]
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    await llm.aclose()


def test_batch_and_override(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    results = llm.batch(["Hello", "Hey"])
    assert [r.response_metadata["model_name"] for r in results] == ["Llama-2-13B-Chat"] * 2
    other = llm.invoke("Hello", model="Llama-2-7b-chat")
    assert other.response_metadata["model_name"] == "Llama-2-7B-Chat"
    assert wenxin_emulator.requests[-1]["endpoint"] == "llama_2_7b"


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
        top_k=4,
        penalty_score=1.2,
        user_id="u-1",
        stop=["zzz"],
    )
    llm.invoke("Hello")
    body = wenxin_emulator.requests[-1]["body"]
    assert body["temperature"] == MIN_TEMPERATURE
    assert (body["top_p"], body["top_k"], body["penalty_score"]) == (0.5, 4, 1.2)
    assert body["user_id"] == "u-1" and body["stop"] == ["zzz"]
    llm.invoke("Hello", stop=["emulator"], temperature=0.7, top_k=2)
    body = wenxin_emulator.requests[-1]["body"]
    assert body["stop"] == ["emulator"] and body["temperature"] == 0.7 and body["top_k"] == 2


def test_per_call_max_tokens_on_llama_is_rejected(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator)
    with pytest.raises(UnsupportedParameterError, match="max_output_tokens"):
        llm.invoke("Hello", max_tokens=10)
    assert wenxin_emulator.chat_calls == 0


def test_model_kwargs_are_sent(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model="ERNIE-3.5-8K", model_kwargs={"disable_search": True})
    llm.invoke("Hello")
    assert wenxin_emulator.requests[-1]["body"]["disable_search"] is True


def test_streaming_true_makes_invoke_stream(wenxin_emulator: EmulatorServer) -> None:
    result = make_llm(wenxin_emulator, streaming=True).invoke("Hello")
    assert result.content and result.usage_metadata
    assert wenxin_emulator.requests[-1]["stream"] is True


def test_two_system_two_human_two_ai_in_a_row(wenxin_emulator: EmulatorServer) -> None:
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
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    text = " ".join(m["content"] for m in messages)
    for part in ("Rule one.", "Rule two.", "first", "second", "answer one", "answer two", "bob"):
        assert part in text


def test_system_field_on_ernie(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model="ERNIE-3.5-8K")
    llm.invoke([SystemMessage("Be brief."), HumanMessage("Hello")])
    body = wenxin_emulator.requests[-1]["body"]
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "Hello"}]


def test_iam_signing_mode(wenxin_emulator: EmulatorServer) -> None:
    llm = ChatWenxin(
        model="Llama-2-13b-chat",
        access_key=DEFAULT_IAM_ACCESS_KEY,
        iam_secret_key=DEFAULT_IAM_SECRET_KEY,
        base_url=wenxin_emulator.base_url,
    )
    assert llm.invoke("Hello").content
    request = wenxin_emulator.requests[-1]
    assert "access_token" not in request["query"]
    assert "authorization" in request["headers"]
    assert wenxin_emulator.token_requests == 0


def test_sync_and_async_share_one_token(wenxin_emulator: EmulatorServer) -> None:
    import asyncio

    llm = make_llm(wenxin_emulator)
    llm.invoke("Hello")

    async def run() -> None:
        await llm.ainvoke("Hello")
        await llm.aclose()

    asyncio.run(run())
    assert wenxin_emulator.token_requests == 1


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
    assert "You answer about cats." in sent[0]["content"]


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
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2 + ["user"]
    assert "My name is Ada." in messages[0]["content"]
    assert messages[1]["content"] == first.content


def test_injected_http_clients_are_used(wenxin_emulator: EmulatorServer) -> None:
    import asyncio

    import httpx

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
