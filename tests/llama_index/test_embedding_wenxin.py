"""WenxinEmbedding: configuration, credentials, secrets, and real HTTP against the V2 emulator."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from llama_index.core.callbacks import CallbackManager, CBEventType, LlamaDebugHandler

from llama_index_wenxin import WenxinEmbedding
from tests.llama_index.li_helpers import EventCollector
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidRequestError,
    MissingCredentialsError,
    WenxinValidationError,
)

SECRETS = {"api_key": "sk-api-key-value", "access_key": "sk-ak-value", "secret_key": "sk-sk-value"}


def _calls(server: EmulatorServer) -> list[dict[str, Any]]:
    """The bodies of the embeddings calls the emulator received, in arrival order."""
    bodies = []
    for record in server.requests:
        if record["path"] == "/v2/embeddings":
            body = record["body"]
            bodies.append(json.loads(body) if isinstance(body, str) else body)
    return bodies


def _cos(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.fixture
def embed(emulator: EmulatorServer) -> WenxinEmbedding:
    return WenxinEmbedding(api_key=DEFAULT_API_KEY, base_url=emulator.v2_base_url)


# -- configuration ------------------------------------------------------------------------------


def test_defaults() -> None:
    model = WenxinEmbedding(api_key="k")
    assert (model.model_name, model.embed_batch_size, model.num_workers) == ("embedding-v1", 16, 4)
    assert model.dimensions == 384 and model.truncate is False
    assert WenxinEmbedding.class_name() == "WenxinEmbedding"


def test_batch_size_is_at_most_the_models_call_size() -> None:
    assert WenxinEmbedding(api_key="k", model_name="tao-8k").embed_batch_size == 1
    assert WenxinEmbedding(api_key="k", embed_batch_size=64).embed_batch_size == 16
    assert WenxinEmbedding(api_key="k", embed_batch_size=8).embed_batch_size == 8
    unknown = WenxinEmbedding(api_key="k", model_name="my-embedder")
    assert unknown.dimensions is None and unknown.embed_batch_size == 16
    with pytest.raises(WenxinValidationError, match="model"):
        WenxinEmbedding(api_key="k", model_name="bad/id")


def test_env_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANFAN_API_KEY", "env-api-key")
    model = WenxinEmbedding()
    assert model.api_key is not None and model.api_key.get_secret_value() == "env-api-key"
    given = WenxinEmbedding(access_key="arg-ak", secret_key="arg-sk")
    assert given.api_key is None


def test_missing_and_other_api_credentials_fail_at_construction() -> None:
    with pytest.raises(MissingCredentialsError, match="QIANFAN_API_KEY"):
        WenxinEmbedding()
    with pytest.raises(MissingCredentialsError) as info:
        WenxinEmbedding(qianfan_ak="sk-v1-ak-value", qianfan_sk="sk-v1-sk-value")
    assert "qianfan_ak" in str(info.value) and "api_key" in str(info.value)
    assert "sk-v1-ak-value" not in str(info.value)
    with pytest.raises(WenxinValidationError, match="secret_key"):
        WenxinEmbedding(iam_secret_key="sk-old-value")


def test_secrets_never_shown_or_serialised() -> None:
    model = WenxinEmbedding(**SECRETS)
    shown = [
        repr(model),
        str(model),
        model.to_json(),
        str(model.to_dict()),
        str(model.to_payload()),
    ]
    for text in shown:
        for value in SECRETS.values():
            assert value not in text
    assert "api_key" not in model.to_dict()


def test_deepcopy_shares_the_core_clients() -> None:
    model = WenxinEmbedding(api_key="k", model_name="bge-large-en")
    clone = copy.deepcopy(model)
    assert clone._clients is model._clients and clone.dimensions == 1024


# -- the emulator -------------------------------------------------------------------------------


def test_vectors_meaningful_and_ordered(embed: WenxinEmbedding) -> None:
    cat, kitten, stocks = embed.get_text_embedding_batch(
        ["the cat sat on the mat", "a cat sat on a mat", "stock markets fell sharply"]
    )
    assert len(cat) == 384
    assert _cos(cat, kitten) > _cos(cat, stocks)
    assert embed.get_query_embedding("the cat sat on the mat") == cat
    assert embed.get_text_embedding("a cat sat on a mat") == kitten


def test_forty_texts_three_calls_three_events(
    embed: WenxinEmbedding, emulator: EmulatorServer, events: EventCollector
) -> None:
    debug = LlamaDebugHandler()
    embed.callback_manager = CallbackManager([debug])
    texts = [f"passage {i} on theme {i % 6}" for i in range(40)]
    vectors = embed.get_text_embedding_batch(texts)
    assert [len(c["input"]) for c in _calls(emulator)] == [16, 16, 8]
    assert [t for c in _calls(emulator) for t in c["input"]] == texts
    assert events.count("EmbeddingStartEvent") == events.count("EmbeddingEndEvent") == 3
    assert len(debug.get_event_pairs(CBEventType.EMBEDDING)) == 3
    assert vectors[25] == embed.get_text_embedding(texts[25])


async def test_async_forty_texts_three_calls_three_events(
    embed: WenxinEmbedding, emulator: EmulatorServer, events: EventCollector
) -> None:
    texts = [f"async passage {i} on theme {i % 4}" for i in range(40)]
    vectors = await embed.aget_text_embedding_batch(texts)
    assert sorted(len(c["input"]) for c in _calls(emulator)) == [8, 16, 16]
    assert events.count("EmbeddingStartEvent") == events.count("EmbeddingEndEvent") == 3
    assert vectors == embed.get_text_embedding_batch(texts)
    assert await embed.aget_query_embedding(texts[3]) == vectors[3]
    assert await embed.aget_text_embedding(texts[4]) == vectors[4]


def test_query_embedding_one_call_one_event(
    embed: WenxinEmbedding, emulator: EmulatorServer, events: EventCollector
) -> None:
    embed.get_query_embedding("what is qianfan")
    assert len(_calls(emulator)) == 1 == events.count("EmbeddingStartEvent")


def test_tao_8k_one_text_per_call_and_event(
    emulator: EmulatorServer, events: EventCollector
) -> None:
    model = WenxinEmbedding(
        api_key=DEFAULT_API_KEY, base_url=emulator.v2_base_url, model_name="tao-8k"
    )
    vectors = model.get_text_embedding_batch(["a b", "c d", "e f"])
    assert len(vectors) == 3 and len(vectors[0]) == 1024
    assert [c["input"] for c in _calls(emulator)] == [["a b"], ["c d"], ["e f"]]
    assert events.count("EmbeddingStartEvent") == 3


def test_credentials_from_the_environment(emulator_env: EmulatorServer) -> None:
    assert len(WenxinEmbedding().get_query_embedding("hello")) == 384


async def test_iam_pair_one_mint_for_sync_and_async(
    wenxin_emulator_env_iam: EmulatorServer,
) -> None:
    model = WenxinEmbedding()
    model.get_text_embedding_batch([f"t{i}" for i in range(20)])
    await model.aget_text_embedding_batch([f"u{i}" for i in range(20)])
    assert wenxin_emulator_env_iam.bearer_token_requests == 1
    assert len(_calls(wenxin_emulator_env_iam)) == 4


def test_empty_text_names_its_index_in_the_whole_batch(
    embed: WenxinEmbedding, emulator: EmulatorServer
) -> None:
    with pytest.raises(WenxinValidationError, match=r"texts\[20\]"):
        embed.get_text_embedding_batch(["ok"] * 20 + [""])
    assert _calls(emulator) == []  # checked before the first batch is sent


async def test_async_empty_text_names_its_index(
    embed: WenxinEmbedding, emulator: EmulatorServer
) -> None:
    with pytest.raises(WenxinValidationError, match=r"texts\[33\]"):
        await embed.aget_text_embedding_batch(["ok"] * 33 + [" "])
    assert _calls(emulator) == []


def test_over_long_typed_or_truncated(emulator: EmulatorServer, embed: WenxinEmbedding) -> None:
    long = "word " * 300
    with pytest.raises(ContextOverflowError, match=r"texts\[1\]"):
        embed.get_text_embedding_batch(["fine", long])
    cut = WenxinEmbedding(api_key=DEFAULT_API_KEY, base_url=emulator.v2_base_url, truncate=True)
    assert len(cut.get_text_embedding(long)) == 384
    assert [len(t) for t in _calls(emulator)[0]["input"]] == [1000]


def test_service_errors_typed_without_the_key(emulator: EmulatorServer) -> None:
    secret = "bce-v3/ALTAK-wrong/li-embedding-secret"
    model = WenxinEmbedding(api_key=secret, base_url=emulator.v2_base_url)
    with pytest.raises(AuthenticationError) as info:
        model.get_query_embedding("x")
    assert "li-embedding-secret" not in str(info.value) + repr(info.value)
    unknown = WenxinEmbedding(
        api_key=DEFAULT_API_KEY, base_url=emulator.v2_base_url, model_name="no-such-embedder"
    )
    with pytest.raises(InvalidRequestError, match="no-such-embedder"):
        unknown.get_query_embedding("x")
