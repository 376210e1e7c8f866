"""WenxinEmbeddings over real HTTP against the V2 emulator: order, batching, auth, typed errors."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from langchain_wenxin import WenxinEmbeddings
from langchain_wenxin.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidRequestError,
    RateLimitError,
    WenxinValidationError,
)
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer


def _cos(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def _calls(server: EmulatorServer) -> list[dict[str, Any]]:
    """The bodies of the embeddings calls the emulator received, in arrival order."""
    bodies = []
    for record in server.requests:
        if record["path"] == "/v2/embeddings":
            body = record["body"]
            bodies.append(json.loads(body) if isinstance(body, str) else body)
    return bodies


@pytest.fixture
def embeddings(wenxin_emulator: EmulatorServer) -> WenxinEmbeddings:
    return WenxinEmbeddings(api_key=DEFAULT_API_KEY, base_url=wenxin_emulator.v2_base_url)


def test_vectors_carry_meaning_and_the_models_dimension(embeddings: WenxinEmbeddings) -> None:
    cat, kitten, stocks = embeddings.embed_documents(
        ["the cat sat on the mat", "a cat sat on a mat", "stock markets fell sharply"]
    )
    assert len(cat) == 384 == embeddings.dimensions
    assert _cos(cat, kitten) > _cos(cat, stocks)
    assert embeddings.embed_query("the cat sat on the mat") == cat  # deterministic


def test_forty_texts_three_calls_order_kept(
    embeddings: WenxinEmbeddings, wenxin_emulator: EmulatorServer
) -> None:
    texts = [f"text number {i} about topic {i % 7}" for i in range(40)]
    vectors = embeddings.embed_documents(texts)
    calls = _calls(wenxin_emulator)
    assert sorted(len(c["input"]) for c in calls) == [8, 16, 16]
    assert sorted(t for c in calls for t in c["input"]) == sorted(texts)
    one_by_one = [embeddings.embed_query(t) for t in (texts[0], texts[17], texts[39])]
    assert [vectors[0], vectors[17], vectors[39]] == one_by_one


async def test_async_forty_texts_three_calls_order_kept(
    embeddings: WenxinEmbeddings, wenxin_emulator: EmulatorServer
) -> None:
    texts = [f"async text {i} on subject {i % 5}" for i in range(40)]
    vectors = await embeddings.aembed_documents(texts)
    assert sorted(len(c["input"]) for c in _calls(wenxin_emulator)) == [8, 16, 16]
    assert vectors[33] == await embeddings.aembed_query(texts[33])
    assert vectors == embeddings.embed_documents(texts)


def test_bge_large_has_1024_dimensions_and_tao_8k_one_text_per_call(
    wenxin_emulator: EmulatorServer,
) -> None:
    kwargs = {"api_key": DEFAULT_API_KEY, "base_url": wenxin_emulator.v2_base_url}
    assert len(WenxinEmbeddings(model="bge-large-zh", **kwargs).embed_query("千帆")) == 1024
    WenxinEmbeddings(model="tao-8k", **kwargs).embed_documents(["a b", "c d", "e f"])
    assert [len(c["input"]) for c in _calls(wenxin_emulator)[1:]] == [1, 1, 1]


def test_api_key_and_base_url_from_the_environment(wenxin_emulator_env: EmulatorServer) -> None:
    assert len(WenxinEmbeddings().embed_query("hello")) == 384
    record = wenxin_emulator_env.requests[-1]
    assert record["path"] == "/v2/embeddings"
    assert record["headers"]["authorization"].startswith("Bearer ")


async def test_iam_pair_mints_one_token_for_sync_and_async(
    wenxin_emulator_env_iam: EmulatorServer,
) -> None:
    emb = WenxinEmbeddings()
    emb.embed_documents([f"t{i}" for i in range(40)])
    await emb.aembed_documents([f"u{i}" for i in range(40)])
    assert wenxin_emulator_env_iam.bearer_token_requests == 1
    assert len(_calls(wenxin_emulator_env_iam)) == 6


def test_app_id_header(wenxin_emulator: EmulatorServer) -> None:
    emb = WenxinEmbeddings(
        api_key=DEFAULT_API_KEY, base_url=wenxin_emulator.v2_base_url, app_id="app-emb"
    )
    emb.embed_query("hi")
    assert wenxin_emulator.requests[-1]["appid"] == "app-emb"


def test_empty_text_names_its_index_and_nothing_is_sent(
    embeddings: WenxinEmbeddings, wenxin_emulator: EmulatorServer
) -> None:
    with pytest.raises(WenxinValidationError, match=r"texts\[17\]"):
        embeddings.embed_documents(["fine"] * 17 + [""] + ["fine"])
    assert _calls(wenxin_emulator) == []


def test_over_long_text_typed_or_truncated(
    embeddings: WenxinEmbeddings, wenxin_emulator: EmulatorServer
) -> None:
    long = "word " * 300  # 1,500 characters, over embedding-v1's 1,000
    with pytest.raises(ContextOverflowError, match=r"texts\[0\]"):
        embeddings.embed_query(long)
    cut = WenxinEmbeddings(
        api_key=DEFAULT_API_KEY, base_url=wenxin_emulator.v2_base_url, truncate=True
    )
    assert len(cut.embed_query(long)) == 384
    assert [len(t) for t in _calls(wenxin_emulator)[0]["input"]] == [1000]


def test_unknown_model_is_the_services_typed_error(wenxin_emulator: EmulatorServer) -> None:
    emb = WenxinEmbeddings(
        model="no-such-embedder", api_key=DEFAULT_API_KEY, base_url=wenxin_emulator.v2_base_url
    )
    with pytest.raises(InvalidRequestError, match="no-such-embedder"):
        emb.embed_query("hi")


def test_wrong_key_is_typed_and_the_key_never_shown(wenxin_emulator: EmulatorServer) -> None:
    secret = "bce-v3/ALTAK-wrong/not-the-emulator-key"
    emb = WenxinEmbeddings(api_key=secret, base_url=wenxin_emulator.v2_base_url)
    with pytest.raises(AuthenticationError) as info:
        emb.embed_documents(["a", "b"])
    for text in (str(info.value), repr(info.value), repr(emb), str(emb.model_dump())):
        assert secret not in text and "not-the-emulator-key" not in text


async def test_rate_limit_retried_then_typed(wenxin_emulator: EmulatorServer) -> None:
    kwargs = {"api_key": DEFAULT_API_KEY, "base_url": wenxin_emulator.v2_base_url}
    wenxin_emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=1)
    assert len(await WenxinEmbeddings(max_retries=1, **kwargs).aembed_query("x")) == 384
    wenxin_emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=5)
    with pytest.raises(RateLimitError) as info:
        WenxinEmbeddings(max_retries=0, **kwargs).embed_query("x")
    assert info.value.rate_limits is not None
