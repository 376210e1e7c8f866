"""Unit tests of the sampling-parameter rules (wenxin_core.params), before anything is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from wenxin_core import WenxinClient
from wenxin_core.catalog import resolve_model
from wenxin_core.errors import UnsupportedParameterError, WenxinValidationError
from wenxin_core.params import RULES, ChatParams

# (field, bad value, words the message must hold to state the rule)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("temperature", 0, "(0, 1]"),
    ("temperature", 0.0, "(0, 1]"),
    ("temperature", -0.1, "(0, 1]"),
    ("temperature", 1.0001, "(0, 1]"),
    ("temperature", float("nan"), "(0, 1]"),
    ("temperature", "hot", "(0, 1]"),
    ("top_k", 0, "positive integer"),
    ("top_k", -3, "positive integer"),
    ("top_k", 2.0, "positive integer"),
    ("top_k", "3", "positive integer"),
    ("top_k", True, "positive integer"),
    ("top_p", -0.01, "[0, 1]"),
    ("top_p", 1.01, "[0, 1]"),
    ("penalty_score", 0.99, "[1, 2]"),
    ("penalty_score", 2.01, "[1, 2]"),
    ("stop", ["a", "b", "c", "d", "e"], "at most 4"),
    ("stop", ["x" * 21], "20 characters"),
    ("stop", "x" * 21, "20 characters"),
    ("stop", [""], "20 characters"),
    ("stop", [1], "20 characters"),
    ("max_output_tokens", 0, "positive integer"),
    ("max_output_tokens", 1.5, "positive integer"),
    ("user_id", 42, "string"),
]


@pytest.mark.parametrize(("field", "value", "rule_words"), BAD_VALUES)
def test_each_rule_raises_a_validation_error_naming_field_and_rule(
    field: str, value: Any, rule_words: str
) -> None:
    with pytest.raises(WenxinValidationError) as info:
        ChatParams.build(**{field: value})
    err = info.value
    assert err.field == field
    assert err.rule.startswith(RULES[field])
    assert f"'{field}'" in str(err)
    assert rule_words in str(err)
    assert repr(value) in str(err)  # the offending value is quoted back


GOOD_VALUES: list[tuple[str, Any, Any]] = [
    ("temperature", 1, 1.0),
    ("temperature", 1e-6, 1e-6),
    ("top_k", 1, 1),
    ("top_p", 0, 0.0),
    ("top_p", 1, 1.0),
    ("penalty_score", 1, 1.0),
    ("penalty_score", 2, 2.0),
    ("stop", ["a", "b", "c", "x" * 20], ["a", "b", "c", "x" * 20]),
    ("stop", "END", ["END"]),
    ("stop", ("a", "b"), ["a", "b"]),
    ("user_id", "u-1", "u-1"),
    ("max_output_tokens", 2, 2),
]


@pytest.mark.parametrize(("field", "value", "sent"), GOOD_VALUES)
def test_boundary_values_are_accepted_and_sent(field: str, value: Any, sent: Any) -> None:
    params = ChatParams.build(**{field: value})
    assert params.body_fields() == {field: sent}


def test_none_means_unset() -> None:
    params = ChatParams.build(temperature=None, top_k=None, stop=None)
    assert params.body_fields() == {}


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(WenxinValidationError) as info:
        ChatParams.build(temprature=0.5)
    assert info.value.field == "temprature"
    assert "not a chat parameter" in str(info.value)
    assert "extra_body" in str(info.value)


def test_params_are_frozen() -> None:
    params = ChatParams.build(temperature=0.5)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        params.temperature = 0.9


def test_merged_validates_overrides_and_keeps_the_rest() -> None:
    base = ChatParams.build(temperature=0.5, extra_body={"disable_search": True})
    merged = base.merged({"top_p": 0.3, "temperature": None, "extra_body": {"x": 1}})
    assert merged.body_fields() == {
        "temperature": 0.5,
        "top_p": 0.3,
        "disable_search": True,
        "x": 1,
    }
    with pytest.raises(WenxinValidationError) as info:
        base.merged({"temperature": 0})
    assert info.value.field == "temperature"


def test_top_k_is_not_accepted_by_ernie() -> None:
    spec = resolve_model("ERNIE-3.5-8K")
    with pytest.raises(UnsupportedParameterError) as info:
        ChatParams.build(top_k=5).check_supported(spec)
    assert info.value.field == "top_k"
    assert "ERNIE-3.5-8K" in str(info.value)


def test_max_output_tokens_is_not_accepted_by_llama() -> None:
    spec = resolve_model("Llama-2-13b-chat")
    with pytest.raises(UnsupportedParameterError) as info:
        ChatParams.build(max_output_tokens=64).check_supported(spec)
    assert info.value.field == "max_output_tokens"
    assert "Llama-2-13B-Chat" in str(info.value)


def test_supported_params_pass_the_check() -> None:
    ChatParams.build(top_k=5, penalty_score=1.5, stop=["x"]).check_supported(
        resolve_model("Llama-2-7b-chat")
    )
    ChatParams.build(max_output_tokens=64, penalty_score=1.2).check_supported(
        resolve_model("ERNIE-3.5-8K")
    )
    ChatParams.build(top_k=3, extra_body={"anything": 1}).check_supported(
        resolve_model(endpoint="ngxxxol8_test1")
    )


def test_extra_body_fields_are_checked_against_the_model() -> None:
    ernie = resolve_model("ERNIE-3.5-8K")
    ChatParams.build(extra_body={"disable_search": True}).check_supported(ernie)
    with pytest.raises(UnsupportedParameterError) as info:
        ChatParams.build(extra_body={"disable_search": True}).check_supported(
            resolve_model("Llama-2-13b-chat")
        )
    assert info.value.field == "extra_body.disable_search"
    with pytest.raises(UnsupportedParameterError) as info:
        ChatParams.build(extra_body={"stream": True}).check_supported(ernie)
    assert info.value.field == "extra_body.stream"


def test_client_rejects_bad_params_before_sending() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"result": "x"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = WenxinClient("Llama-2-13b-chat", api="v1", access_token="tok", http_client=http)
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(WenxinValidationError) as info:
        client.chat(messages, temperature=0)
    assert info.value.field == "temperature"
    with pytest.raises(UnsupportedParameterError):
        client.chat(messages, max_output_tokens=10)
    with pytest.raises(WenxinValidationError):
        client.stream(messages, top_p=2)  # raised at the call, not at iteration
    assert sent == []
