"""The estimate reserved before a call: characters / 2 for input, max_tokens or a default out."""

from __future__ import annotations

import httpx

from wenxin_core import WenxinClient
from wenxin_core.ratelimit import Cost, estimate_cost
from wenxin_core.ratelimit.engine import wait_bound
from wenxin_core.wire import PreparedPost


def _client() -> WenxinClient:
    return WenxinClient("ernie-4.5-turbo-32k", api_key="k", base_url="http://127.0.0.1:9/v2")


def test_chat_input_is_half_the_characters_and_output_max_tokens_or_the_default() -> None:
    with _client() as client:
        prepared, _ = client.prepare(
            [{"role": "user", "content": "x" * 101}], stream=False, options={}
        )
        assert estimate_cost(prepared, 1024) == Cost(1, 51, 1024)
        prepared, _ = client.prepare(
            [{"role": "system", "content": "abcd"}, {"role": "user", "content": "ef"}],
            stream=False,
            options={"max_output_tokens": 77},
        )
        assert estimate_cost(prepared, 1024) == Cost(1, 3, 77)


def test_embeddings_and_rerank_count_their_texts_and_no_output() -> None:
    body = b'{"model": "embedding-v1", "input": ["abcd", "ef"]}'
    assert estimate_cost(PreparedPost("/embeddings", body), 1024) == Cost(1, 3, 0)
    body = b'{"model": "bce-reranker-base", "query": "abcd", "documents": ["ef", "gh"]}'
    assert estimate_cost(PreparedPost("/rerank", body), 1024) == Cost(1, 4, 0)


def test_the_wait_is_bounded_by_the_longest_phase_of_the_timeout() -> None:
    assert wait_bound(httpx.Timeout(10.0, read=300.0)) == 300.0
    assert wait_bound(httpx.Timeout(5.0)) == 5.0
    assert wait_bound(httpx.Timeout(None)) is None
