"""Embeddings and rerank in the core: limits before sending, batching, order, usage, errors.

Narrow tests on ``httpx.MockTransport`` (the handler plays a strict V2 server); the emulator
tests in ``test_vectors_emulator.py`` go over real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.errors import (
    ContextOverflowError,
    RateLimitError,
    WenxinValidationError,
)

BASE = "https://qianfan.test/v2"


class StrictServer:
    """Answers /embeddings and /rerank like the reference, and records what it saw."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.fail_first = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self.lock:
            self.bodies.append(body)
            if self.fail_first:
                self.fail_first -= 1
                return httpx.Response(
                    429, json={"error": {"code": "rpm_rate_limit_exceeded", "message": "slow"}}
                )
        if request.url.path.endswith("/embeddings"):
            texts = body["input"]
            assert 1 <= len(texts) <= 16 and all(texts)
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(t)), float(i)]}
                for i, t in enumerate(texts)
            ]
            data.reverse()  # the service's order is not the input's: index says
            usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
            return httpx.Response(200, json={"object": "list", "data": data, "usage": usage})
        docs = body["documents"]
        scores = [
            {"index": i, "relevance_score": (1.0 if body["query"] in d else 0.1) + i / 1000}
            for i, d in enumerate(docs)
        ]
        top = sorted(scores, key=lambda s: -s["relevance_score"])[: body.get("top_n", len(docs))]
        return httpx.Response(200, json={"object": "rerank", "results": top, "usage": {}})


def sync_client(server: StrictServer, **kw: Any) -> WenxinClient:
    return WenxinClient(
        api_key="k",
        base_url=BASE,
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
        **kw,
    )


def test_texts_split_by_16_in_order_with_usage_summed() -> None:
    server = StrictServer()
    texts = [f"text number {i}" for i in range(40)]
    result = sync_client(server).embed(texts)
    assert [len(b["input"]) for b in server.bodies] == [16, 16, 8]
    assert result.calls == 3
    assert [v[0] for v in result.vectors] == [float(len(t)) for t in texts]
    assert result.usage.prompt_tokens == 40
    assert {b["model"] for b in server.bodies} == {"embedding-v1"}


def test_tao_8k_takes_one_text_per_call() -> None:
    server = StrictServer()
    result = sync_client(server).embed(["a", "b", "c"], model="tao-8k")
    assert [len(b["input"]) for b in server.bodies] == [1, 1, 1]
    assert len(result.vectors) == 3


@pytest.mark.parametrize(
    ("texts", "field"),
    [([], "texts"), (["ok", ""], "texts[1]"), (["ok", "   "], "texts[1]"), ("a string", "texts")],
)
def test_bad_input_is_refused_before_sending(texts: Any, field: str) -> None:
    server = StrictServer()
    with pytest.raises(WenxinValidationError) as info:
        sync_client(server).embed(texts)
    assert info.value.field == field
    assert server.bodies == []


def test_over_long_text_names_index_and_limit_unless_truncated() -> None:
    server = StrictServer()
    client = sync_client(server)
    with pytest.raises(ContextOverflowError) as info:
        client.embed(["short", "x" * 1001])
    assert info.value.field == "texts[1]"
    assert "1000" in str(info.value)
    assert server.bodies == []
    client.embed(["short", "x" * 1001], truncate=True)
    assert len(server.bodies[0]["input"][1]) == 1000


def test_async_embed_keeps_order() -> None:
    server = StrictServer()
    texts = [f"t{i}" * (i + 1) for i in range(100)]

    async def run() -> Any:
        client = AsyncWenxinClient(
            api_key="k",
            base_url=BASE,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        )
        return await client.embed(texts)

    result = asyncio.run(run())
    assert result.calls == 7
    assert [v[0] for v in result.vectors] == [float(len(t)) for t in texts]


def test_embed_call_is_retried_like_chat() -> None:
    server = StrictServer()
    server.fail_first = 1
    result = sync_client(server).embed(["a"])
    assert len(result.vectors) == 1
    assert len(server.bodies) == 2
    server.fail_first = 5
    with pytest.raises(RateLimitError):
        sync_client(server, max_retries=0).embed(["a"])


def test_rerank_best_first_with_top_n() -> None:
    server = StrictServer()
    docs = ["about cats", "about dogs and parks", "dogs"]
    result = sync_client(server).rerank("dogs", docs, top_n=2)
    assert [item.index for item in result.results] == [2, 1]
    assert result.results[0].document == "dogs"
    assert server.bodies[0]["top_n"] == 2


@pytest.mark.parametrize(
    ("query", "docs", "field"),
    [
        ("", ["a"], "query"),
        ("q", [], "documents"),
        ("q", ["a"] * 65, "documents"),
        ("q", ["a", ""], "documents[1]"),
    ],
)
def test_rerank_limits(query: str, docs: list[str], field: str) -> None:
    server = StrictServer()
    with pytest.raises(WenxinValidationError) as info:
        sync_client(server).rerank(query, docs)
    assert info.value.field == field
    with pytest.raises(ContextOverflowError):
        sync_client(server).rerank("q" * 1601, ["a"])
    assert server.bodies == []


def test_vectors_are_v2_only() -> None:
    client = WenxinClient(api="v1", access_token="t")
    with pytest.raises(WenxinValidationError, match="V2 API only"):
        client.embed(["a"])
