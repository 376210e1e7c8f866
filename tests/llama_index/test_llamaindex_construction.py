"""Construction, metadata, credentials, serialisation."""

from __future__ import annotations

import inspect
import json
import pickle
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.callbacks import CallbackManager
from llama_index.core.llms import LLM, CustomLLM
from pydantic import SecretStr

from llama_index_wenxin import DEFAULT_MODEL, Wenxin
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import MissingCredentialsError, UnknownModelError

SECRETS = ("test-api-key", "test-secret-key")


def test_is_a_real_llm_subclass() -> None:
    assert issubclass(Wenxin, LLM)
    assert not issubclass(Wenxin, CustomLLM)
    assert Wenxin.class_name() == "Wenxin_LLM"


def test_default_model_and_catalog_name(emulator_env: EmulatorServer) -> None:
    llm = Wenxin()
    assert llm.model == DEFAULT_MODEL
    assert llm.metadata.model_name == "Llama-2-13B-Chat"


def test_metadata_llama(llm: Wenxin) -> None:
    meta = llm.metadata
    assert meta.is_chat_model is True
    assert meta.is_function_calling_model is False
    assert meta.system_role == MessageRole.SYSTEM
    # 4,800 characters at 5 characters per token, plus the output budget.
    assert meta.num_output == 256
    assert meta.context_window == 4800 // 5 + 256


def test_metadata_ernie_uses_token_limit(make_llm: Any) -> None:
    llm = make_llm(model="ERNIE-3.5-8K")
    meta = llm.metadata
    assert meta.model_name == "ERNIE-3.5-8K"
    assert meta.num_output == 2048
    assert meta.context_window == min(5120, 20000 // 5) + 2048


def test_metadata_llama_7b_has_smaller_budget(make_llm: Any) -> None:
    assert make_llm(model="llama-2-7b-chat").metadata.context_window == 2000 // 5 + 256


def test_metadata_overrides(make_llm: Any) -> None:
    llm = make_llm(context_window=3000, num_output=100)
    assert llm.metadata.context_window == 3000
    assert llm.metadata.num_output == 100
    assert make_llm(model="ERNIE-3.5-8K", max_output_tokens=512).metadata.num_output == 512


def test_custom_endpoint(make_llm: Any, emulator: EmulatorServer) -> None:
    llm = make_llm(model=None, endpoint="ngxxxol8_dolly")
    assert llm.metadata.model_name == "ngxxxol8_dolly"
    assert llm.complete("hello").text
    assert emulator.requests[-1]["endpoint"] == "ngxxxol8_dolly"


def test_unknown_model_fails_at_construction(emulator_env: EmulatorServer) -> None:
    with pytest.raises(UnknownModelError, match="endpoint="):
        Wenxin(model="Llama-9-chat")


def test_missing_credentials_names_env_vars() -> None:
    with pytest.raises(MissingCredentialsError, match="QIANFAN_AK"):
        Wenxin(model="Llama-2-13b-chat")


def test_env_credentials_and_base_url(emulator_env: EmulatorServer) -> None:
    llm = Wenxin(model="Llama-2-13b-chat")
    assert llm.complete("hi").text
    assert emulator_env.chat_calls == 1


def test_qianfan_style_aliases(emulator: EmulatorServer) -> None:
    llm = Wenxin(qianfan_ak="ak", qianfan_sk="sk", base_url=emulator.base_url)
    assert isinstance(llm.api_key, SecretStr)
    assert llm.complete("hi").text


def test_fixed_access_token(emulator: EmulatorServer) -> None:
    token = emulator.issue_token()
    llm = Wenxin(access_token=token, base_url=emulator.base_url)
    assert llm.complete("hi").text
    assert emulator.token_requests == 0


def test_iam_signing_mode(emulator: EmulatorServer) -> None:
    from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

    llm = Wenxin(
        access_key=DEFAULT_IAM_ACCESS_KEY,
        iam_secret_key=DEFAULT_IAM_SECRET_KEY,
        base_url=emulator.base_url,
    )
    assert llm.complete("hi").text
    assert emulator.requests[-1]["headers"].get("authorization")


def test_sync_and_async_share_one_token(llm: Wenxin, emulator: EmulatorServer) -> None:
    import asyncio

    llm.complete("one")
    asyncio.run(llm.acomplete("two"))
    assert emulator.token_requests == 1


def test_llm_base_keywords(make_llm: Any, emulator: EmulatorServer) -> None:
    manager = CallbackManager([])
    seen: list[str] = []

    def completion_to_prompt(prompt: str) -> str:
        seen.append(prompt)
        return f"[INST] {prompt} [/INST]"

    def messages_to_prompt(messages: Any) -> str:
        return "unused by a chat model"

    llm = make_llm(
        callback_manager=manager,
        system_prompt="You are terse.",
        completion_to_prompt=completion_to_prompt,
        messages_to_prompt=messages_to_prompt,
    )
    assert llm.callback_manager is manager
    llm.complete("hello")
    assert seen == ["hello"]
    body = emulator.requests[-1]["body"]
    assert body["messages"] == [
        {"role": "user", "content": "You are terse.\n\n[INST] hello [/INST]"}
    ]


def test_injected_http_clients_are_used(emulator: EmulatorServer) -> None:
    import asyncio

    sync_hits: list[str] = []
    async_hits: list[str] = []

    async def ahook(request: httpx.Request) -> None:
        async_hits.append(request.url.path)

    http = httpx.Client(event_hooks={"request": [lambda r: sync_hits.append(r.url.path)]})
    ahttp = httpx.AsyncClient(event_hooks={"request": [ahook]})
    llm = Wenxin(
        api_key="a",
        secret_key="b",
        base_url=emulator.base_url,
        http_client=http,
        async_http_client=ahttp,
    )
    llm.complete("sync")
    asyncio.run(llm.acomplete("async"))
    assert any("/chat/" in p for p in sync_hits)
    assert any("/chat/" in p for p in async_hits)
    http.close()


def test_secrets_never_shown(llm: Wenxin) -> None:
    for text in (repr(llm), str(llm), json.dumps(llm.to_dict()), llm.to_json()):
        for secret in SECRETS:
            assert secret not in text
    assert str(llm.to_payload())
    for secret in SECRETS:
        assert secret not in str(llm.to_payload())


def test_payload_is_llama_index_own_and_follows_the_metadata(make_llm: Any) -> None:
    llm = make_llm(model="ERNIE-3.5-8K")
    expected = {"class_name": "Wenxin_LLM", **llm.metadata.model_dump()}
    assert llm.to_payload() == expected
    llm.to_payload()["num_output"] = -1  # each caller gets its own copy
    assert llm.to_payload() == expected
    llm.num_output = 100
    llm.context_window = 5000
    assert llm.to_payload()["num_output"] == 100
    assert llm.to_payload()["context_window"] == 5000
    assert llm.to_payload() == {"class_name": "Wenxin_LLM", **llm.metadata.model_dump()}


def test_to_dict_has_options_not_secrets(make_llm: Any) -> None:
    llm = make_llm(temperature=0.3, top_k=5, stop=["END"], system_prompt="sys")
    data = llm.to_dict()
    assert data["class_name"] == "Wenxin_LLM"
    assert data["temperature"] == 0.3
    assert data["top_k"] == 5
    assert data["stop"] == ["END"]
    assert data["system_prompt"] == "sys"
    for key in ("api_key", "secret_key", "access_token", "access_key", "iam_secret_key"):
        assert key not in data
    assert "http_client" not in data


def test_from_dict_rebuilds_a_working_model(make_llm: Any, emulator_env: EmulatorServer) -> None:
    llm = make_llm(temperature=0.3, top_k=5)
    rebuilt = Wenxin.from_dict(llm.to_dict())
    assert rebuilt.temperature == 0.3 and rebuilt.top_k == 5
    assert rebuilt.api_key is None  # credentials come from the environment
    assert rebuilt.complete("hello again").text
    body = emulator_env.requests[-1]["body"]
    assert body["temperature"] == 0.3 and body["top_k"] == 5
    rebuilt_json = Wenxin.from_json(llm.to_json())
    assert rebuilt_json.metadata == llm.metadata


def test_pickle_round_trip(emulator_env: EmulatorServer) -> None:
    llm = Wenxin(temperature=0.5)
    clone = pickle.loads(pickle.dumps(llm))
    assert clone.temperature == 0.5
    assert clone.complete("pickled").text


def test_convert_chat_message_roles(llm: Wenxin, emulator: EmulatorServer) -> None:
    llm.chat(
        [
            ChatMessage(role=MessageRole.SYSTEM, content="S"),
            ChatMessage(role=MessageRole.USER, content="U1"),
            ChatMessage(role=MessageRole.ASSISTANT, content="A1"),
            ChatMessage(role=MessageRole.USER, content="U2"),
        ]
    )
    assert emulator.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": "S\n\nU1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "U2"},
    ]


