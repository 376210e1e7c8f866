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
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW
from llama_index.core.llms import LLM, CustomLLM
from llama_index.core.llms.function_calling import FunctionCallingLLM
from pydantic import SecretStr

from llama_index_wenxin import DEFAULT_MODEL, Wenxin
from llama_index_wenxin.credentials import CREDENTIAL_FIELDS
from tests.llama_index.li_helpers import V1_SECRETS
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    MissingCredentialsError,
    UnknownModelError,
    UnsupportedParameterError,
    WenxinValidationError,
)

SECRETS = (DEFAULT_API_KEY, *V1_SECRETS)


def test_is_a_real_llm_subclass() -> None:
    assert issubclass(Wenxin, LLM)
    assert not issubclass(Wenxin, CustomLLM)
    assert Wenxin.class_name() == "Wenxin_LLM"


def test_default_model_is_a_v2_preset(emulator_env: EmulatorServer) -> None:
    llm = Wenxin()
    assert llm.api == "v2"
    assert llm.model == DEFAULT_MODEL == "ernie-4.5-turbo-32k"
    assert llm.metadata.model_name == "ernie-4.5-turbo-32k"
    assert llm.complete("hi").text
    request = emulator_env.requests[-1]
    assert request["api"] == "v2" and request["body"]["model"] == DEFAULT_MODEL


def test_metadata_from_the_v2_catalog(llm: Wenxin) -> None:
    meta = llm.metadata
    assert meta.is_chat_model is True
    assert meta.system_role == MessageRole.SYSTEM
    assert meta.context_window == 32768
    assert meta.num_output == 2048
    assert meta.model_name == "ernie-4.5-turbo-32k"
    # A FunctionCallingLLM: the catalog says whether the model calls tools.
    assert isinstance(llm, FunctionCallingLLM)
    assert llm.model_spec.tools is True
    assert meta.is_function_calling_model is True


@pytest.mark.parametrize(
    ("model", "calls_tools"),
    [
        ("deepseek-v3.2", True),
        ("ernie-5.1", True),
        ("ernie-speed-pro-128k", False),
        ("llama-2-13b-chat", False),
        ("my-llama-service", False),
    ],
)
def test_function_calling_per_model(make_llm: Any, model: str, calls_tools: bool) -> None:
    assert make_llm(model=model).metadata.is_function_calling_model is calls_tools


def test_function_calling_follows_capabilities_and_v1(make_llm: Any, make_llm_v1: Any) -> None:
    service = make_llm(model="my-llama-service", capabilities={"tools": True})
    assert service.metadata.is_function_calling_model is True
    assert make_llm_v1().metadata.is_function_calling_model is False


@pytest.mark.parametrize(
    ("model", "window", "output"),
    [
        ("ernie-5.1", 131072, 2048),
        ("ernie-x1.1", 65536, 2048),
        ("deepseek-v4-pro", 1048576, 2048),
        ("llama-2-13b-chat", 4096, 1024),
        ("dolly-12b", 2048, 512),
    ],
)
def test_metadata_per_model(make_llm: Any, model: str, window: int, output: int) -> None:
    meta = make_llm(model=model).metadata
    assert (meta.model_name, meta.context_window, meta.num_output) == (model, window, output)


def test_max_tokens_is_the_output_budget_and_is_sent(
    make_llm: Any, emulator: EmulatorServer
) -> None:
    llm = make_llm(max_tokens=300)
    assert llm.metadata.num_output == 300
    llm.complete("x")
    assert emulator.requests[-1]["body"]["max_tokens"] == 300
    assert make_llm(max_output_tokens=200).max_tokens == 200  # the core's spelling works too


def test_unknown_v2_id_passes_through_with_overridable_capabilities(
    make_llm: Any, emulator: EmulatorServer
) -> None:
    llm = make_llm(model="my-llama-service")
    assert llm.model_spec.known is False
    assert llm.metadata.context_window == DEFAULT_CONTEXT_WINDOW
    # Sent as is (the emulator has no such service, the real account may): the answer is typed.
    with pytest.raises(InvalidRequestError, match="invalid_model"):
        llm.complete("hello")
    assert emulator.requests[-1]["body"]["model"] == "my-llama-service"
    bigger = make_llm(model="my-llama-service", capabilities={"context_window": 8192})
    assert bigger.metadata.context_window == 8192
    with pytest.raises(WenxinValidationError, match="capabilit"):
        make_llm(model="my-llama-service", capabilities={"no_such_field": 1})


def test_metadata_overrides(make_llm: Any) -> None:
    llm = make_llm(context_window=3000, num_output=100)
    assert llm.metadata.context_window == 3000
    assert llm.metadata.num_output == 100


