"""Bounded JSON decoding: a size cap and a nesting cap on everything the service sends.

Deeply nested or oversized bodies become a typed :class:`BodyLimitError` (never a bare
``RecursionError``) in every place the core decodes service data: V2 chat answers, events and
errors, embeddings and rerank answers, V1 answers and events, and both token answers.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core import jsonsafe
from wenxin_core.auth import IamBearerProvider, TokenProvider
from wenxin_core.catalog import resolve_model
from wenxin_core.errors import BodyLimitError, WenxinError
from wenxin_core.jsonsafe import MAX_JSON_DEPTH, nesting_depth
from wenxin_core.wire.v1 import chat as v1
from wenxin_core.wire.v2 import chat as v2
from wenxin_core.wire.v2 import errors as v2_errors
from wenxin_core.wire.v2 import vectors

V2_SPEC = resolve_model("ernie-4.5-turbo-32k", api="v2")
V1_SPEC = resolve_model("Llama-2-13b-chat", api="v1")
DEEP = b'{"choices": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
"""Far deeper than the interpreter's recursion limit."""
JUST_OVER = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
AT_LIMIT = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH


def response(content: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=content,
        headers={"content-type": "application/json", **headers},
        request=httpx.Request("POST", "https://qianfan.example/v2/chat/completions"),
    )


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    assert nesting_depth(b"") == 0
    assert nesting_depth(b'{"a": [1, {"b": []}]}') == 4
    assert nesting_depth(b'["[[[[", "]]]", "\\"[["]') == 1
    assert nesting_depth('{"k": "{{{{"}') == 1
    assert nesting_depth(b"[[[") == 3  # malformed: the most brackets open at once
    assert nesting_depth(AT_LIMIT) == MAX_JSON_DEPTH


def test_loads_caps_depth_and_size() -> None:
    assert jsonsafe.loads(AT_LIMIT) is not None
    with pytest.raises(BodyLimitError) as caught:
        jsonsafe.loads(JUST_OVER)
    assert caught.value.kind == "depth" and caught.value.limit == MAX_JSON_DEPTH
    with pytest.raises(BodyLimitError) as caught:
        jsonsafe.loads(DEEP)
    assert caught.value.kind == "depth"
    with pytest.raises(BodyLimitError) as caught:
        jsonsafe.loads(b'{"a": "' + b"x" * 2000 + b'"}', max_bytes=1000)
    assert caught.value.kind == "size" and caught.value.limit == 1000
    assert jsonsafe.MAX_JSON_BYTES == 64 * 1024 * 1024


def test_brackets_inside_text_do_not_count() -> None:
    # A reply that *talks about* deep nesting is not a deep body.
    text = "[" * 5000 + "]" * 5000
    body = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
    completion = v2.parse_completion(response(body), body, V2_SPEC)
    assert completion.text == text


def test_malformed_json_stays_a_value_error() -> None:
    with pytest.raises(ValueError):
        jsonsafe.loads(b"{not json")


def test_recursion_error_from_a_deep_stack_is_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(data: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(jsonsafe, "decode", boom)  # whichever library decodes
    with pytest.raises(BodyLimitError):
        jsonsafe.loads(b"[1]")


def test_the_fast_path_skips_the_depth_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # An embeddings answer of 16 x 1024 floats: the bracket count alone clears it.
    body = json.dumps(
        {"data": [{"embedding": [0.01234] * 1024, "index": i} for i in range(16)]}
    ).encode()

    def no_scan(data: Any) -> int:
        raise AssertionError("a normal body must not be scanned")

    monkeypatch.setattr(jsonsafe, "nesting_depth", no_scan)
    assert len(jsonsafe.loads(body)["data"]) == 16
    with pytest.raises(AssertionError):
        jsonsafe.loads(JUST_OVER)  # more brackets than the cap: scanned


def test_the_depth_scan_is_linear_and_fast() -> None:
    body = b'{"c": "' + b"[x] " * 250_000 + b'"}'  # 1 MB, 250k brackets inside a string
    start = time.perf_counter()
    jsonsafe.loads(body)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("content", [DEEP, JUST_OVER], ids=["very-deep", "just-over"])
def test_v2_chat_answer(content: bytes) -> None:
    with pytest.raises(BodyLimitError) as caught:
        v2.parse_completion(response(content), content, V2_SPEC)
    assert caught.value.status_code == 200


def test_v2_error_bodies() -> None:
    deep_error = b'{"error": ' + DEEP + b"}"
    error = v2_errors.error_for_response(response(deep_error, 200), deep_error)
    assert isinstance(error, BodyLimitError)
    # An error status keeps its own type (a 429 stays retryable), however odd the body.
    error = v2_errors.error_for_response(response(deep_error, 429), deep_error)
    assert isinstance(error, WenxinError) and error.status_code == 429
    assert not isinstance(error, BodyLimitError)


def test_v2_stream_event() -> None:
    reader = v2.V2EventReader(response(b"", 200), V2_SPEC)
    with pytest.raises(BodyLimitError):
        reader.feed(b"data: " + DEEP + b"\n\n")


def test_v2_stream_event_that_is_not_json_keeps_no_document() -> None:
    reader = v2.V2EventReader(response(b"", 200), V2_SPEC)
    with pytest.raises(WenxinError) as caught:
        reader.feed(b"data: {broken secret-ish-payload\n\n")
    assert caught.value.__cause__ is None  # the JSONDecodeError (and its .doc) is not kept


@pytest.mark.parametrize("content", [DEEP, JUST_OVER], ids=["very-deep", "just-over"])
def test_embeddings_and_rerank(content: bytes) -> None:
    with pytest.raises(BodyLimitError):
        vectors.parse_embeddings(response(content), content, 1)
    with pytest.raises(BodyLimitError):
        vectors.parse_rerank(response(content), content, ["a"], "bce-reranker-base")


def test_v1_answer_error_and_event() -> None:
    with pytest.raises(BodyLimitError):
        v1.parse_completion(response(DEEP), DEEP, V1_SPEC)
    deep_error = b'{"error_code": 1, "x": ' + DEEP + b"}"
    assert isinstance(v1.error_for_response(response(deep_error), deep_error), BodyLimitError)
    reader = v1.V1EventReader(response(b"", 200), V1_SPEC)
    with pytest.raises(BodyLimitError):
        reader.feed(b"data: " + JUST_OVER + b"\n\n")


def test_token_answers() -> None:
    v1_provider = TokenProvider(
        SecretStr("app-key-123456"), SecretStr("app-secret-123456"), base_url="https://v1.example"
    )
    with pytest.raises(BodyLimitError):
        v1_provider.store(response(b'{"access_token": "t", "x": ' + JUST_OVER + b"}"))
    with pytest.raises(BodyLimitError) as caught:
        v1_provider.store(response(b'{"access_token": "' + b"t" * (2 << 20) + b'"}'))
    assert caught.value.kind == "size"
    iam = IamBearerProvider(
        SecretStr("iam-access-123456"), SecretStr("iam-secret-123456"), iam_base_url="https://iam"
    )
    with pytest.raises(BodyLimitError):
        iam.store(response(DEEP))
