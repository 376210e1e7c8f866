"""``POST /v2/rerank``: best first by word overlap, ``top_n``, limits, faults, records."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.v2_helpers import AUTH, error_of
from wenxin_core.emulator import EmulatorServer
from wenxin_core.vector_catalog import rerank_models

PATH = "/v2/rerank"
DOCS = [
    "The Eiffel Tower is in Paris.",
    "Bananas are rich in potassium.",
    "Paris is the capital of France and its largest city.",
    "The capital of Japan is Tokyo.",
]


def rerank(client: httpx.Client, query: Any, documents: Any, **extra: Any) -> httpx.Response:
    headers = extra.pop("h", AUTH)
    payload = {
        "model": extra.pop("model", "bce-reranker-base"),
        "query": query,
        "documents": documents,
        **extra,
    }
    return client.post(PATH, json=payload, headers=headers)


def test_shape_and_order(client: httpx.Client) -> None:
    response = rerank(client, "What is the capital of France?", DOCS)
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == {"object", "model", "results", "usage"}
    assert data["object"] == "rerank" and data["model"] == "bce-reranker-base"
    results = data["results"]
    assert results[0]["index"] == 2
    assert sorted(r["index"] for r in results) == [0, 1, 2, 3]
    assert all(set(r) == {"index", "relevance_score", "document"} for r in results)
    assert all(r["document"] == DOCS[r["index"]] for r in results)
    scores = [r["relevance_score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert results[-1]["index"] == 1  # nothing shared with the query
    usage = data["usage"]
    assert usage["prompt_tokens"] == usage["total_tokens"] > 0


@pytest.mark.parametrize(
    ("query", "best"),
    [("Where is the Eiffel Tower?", 0), ("potassium in bananas", 1), ("Tokyo Japan", 3)],
)
def test_the_right_document_wins(client: httpx.Client, query: str, best: int) -> None:
    assert rerank(client, query, DOCS).json()["results"][0]["index"] == best


def test_chinese_text(client: httpx.Client) -> None:
    documents = ["香蕉很好吃", "巴黎是法国的首都", "东京是日本的首都"]
    results = rerank(client, "法国的首都是哪里", documents).json()["results"]
    assert [r["index"] for r in results] == [1, 2, 0]


def test_top_n(client: httpx.Client) -> None:
    results = rerank(client, "capital city", DOCS, top_n=2).json()["results"]
    assert len(results) == 2
    assert len(rerank(client, "capital city", DOCS, top_n=10).json()["results"]) == 4


def test_deterministic(client: httpx.Client) -> None:
    first = rerank(client, "capital", DOCS).json()["results"]
    assert rerank(client, "capital", DOCS).json()["results"] == first


@pytest.mark.parametrize("model", rerank_models())
def test_every_rerank_model(client: httpx.Client, model: str) -> None:
    response = rerank(client, "capital of France", DOCS, model=model)
    assert response.status_code == 200
    assert response.json()["results"][0]["index"] == 2


LIMITS: dict[str, tuple[Any, Any, dict[str, Any], str, str]] = {
    "65 documents": ("q", ["d"] * 65, {}, "invalid_argument", "64"),
    "no documents": ("q", [], {}, "invalid_argument", "documents"),
    "documents not a list": ("q", "d", {}, "invalid_argument", "documents"),
    "an empty document": ("q", ["d", ""], {}, "invalid_argument", "documents[1]"),
    "a long document": ("q", ["d", "x" * 4097], {}, "characters_too_long", "documents[1]"),
    "a long query": ("q" * 1601, ["d"], {}, "characters_too_long", "1600"),
    "an empty query": ("", ["d"], {}, "invalid_argument", "query"),
    "top_n zero": ("q", ["d"], {"top_n": 0}, "invalid_argument", "top_n"),
    "top_n text": ("q", ["d"], {"top_n": "2"}, "invalid_argument", "top_n"),
    "unknown model": ("q", ["d"], {"model": "no-reranker"}, "invalid_model", "no-reranker"),
    "an embedding model": ("q", ["d"], {"model": "embedding-v1"}, "invalid_model", "embedding"),
}


@pytest.mark.parametrize(
    ("query", "documents", "extra", "code", "says"), LIMITS.values(), ids=LIMITS.keys()
)
def test_limits(
    client: httpx.Client, query: Any, documents: Any, extra: dict[str, Any], code: str, says: str
) -> None:
    response = rerank(client, query, documents, **extra)
    assert error_of(response) == (400, code)
    assert says in response.json()["error"]["message"]


def test_at_the_limits(client: httpx.Client) -> None:
    assert rerank(client, "q" * 1600, ["x" * 4096] * 64).status_code == 200


def test_auth_faults_and_records(client: httpx.Client, emu: EmulatorServer) -> None:
    assert error_of(rerank(client, "q", ["d"], h={})) == (401, "invalid_iam_token")
    emu.inject_v2_error(429, "rpm_rate_limit_exceeded")
    response = rerank(client, "q", ["d"], h={**AUTH, "X-Request-Id": "r-1"})
    assert error_of(response) == (429, "rpm_rate_limit_exceeded")
    assert response.headers["x-request-id"] == "r-1"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    ok = rerank(client, "q", ["d"])
    assert ok.status_code == 200 and "x-ratelimit-limit-requests" in ok.headers
    assert emu.rerank_calls == 3 and emu.chat_calls == 0
    assert emu.requests[-1]["body"]["documents"] == ["d"]
    assert emu.requests[-1]["path"] == PATH


@pytest.mark.emulator_config(allow_any_model=True)
def test_allow_any_model(own_client: httpx.Client) -> None:
    response = rerank(own_client, "q", ["q d"], model="my-reranker")
    assert response.status_code == 200
    assert response.json()["model"] == "my-reranker"