def test_v1_metadata_and_default_model(make_llm_v1: Any) -> None:
    meta = make_llm_v1(model=None).metadata
    assert meta.model_name == "Llama-2-13B-Chat"
    assert meta.num_output == 256
    assert meta.context_window == 4800 // 5 + 256
    ernie = make_llm_v1(model="ERNIE-3.5-8K").metadata
    assert ernie.num_output == 2048
    assert ernie.context_window == min(5120, 20000 // 5) + 2048


def test_v1_custom_endpoint(make_llm_v1: Any, emulator: EmulatorServer) -> None:
    llm = make_llm_v1(model=None, endpoint="ngxxxol8_dolly")
    assert llm.metadata.model_name == "ngxxxol8_dolly"
    assert llm.complete("hello").text
    assert emulator.requests[-1]["endpoint"] == "ngxxxol8_dolly"


def test_v1_options_refused_on_v2(make_llm: Any) -> None:
    with pytest.raises(WenxinValidationError, match="endpoint"):
        make_llm(endpoint="ngxxxol8_dolly")
    with pytest.raises(WenxinValidationError, match="top_k"):
        make_llm(top_k=3)
    with pytest.raises(UnsupportedParameterError, match="penalty_score"):
        make_llm(model="ernie-x1-turbo-32k", penalty_score=1.2)
    with pytest.raises(WenxinValidationError, match="temperature"):
        make_llm(temperature=0)


def test_options_checked_at_construction_as_a_call_would(
    make_llm: Any, make_llm_v1: Any, emulator: EmulatorServer
) -> None:
    with pytest.raises(UnsupportedParameterError, match="not a reasoning model"):
        make_llm(reasoning=True)
    with pytest.raises(UnsupportedParameterError, match="always reasons"):
        make_llm(model="ernie-x1.1", reasoning=False)
    with pytest.raises(WenxinValidationError, match="max_output_tokens"):
        make_llm(max_tokens=10**6)  # above the model's output limit
    with pytest.raises(WenxinValidationError, match="V2"):
        make_llm_v1(seed=1)
    assert make_llm(model="ernie-x1.1", reasoning={"effort": "high"}).reasoning
    assert make_llm_v1(top_k=3).top_k == 3
    assert emulator.chat_calls == 0  # nothing was sent


def test_unknown_v1_model_fails_at_construction(emulator_env_v1: EmulatorServer) -> None:
    with pytest.raises(UnknownModelError, match="endpoint="):
        Wenxin(api="v1", model="Llama-9-chat")


def test_missing_credentials_names_env_vars() -> None:
    with pytest.raises(MissingCredentialsError, match="QIANFAN_API_KEY"):
        Wenxin()


def test_v1_credentials_on_v2_is_an_error_naming_both(emulator: EmulatorServer) -> None:
    with pytest.raises(MissingCredentialsError, match="qianfan_ak") as caught:
        Wenxin(qianfan_ak="v1-ak-7310", qianfan_sk="v1-sk-7311")
    assert "api='v1'" in str(caught.value) and "api_key" in str(caught.value)
    assert "7310" not in str(caught.value) and "7311" not in str(caught.value)
    with pytest.raises(MissingCredentialsError, match="api_key"):
        Wenxin(api="v1", api_key=DEFAULT_API_KEY)


@pytest.mark.parametrize("old", ["iam_secret_key", "qianfan_access_key", "qianfan_secret_key"])
def test_v1_era_spellings_are_refused_by_name(emulator_env: EmulatorServer, old: str) -> None:
    with pytest.raises(WenxinValidationError, match=old) as caught:
        Wenxin(**{old: "old-secret-9087"})
    assert "old-secret-9087" not in str(caught.value)


def test_env_credentials_and_base_url(emulator_env: EmulatorServer) -> None:
    llm = Wenxin(model="ernie-x1.1")
    assert isinstance(llm.api_key, SecretStr)
    assert llm.api_key.get_secret_value() == DEFAULT_API_KEY
    assert llm.complete("hi").text
    assert emulator_env.chat_calls == 1
    headers = emulator_env.requests[-1]["headers"]
    assert DEFAULT_API_KEY not in json.dumps(headers)


def test_an_argument_means_the_env_is_not_read(
    emulator_env: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QIANFAN_AK", "env-ak")
    llm = Wenxin(api_key=DEFAULT_API_KEY)
    assert llm.qianfan_ak is None
    assert llm.complete("hi").text


def test_v1_env_credentials(emulator_env_v1: EmulatorServer) -> None:
    llm = Wenxin(api="v1")
    assert llm.qianfan_ak is not None and llm.api_key is None
    assert llm.complete("hi").text
    assert emulator_env_v1.requests[-1]["api"] == "v1"


def test_v1_application_keys(emulator: EmulatorServer) -> None:
    llm = Wenxin(api="v1", qianfan_ak="ak", qianfan_sk="sk", base_url=emulator.base_url)
    assert isinstance(llm.qianfan_ak, SecretStr)
    assert llm.complete("hi").text
    assert emulator.token_requests == 1


def test_v1_fixed_access_token(emulator: EmulatorServer) -> None:
    token = emulator.issue_token()
    llm = Wenxin(api="v1", access_token=token, base_url=emulator.base_url)
    assert llm.complete("hi").text
    assert emulator.token_requests == 0


def test_v1_iam_signing_mode(emulator: EmulatorServer) -> None:
    from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

    llm = Wenxin(
        api="v1",
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        base_url=emulator.base_url,
    )
    assert llm.complete("hi").text
    assert emulator.requests[-1]["headers"].get("authorization")


def test_v2_iam_pair_mints_one_bearer_token_for_sync_and_async(emulator: EmulatorServer) -> None:
    import asyncio

    from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

    llm = Wenxin(
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        iam_base_url=emulator.base_url,
        base_url=emulator.v2_base_url,
        app_id="app-li-1",
    )
    assert llm.complete("one").text
    assert asyncio.run(llm.acomplete("two")).text
    assert emulator.bearer_token_requests == 1
    assert emulator.requests[-1]["headers"].get("appid") == "app-li-1"


def test_sync_and_async_share_one_v1_token(llm_v1: Wenxin, emulator: EmulatorServer) -> None:
    import asyncio

    llm_v1.complete("one")
    asyncio.run(llm_v1.acomplete("two"))
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
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "[INST] hello [/INST]"},
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
        api_key=DEFAULT_API_KEY,
        base_url=emulator.v2_base_url,
        http_client=http,
        async_http_client=ahttp,
    )
    llm.complete("sync")
    asyncio.run(llm.acomplete("async"))
    assert any("/chat/" in p for p in sync_hits)
    assert any("/chat/" in p for p in async_hits)
    http.close()


