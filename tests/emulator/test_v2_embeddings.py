"""``POST /v2/embeddings``: the OpenAI shape, order, usage, dimensions, meaning, limits, faults."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.emulator.v2_helpers import AUTH, error_of
from wenxin_core.emulator import EmulatorServer
from wenxin_core.vector_catalog import embedding_models, resolve_embedding_model

PATH = "/v2/embeddings"


def embed(client: httpx.Client, texts: Any, model: str = "embedding-v1", **kw: Any) -> Any:
    return client.post(PATH, json={"model": model, "input": texts}, headers=kw.pop("h", AUTH))


def vectors(client: httpx.Client, texts: list[str], model: str = "embedding-v1") -> Any:
    response = embed(client, texts, model)
    assert response.status_code == 200, response.text
    return [item["embedding"] for item in response.json()["data"]]


def cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_openai_shape(client: httpx.Client) -> None:
    response = embed(client, ["hello world", "你好，世界"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"object", "data", "model", "usage"}
    assert data["object"] == "list" and data["model"] == "embedding-v1"
    assert [set(d) for d in data["data"]] == [{"object", "embedding", "index"}] * 2
    assert [d["object"] for d in data["data"]] == ["embedding"] * 2
    assert [d["index"] for d in data["data"]] == [0, 1]
    assert data["usage"] == {"prompt_tokens": 3 + 5, "total_tokens": 3 + 5}


@pytest.mark.parametrize("model", embedding_models())
def test_dimensions_of_every_model(client: httpx.Client, model: str) -> None:
    (vector,) = vectors(client, ["some text"], model)
    assert len(vector) == resolve_embedding_model(model).dimensions
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, abs_tol=1e-4)


def test_deterministic_and_in_input_order(client: httpx.Client) -> None:
    texts = [f"text number {i}" for i in range(16)]
    first = vectors(client, texts)
    assert vectors(client, texts) == first
    assert vectors(client, list(reversed(texts))) == list(reversed(first))
    assert vectors(client, texts[3:4]) == [first[3]]
    assert len({tuple(v) for v in first}) == 16


def test_texts_sharing_words_are_closer(client: httpx.Client) -> None:
    query, near, far = vectors(
        client,
        [
            "How do I reset my password?",
            "To reset your password, open settings and choose reset password.",
            "Our office opens at nine in the morning.",
        ],
    )
    assert cos(query, near) > cos(query, far) + 0.2
    assert cos(query, query) == pytest.approx(1.0, abs=1e-4)


def test_chinese_characters_are_tokens(client: httpx.Client) -> None:
    query, near, far = vectors(client, ["北京的天气", "北京今天天气晴朗", "我喜欢吃苹果"])
    assert cos(query, near) > cos(query, far)


def test_a_string_input_is_one_text(client: httpx.Client) -> None:
    response = embed(client, "just one")
    assert [d["index"] for d in response.json()["data"]] == [0]


def test_model_ids_are_case_insensitive(client: httpx.Client) -> None:
    response = embed(client, ["x"], "BGE-Large-ZH")
    assert response.json()["model"] == "bge-large-zh"
    assert len(response.json()["data"][0]["embedding"]) == 1024


LIMITS: dict[str, tuple[Any, str, str, str]] = {
    "17 texts": (["t"] * 17, "embedding-v1", "invalid_argument", "16"),
    "tao-8k two texts": (["a", "b"], "tao-8k", "invalid_argument", "exactly 1"),
    "empty list": ([], "embedding-v1", "invalid_argument", "input"),
    "not a list": ({"a": 1}, "embedding-v1", "invalid_argument", "input"),
    "empty string": (["ok", ""], "embedding-v1", "invalid_argument", "input[1]"),
    "not a string": (["ok", 3], "embedding-v1", "invalid_argument", "input[1]"),
    "too many characters": (["ok", "a" * 1001], "embedding-v1", "characters_too_long", "1000"),
    "too many tokens": (["汉" * 385], "embedding-v1", "tokens_too_long", "384"),
    "bge characters": (["a" * 2001], "bge-large-en", "characters_too_long", "input[0]"),
    "unknown model": (["x"], "no-such-embedder", "invalid_model", "no-such-embedder"),
    "a chat model": (["x"], "ernie-4.5-turbo-32k", "invalid_model", "ernie"),
    "no model": (["x"], "", "invalid_model", "model"),
}


@pytest.mark.parametrize(("texts", "model", "code", "says"), LIMITS.values(), ids=LIMITS.keys())
def test_limits(client: httpx.Client, texts: Any, model: str, code: str, says: str) -> None:
    response = embed(client, texts, model)
    assert error_of(response) == (400, code)
    assert says in response.json()["error"]["message"]


def test_at_the_limits(client: httpx.Client) -> None:
    assert embed(client, ["t"] * 16).status_code == 200
    assert embed(client, ["a" * 1000]).status_code == 200
    assert embed(client, ["一"], "tao-8k").status_code == 200


@pytest.mark.emulator_config(allow_any_model=True)
def test_allow_any_model(own_client: httpx.Client) -> None:
    response = embed(own_client, ["x" * 5000] * 16, "my-embedder")
    assert response.status_code == 200
    data = response.json()
    assert data["model"] == "my-embedder" and len(data["data"][0]["embedding"]) == 1024


def test_auth_request_id_and_rate_limit_headers(client: httpx.Client) -> None:
    response = embed(client, ["x"], h={"Authorization": "Bearer wrong"})
    assert error_of(response) == (401, "invalid_iam_token")
    response = embed(client, ["x"], h={**AUTH, "X-Request-Id": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    assert int(response.headers["x-ratelimit-remaining-requests"]) > 0
    assert "x-ratelimit-limit-input-tokens" in response.headers
    assert error_of(client.get(PATH, headers=AUTH)) == (405, "method_not_allowed")
    bad_json = client.post(PATH, content=b"{", headers={**AUTH, "content-type": "application/json"})
    assert error_of(bad_json) == (400, "malformed_json")


def test_faults_apply(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.inject_v2_error(429, "tpm_rate_limit_exceeded")
    response = embed(client, ["x"])
    assert error_of(response) == (429, "tpm_rate_limit_exceeded")
    assert response.headers["x-ratelimit-remaining-input-tokens"] == "0"
    emu.inject_v2_error(500, "internal_error")
    assert error_of(embed(client, ["x"])) == (500, "internal_error")
    emu.inject_http_status(503, body="busy")
    response = embed(client, ["x"])
    assert response.status_code == 503 and response.text == "busy"
    assert embed(client, ["x"]).status_code == 200


def test_recorded_and_counted(client: httpx.Client, emu: EmulatorServer) -> None:
    embed(client, ["a", "b"], h={**AUTH, "appid": "app-1"})
    embed(client, [])
    assert emu.embedding_calls == 2
    assert emu.chat_calls == 0 and emu.rerank_calls == 0
    first = emu.requests[0]
    assert first["path"] == PATH and first["api"] == "v2"
    assert first["endpoint"] == "embedding-v1"
    assert first["body"] == {"model": "embedding-v1", "input": ["a", "b"]}
    assert first["appid"] == "app-1"
    assert first["headers"]["authorization"] == "Bearer ***"
