"""ChatWenxin's configuration without the network: fields, env rule, checks, secrets, profile."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd, dumps
from pydantic import SecretStr

from langchain_wenxin import DEFAULT_MODEL, DEFAULT_V1_MODEL, MIN_TEMPERATURE, ChatWenxin
from langchain_wenxin.errors import (
    MissingCredentialsError,
    UnknownModelError,
    UnsupportedParameterError,
    WenxinValidationError,
)
from wenxin_core import errors as core
from wenxin_core.catalog import DEFAULT_MODEL as CORE_DEFAULT_MODEL
from wenxin_core.catalog import resolve_model

SECRETS = {
    "api_key": "sk-api-key-value",
    "access_key": "sk-access-key-value",
    "secret_key": "sk-secret-key-value",
}
V1_SECRETS = {
    "qianfan_ak": "sk-qianfan-ak-value",
    "qianfan_sk": "sk-qianfan-sk-value",
}

# -- model and api ----------------------------------------------------------------------------


def test_defaults_are_v2_and_the_core_default_model() -> None:
    llm = ChatWenxin(api_key="k")
    assert llm.api == "v2"
    assert llm.model == DEFAULT_MODEL == CORE_DEFAULT_MODEL
    assert resolve_model(llm.model, api="v2").kind == "preset"
    assert llm.model_label == DEFAULT_MODEL


def test_model_name_alias_and_v1_defaults() -> None:
    assert ChatWenxin(model_name="ernie-x1.1").model == "ernie-x1.1"
    legacy = ChatWenxin(api="v1")
    assert legacy.model == DEFAULT_V1_MODEL and legacy.model_label == "Llama-2-13B-Chat"
    deployed = ChatWenxin(api="v1", endpoint="my_dolly_service")
    assert deployed.model is None and deployed.model_label == "my_dolly_service"


def test_unknown_v2_id_passes_through_and_v1_names_are_checked() -> None:
    service = ChatWenxin(model="my-llama2-service")
    assert service.model_label == "my-llama2-service"
    with pytest.raises(UnknownModelError, match="Llama-2-13B-Chat"):
        ChatWenxin(model="gpt-4o", api="v1")


def test_endpoint_is_v1_only() -> None:
    with pytest.raises(WenxinValidationError, match="model='<service API name>'") as info:
        ChatWenxin(endpoint="my_dolly_service")
    assert isinstance(info.value, core.WenxinValidationError) and info.value.field == "endpoint"


def test_bad_api_value_is_a_validation_error() -> None:
    with pytest.raises(ValueError, match="api"):
        ChatWenxin(api="v3")


# -- options the model does not accept fail at construction -------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "deepseek-r1", "temperature": 0.5}, "temperature"),
        ({"model": "ernie-x1-turbo-32k", "penalty_score": 1.2}, "penalty_score"),
        ({"model": "glm-5.1", "penalty_score": 1.2}, "penalty_score"),
        ({"top_k": 3}, "top_k"),
        ({"reasoning": True}, "reasoning"),
        ({"model": "ernie-x1.1", "reasoning": False}, "reasoning"),
        ({"model": "ernie-x1.1", "frequency_penalty": 0.5}, "frequency_penalty"),
        ({"api": "v1", "seed": 3}, "seed"),
        ({"api": "v1", "reasoning": True}, "reasoning"),
        ({"api": "v1", "model": "ERNIE-3.5-8K", "top_k": 3}, "top_k"),
    ],
)
def test_unsupported_options_fail_at_construction(params: dict[str, Any], field: str) -> None:
    with pytest.raises(UnsupportedParameterError) as info:
        ChatWenxin(**params)
    assert isinstance(info.value, core.UnsupportedParameterError)
    assert info.value.field == field


def test_supported_options_and_reasoning_mappings_construct() -> None:
    ChatWenxin(model="deepseek-r1", stop=["x"], seed=1)
    ChatWenxin(model="deepseek-v3.2", reasoning={"enabled": True, "budget": 2048})
    ChatWenxin(model="qwen3-32b", reasoning={"enabled": False})
    ChatWenxin(model="ernie-x1.1", reasoning={"effort": "high"})
    ChatWenxin(temperature=0, top_p=0.5, penalty_score=1.5, seed=7, presence_penalty=0.1)


def test_values_out_of_range_fail_at_construction() -> None:
    with pytest.raises(WenxinValidationError) as info:
        ChatWenxin(temperature=1.5)
    assert info.value.field == "temperature"
    with pytest.raises(WenxinValidationError, match="12288"):
        ChatWenxin(max_tokens=100_000)


def test_capabilities_override_the_catalog_for_a_service() -> None:
    plain = ChatWenxin(model="my-service").profile
    assert plain is not None and plain["tool_calling"] is False
    llm = ChatWenxin(
        model="my-service",
        capabilities={"reasoning": "thinking", "tools": True, "context_window": 8192},
    )
    assert llm.profile is not None
    assert llm.profile["reasoning_output"] is True and llm.profile["tool_calling"] is True
    assert llm.profile["max_input_tokens"] == 8192
    # The override reaches the core's checks too: a service said not to take penalty_score.
    with pytest.raises(UnsupportedParameterError):
        ChatWenxin(model="my-service", penalty_score=1.2, capabilities={"sampling": ["top_p"]})
    with pytest.raises(WenxinValidationError, match="capabilities"):
        ChatWenxin(model="my-service", capabilities={"telepathy": True})


def test_reasoning_on_an_unknown_id_is_passed_on_and_bad_mappings_fail() -> None:
    # The core's rule: an id it does not know may be a reasoning service; it is asked to think.
    ChatWenxin(model="my-reasoner", reasoning=True)
    with pytest.raises(WenxinValidationError) as info:
        ChatWenxin(model="deepseek-v3.2", reasoning={"enabled": True, "budget": 10})
    assert info.value.field == "reasoning"
    with pytest.raises(WenxinValidationError):
        ChatWenxin(model="deepseek-v3.2", reasoning={"effort": "extreme"})


def test_v1_max_tokens_on_a_model_without_output_limit_warns() -> None:
    with pytest.warns(UserWarning, match="max_tokens=50 is not supported by Llama-2-13B-Chat"):
        ChatWenxin(api="v1", model="Llama-2-13b-chat", max_tokens=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ChatWenxin(api="v1", model="ERNIE-3.5-8K", max_tokens=50).max_tokens == 50
        assert ChatWenxin(max_tokens=50).max_tokens == 50


def test_unknown_kwargs_go_to_model_kwargs_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="web_search"):
        llm = ChatWenxin(web_search={"enable": True})
    assert llm.model_kwargs == {"web_search": {"enable": True}}


# -- credentials ------------------------------------------------------------------------------


def test_v2_credentials_come_from_env_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANFAN_API_KEY", "env-api-key")
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", "env-ak")
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "env-sk")
    monkeypatch.setenv("QIANFAN_AK", "env-v1-ak")  # a V1 credential: not read on V2
    llm = ChatWenxin()
    assert llm.api_key is not None and llm.api_key.get_secret_value() == "env-api-key"
    assert llm.access_key is not None and llm.access_key.get_secret_value() == "env-ak"
    assert llm.secret_key is not None and llm.secret_key.get_secret_value() == "env-sk"
    assert llm.qianfan_ak is None
    # Any credential argument turns the environment's credentials off (the core's rule).
    given = ChatWenxin(access_key="arg-ak", secret_key="arg-sk")
    assert given.api_key is None
    assert given.access_key is not None and given.access_key.get_secret_value() == "arg-ak"


def test_v1_credentials_come_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANFAN_AK", "env-v1-ak")
    monkeypatch.setenv("QIANFAN_SK", "env-v1-sk")
    monkeypatch.setenv("QIANFAN_API_KEY", "env-api-key")  # a V2 credential: not read on V1
    llm = ChatWenxin(api="v1")
    assert llm.qianfan_ak is not None and llm.qianfan_ak.get_secret_value() == "env-v1-ak"
    assert llm.qianfan_sk is not None and llm.qianfan_sk.get_secret_value() == "env-v1-sk"
    assert llm.api_key is None


def test_credentials_of_the_other_api_name_both(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingCredentialsError, match="api_key") as info:
        _ = ChatWenxin(api="v1", api_key="v2-key").client
    assert "v1" in str(info.value)
    monkeypatch.setenv("QIANFAN_AK", "env-v1-ak")
    monkeypatch.setenv("QIANFAN_SK", "env-v1-sk")
    with pytest.raises(MissingCredentialsError, match="qianfan_ak") as info:
        _ = ChatWenxin().client
    assert "v2" in str(info.value)


def test_every_secret_is_a_secretstr_kept_out_of_repr_and_dumps() -> None:
    llm = ChatWenxin(**SECRETS, app_id="app-123")
    legacy = ChatWenxin(api="v1", **V1_SECRETS, access_token="sk-access-token-value")
    for model, secrets in ((llm, SECRETS), (legacy, {**V1_SECRETS, "access_token": "x"})):
        for name in secrets:
            assert isinstance(getattr(model, name), SecretStr), name
        shown = [repr(model), str(model), dumps(model), str(dumpd(model)), str(model.asdict())]
        shown.append(str(model.model_dump()))
        for text in shown:
            for value in (*SECRETS.values(), *V1_SECRETS.values(), "sk-access-token-value"):
                assert value not in text
    kwargs = dumpd(llm)["kwargs"]
    assert kwargs["api_key"] == {"lc": 1, "type": "secret", "id": ["QIANFAN_API_KEY"]}
    assert kwargs["secret_key"]["id"] == ["QIANFAN_SECRET_KEY"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("iam_secret_key", "secret_key"),
        ("qianfan_iam_secret_key", "secret_key"),
        ("qianfan_access_key", "access_key"),
        ("qianfan_access_token", "access_token"),
    ],
)
def test_v1_era_credential_names_are_refused_not_kept(old: str, new: str) -> None:
    with pytest.raises(WenxinValidationError, match=f"renamed '{new}'") as info:
        ChatWenxin(**{old: "sk-old-spelling-value"})
    assert info.value.field == old
    assert "sk-old-spelling-value" not in str(info.value)
    assert info.value.__cause__ is None
    assert "sk-old-spelling-value" not in repr(info.value.__context__)


def test_lc_secrets_map_each_secret_field_to_its_env_var() -> None:
    assert ChatWenxin().lc_secrets == {
        "api_key": "QIANFAN_API_KEY",
        "access_key": "QIANFAN_ACCESS_KEY",
        "secret_key": "QIANFAN_SECRET_KEY",
        "qianfan_ak": "QIANFAN_AK",
        "qianfan_sk": "QIANFAN_SK",
        "access_token": "QIANFAN_ACCESS_TOKEN",
    }


# -- profile, tracing, call arguments ---------------------------------------------------------


def test_profile_is_the_catalogs_per_model() -> None:
    default = ChatWenxin().profile
    assert default is not None
    assert default["max_input_tokens"] == 32768 and default["max_output_tokens"] == 12288
    assert default["tool_calling"] is True and default["structured_output"] is True
    assert default["reasoning_output"] is False and default["image_inputs"] is False
    reasoner = ChatWenxin(model="ernie-x1.1").profile
    assert reasoner is not None
    assert reasoner["reasoning_output"] is True and reasoner["max_input_tokens"] == 65536
    vision = ChatWenxin(model="ernie-5.0").profile
    assert vision is not None and vision["image_inputs"] is True
    small = ChatWenxin(model="ernie-speed-pro-128k").profile
    assert small is not None
    assert small["tool_calling"] is False and small["structured_output"] is False
    unknown = ChatWenxin(model="my-service").profile
    assert unknown is not None
    assert unknown["tool_calling"] is False and unknown["reasoning_output"] is False
    assert "max_input_tokens" not in unknown
    r1 = ChatWenxin(model="deepseek-r1").profile
    assert r1 is not None and r1["temperature"] is False


def test_ls_params() -> None:
    llm = ChatWenxin(model="ernie-x1.1", temperature=0.3, max_tokens=20, stop=["x"])
    assert llm._get_ls_params() == {
        "ls_provider": "qianfan",
        "ls_model_name": "ernie-x1.1",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 20,
        "ls_stop": ["x"],
    }
    assert llm._get_ls_params(model="deepseek-v3.2")["ls_model_name"] == "deepseek-v3.2"


def test_invocation_params_match_langchains_own() -> None:
    llm = ChatWenxin(temperature=0.3, top_p=0.5, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the base class goes through the deprecated dict()
        expected = BaseChatModel._get_invocation_params(llm, stop=["x"], top_p=0.2)
    assert llm._get_invocation_params(stop=["x"], top_p=0.2) == expected
    assert expected["_type"] == "wenxin-chat" and expected["api"] == "v2"


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


def test_call_args_only_what_is_set() -> None:
    llm = ChatWenxin(
        temperature=0,
        seed=5,
        max_tokens=64,
        reasoning=None,
        user_id="u-1",
        model_kwargs={"web_search": {"enable": True}},
    )
    assert llm._call_args(None, {}) == {
        "temperature": MIN_TEMPERATURE,
        "seed": 5,
        "user_id": "u-1",
        "max_output_tokens": 64,
        "extra_body": {"web_search": {"enable": True}},
    }
    args = llm._call_args(
        ["stop!"],
        {"model": "ernie-x1.1", "max_tokens": 8, "reasoning": True, "custom": 1, "stream": True},
    )
    assert args["model"] == "ernie-x1.1" and args["stop"] == ["stop!"]
    assert args["max_output_tokens"] == 8 and args["reasoning"] is True
    assert args["extra_body"] == {"web_search": {"enable": True}, "custom": 1}
    assert ChatWenxin()._call_args(None, {}) == {}