@pytest.mark.parametrize("api", ["v2", "v1"])
def test_secrets_never_shown(llm: Wenxin, llm_v1: Wenxin, api: str) -> None:
    model = llm if api == "v2" else llm_v1
    texts = [repr(model), str(model), json.dumps(model.to_dict()), model.to_json()]
    texts += [str(model.to_payload()), repr(model.model_dump()), repr(model._clients.auth)]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_secrets_not_in_errors(emulator: EmulatorServer) -> None:
    llm = Wenxin(api_key="bce-v3/ALTAK-wrong/never-shown-4471", base_url=emulator.v2_base_url)
    with pytest.raises(AuthenticationError) as caught:
        llm.complete("hi")
    assert "never-shown-4471" not in str(caught.value)
    assert "never-shown-4471" not in repr(caught.value)


def test_payload_is_llama_index_own_and_follows_the_metadata(make_llm: Any) -> None:
    llm = make_llm(model="ernie-5.1")
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
    llm = make_llm(temperature=0.3, seed=5, stop=["END"], system_prompt="sys", reasoning=False)
    data = llm.to_dict()
    assert data["class_name"] == "Wenxin_LLM"
    assert data["api"] == "v2"
    assert data["temperature"] == 0.3
    assert data["seed"] == 5
    assert data["stop"] == ["END"]
    assert data["reasoning"] is False
    assert data["system_prompt"] == "sys"
    for key in CREDENTIAL_FIELDS:
        assert key not in data
    assert "http_client" not in data


def test_from_dict_rebuilds_a_working_model(make_llm: Any, emulator_env: EmulatorServer) -> None:
    llm = make_llm(temperature=0.3, seed=5, base_url=None)
    rebuilt = Wenxin.from_dict(llm.to_dict())
    assert rebuilt.temperature == 0.3 and rebuilt.seed == 5
    assert rebuilt.api_key is not None  # credentials come from the environment
    assert rebuilt.complete("hello again").text
    body = emulator_env.requests[-1]["body"]
    assert body["temperature"] == 0.3 and body["seed"] == 5
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
        {"role": "system", "content": "S"},
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "U2"},
    ]


def test_v1_folds_the_system_turn_for_llama(llm_v1: Wenxin, emulator: EmulatorServer) -> None:
    llm_v1.chat(
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


def test_deepcopy_shares_clients_and_callbacks(make_llm_v1: Any, emulator: EmulatorServer) -> None:
    import copy

    manager = CallbackManager([])
    llm = make_llm_v1(temperature=0.3, additional_kwargs={}, callback_manager=manager)
    llm.complete("warm up")
    clone = copy.deepcopy(llm)
    assert clone is not llm
    assert clone.temperature == 0.3
    assert clone.callback_manager is manager
    assert clone.additional_kwargs is not llm.additional_kwargs
    assert clone.complete("copied").text
    assert emulator.token_requests == 1  # one token: the clone shares the clients


def test_model_copy_update(llm: Wenxin, emulator: EmulatorServer) -> None:
    hotter = llm.model_copy(update={"temperature": 0.9})
    hotter.complete("x")
    assert emulator.requests[-1]["body"]["temperature"] == 0.9


@pytest.mark.parametrize(
    "name",
    [
        "chat",
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


def test_achat_opens_its_span_with_the_bound_method_signature(llm: Wenxin) -> None:
    from llama_index_wenxin import base

    assert not hasattr(vars(Wenxin)["achat"], "__wrapped__")  # LlamaIndex left it as it is
    assert inspect.signature(llm.achat) == base._ACHAT_SIGNATURE