def test_deepcopy_shares_clients_and_callbacks(make_llm: Any, emulator: EmulatorServer) -> None:
    import copy

    manager = CallbackManager([])
    llm = make_llm(temperature=0.3, additional_kwargs={}, callback_manager=manager)
    llm.complete("warm up")
    clone = copy.deepcopy(llm)
    assert clone is not llm
    assert clone.temperature == 0.3
    assert clone.callback_manager is manager
    assert clone.additional_kwargs is not llm.additional_kwargs
    assert clone.complete("copied").text
    assert emulator.token_requests == 1


def test_model_copy_update(llm: Wenxin, emulator: EmulatorServer) -> None:
    hotter = llm.model_copy(update={"temperature": 0.9})
    hotter.complete("x")
    assert emulator.requests[-1]["body"]["temperature"] == 0.9


@pytest.mark.parametrize(
    "name",
    [
        "chat",
        "achat",
        "stream_chat",
        "astream_chat",
        "complete",
        "acomplete",
        "stream_complete",
        "astream_complete",
    ],
)
def test_the_precomputed_span_signatures_are_the_real_ones(name: str) -> None:
    wrapped = vars(Wenxin)[name].__wrapped__  # what LlamaIndex's span binds arguments to
    cached = wrapped.__dict__.pop("__signature__")
    try:
        computed = inspect.signature(wrapped)
    finally:
        wrapped.__dict__["__signature__"] = cached
    assert cached == computed
