"""WenxinEmbeddings and WenxinRerank offline: config, env rule, secrets, wire (MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.exceptions import ModelAuthenticationError, ModelRateLimitError
from langchain_core.load import dumpd, dumps, loads
from pydantic import SecretStr

from langchain_wenxin import WenxinEmbeddings, WenxinRerank
from langchain_wenxin.errors import (
    AuthenticationError,
    ContextOverflowError,
    MissingCredentialsError,
    RateLimitError,
    WenxinValidationError,
)

BASE = "http://qianfan.test/v2"
SECRETS = {"api_key": "sk-api-key-value", "access_key": "sk-ak-value", "secret_key": "sk-sk-value"}

Handler = Callable[[httpx.Request], httpx.Response]


class FakeV2:
    """A V2 /embeddings and /rerank stand-in recording each call's body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[httpx.Headers] = []
        self.status: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        self.paths.append(request.url.path)
        self.headers.append(request.headers)
        if self.status is not None:
            code = {401: "invalid_iam_token", 429: "rpm_rate_limit_exceeded"}[self.status]
            return httpx.Response(
                self.status, json={"error": {"code": code, "message": code, "type": code}}
            )
        if request.url.path.endswith("/embeddings"):
            data = [
                {"object": "embedding", "embedding": [float(len(text)), 1.0], "index": i}
                for i, text in enumerate(body["input"])
            ]
            data.reverse()  # out of order: the client must sort by index
            usage = {"prompt_tokens": len(data), "total_tokens": len(data)}
            return httpx.Response(200, json={"object": "list", "data": data, "usage": usage})
        query = set(body["query"].split())
        results = [
            {"index": i, "relevance_score": len(query & set(doc.split())) / (1 + len(query))}
            for i, doc in enumerate(body["documents"])
        ]
        results.sort(key=lambda r: -r["relevance_score"])
        results = results[: body.get("top_n", len(results))]
        return httpx.Response(200, json={"results": results, "usage": {"total_tokens": 1}})


@pytest.fixture
def fake() -> FakeV2:
    return FakeV2()


def _kwargs(fake: FakeV2) -> dict[str, Any]:
    return {
        "api_key": "k",
        "base_url": BASE,
        "http_client": httpx.Client(transport=httpx.MockTransport(fake)),
        "http_async_client": httpx.AsyncClient(transport=httpx.MockTransport(fake)),
        "max_retries": 0,
    }


# -- configuration ------------------------------------------------------------------------------


def test_defaults() -> None:
    emb = WenxinEmbeddings(api_key="k")
    assert (emb.model, emb.truncate, emb.dimensions) == ("embedding-v1", False, 384)
    rerank = WenxinRerank(api_key="k")
    assert (rerank.model, rerank.top_n, rerank.model_spec.max_documents) == (
        "bce-reranker-base",
        3,
        64,
    )


def test_model_name_alias_catalog_and_unknown_ids() -> None:
    assert WenxinEmbeddings(model_name="bge-large-zh").dimensions == 1024
    assert WenxinEmbeddings(model="TAO-8K").model_spec.batch_size == 1
    unknown = WenxinEmbeddings(model="my-embedder")
    assert unknown.model == "my-embedder" and unknown.dimensions is None
    with pytest.raises(WenxinValidationError, match="model"):
        WenxinEmbeddings(model="bad/id")
    with pytest.raises(WenxinValidationError, match="model"):
        WenxinRerank(model="bad id")


def test_top_n_is_positive_or_none() -> None:
    assert WenxinRerank(top_n=None).top_n is None
    with pytest.raises(ValueError, match="top_n"):
        WenxinRerank(top_n=0)


@pytest.mark.parametrize("cls", [WenxinEmbeddings, WenxinRerank])
def test_env_rule_is_chatwenxins(cls: type[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANFAN_API_KEY", "env-api-key")
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", "env-ak")
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "env-sk")
    monkeypatch.setenv("QIANFAN_AK", "env-v1-ak")
    from_env = cls()
    assert from_env.api_key.get_secret_value() == "env-api-key"
    assert from_env.access_key.get_secret_value() == "env-ak"
    assert from_env.qianfan_ak is None  # V2 only: V1 keys are not read
    given = cls(access_key="arg-ak", secret_key="arg-sk")
    assert given.api_key is None and given.access_key.get_secret_value() == "arg-ak"


@pytest.mark.parametrize("cls", [WenxinEmbeddings, WenxinRerank])
def test_no_credentials_or_v1_only_ones_are_typed(cls: type[Any]) -> None:
    with pytest.raises(MissingCredentialsError, match="QIANFAN_API_KEY"):
        _ = cls().client
    with pytest.raises(AuthenticationError) as info:
        _ = cls(qianfan_ak="sk-v1-ak-value", qianfan_sk="sk-v1-sk-value").client
    assert "qianfan_ak" in str(info.value) and "api_key" in str(info.value)
    assert "sk-v1-ak-value" not in str(info.value)


@pytest.mark.parametrize("cls", [WenxinEmbeddings, WenxinRerank])
def test_v1_era_spelling_refused_by_name(cls: type[Any]) -> None:
    with pytest.raises(WenxinValidationError, match="secret_key") as info:
        cls(iam_secret_key="sk-old-spelling-value")
    assert "sk-old-spelling-value" not in repr(info.value)
    assert "sk-old-spelling-value" not in repr(info.value.__context__)


# -- secrets and serialisation ------------------------------------------------------------------


@pytest.mark.parametrize("cls", [WenxinEmbeddings, WenxinRerank])
def test_secrets_never_shown_or_serialised(cls: type[Any]) -> None:
    model = cls(**SECRETS, qianfan_sk="sk-v1-value")
    for name in SECRETS:
        assert isinstance(getattr(model, name), SecretStr)
    shown = [repr(model), str(model), dumps(model), str(dumpd(model)), str(model.model_dump())]
    for text in shown:
        for value in [*SECRETS.values(), "sk-v1-value"]:
            assert value not in text
    kwargs = dumpd(model)["kwargs"]
    assert kwargs["api_key"] == {"lc": 1, "type": "secret", "id": ["QIANFAN_API_KEY"]}
    assert model.lc_secrets["secret_key"] == "QIANFAN_SECRET_KEY"


@pytest.mark.filterwarnings("ignore:The function `loads` is in beta")
def test_dumps_loads_round_trip_takes_secrets_from_the_map() -> None:
    emb = WenxinEmbeddings(model="bge-large-en", api_key="sk-api-key-value", truncate=True)
    text = dumps(emb)
    revived = loads(
        text,
        secrets_map={"QIANFAN_API_KEY": "revived-key"},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects="all",
    )
    assert isinstance(revived, WenxinEmbeddings)
    assert (revived.model, revived.truncate) == ("bge-large-en", True)
    assert revived.api_key is not None and revived.api_key.get_secret_value() == "revived-key"
    rerank = loads(
        dumps(WenxinRerank(api_key="x", top_n=5)),
        secrets_map={"QIANFAN_API_KEY": "r"},
        valid_namespaces=["langchain_wenxin"],
        allowed_objects="all",
    )
    assert isinstance(rerank, WenxinRerank) and rerank.top_n == 5


# -- embeddings on the wire ---------------------------------------------------------------------


def test_forty_texts_three_calls_in_order(fake: FakeV2) -> None:
    emb = WenxinEmbeddings(**_kwargs(fake))
    texts = ["x" * n for n in range(1, 41)]
    vectors = emb.embed_documents(texts)
    assert [v[0] for v in vectors] == [float(n) for n in range(1, 41)]
    assert sorted(len(b["input"]) for b in fake.bodies) == [8, 16, 16]
    assert {b["model"] for b in fake.bodies} == {"embedding-v1"}
    assert set(fake.paths) == {"/v2/embeddings"}
    assert all(h["authorization"] == "Bearer k" for h in fake.headers)


async def test_async_forty_texts_three_calls_in_order(fake: FakeV2) -> None:
    emb = WenxinEmbeddings(**_kwargs(fake))
    vectors = await emb.aembed_documents(["y" * n for n in range(1, 41)])
    assert [v[0] for v in vectors] == [float(n) for n in range(1, 41)]
    assert len(fake.bodies) == 3
    assert await emb.aembed_query("abc") == [3.0, 1.0]


def test_query_is_one_call_and_empty_list_none(fake: FakeV2) -> None:
    emb = WenxinEmbeddings(**_kwargs(fake))
    assert emb.embed_query("abcd") == [4.0, 1.0]
    assert emb.embed_documents([]) == []
    assert [b["input"] for b in fake.bodies] == [["abcd"]]


def test_tao_8k_one_text_per_call(fake: FakeV2) -> None:
    emb = WenxinEmbeddings(model="tao-8k", **_kwargs(fake))
    emb.embed_documents(["a", "b", "c"])
    assert [b["input"] for b in sorted(fake.bodies, key=lambda b: b["input"])] == [
        ["a"],
        ["b"],
        ["c"],
    ]


def test_empty_text_names_its_index_before_sending(fake: FakeV2) -> None:
    emb = WenxinEmbeddings(**_kwargs(fake))
    texts = ["ok"] * 20 + ["  "] + ["ok"]
    with pytest.raises(WenxinValidationError, match=r"texts\[20\]"):
        emb.embed_documents(texts)
    with pytest.raises(WenxinValidationError, match=r"texts\[0\]"):
        emb.embed_query("")
    assert fake.bodies == []


def test_over_long_text_is_typed_unless_truncated(fake: FakeV2) -> None:
    long = "字" * 1001
    with pytest.raises(ContextOverflowError, match=r"texts\[1\].*1000") as info:
        WenxinEmbeddings(**_kwargs(fake)).embed_documents(["ok", long])
    assert (info.value.limit, info.value.length) == (1000, 1001)
    assert fake.bodies == []
    vector = WenxinEmbeddings(truncate=True, **_kwargs(fake)).embed_query(long)
    assert vector[0] == 1000.0


@pytest.mark.parametrize(
    ("status", "lc_class", "our_class"),
    [
        (401, ModelAuthenticationError, AuthenticationError),
        (429, ModelRateLimitError, RateLimitError),
    ],
)
async def test_http_errors_are_langchain_twins(
    fake: FakeV2, status: int, lc_class: type[Exception], our_class: type[Exception]
) -> None:
    fake.status = status
    emb = WenxinEmbeddings(**_kwargs(fake))
    with pytest.raises(our_class) as info:
        emb.embed_query("hello")
    assert isinstance(info.value, lc_class)
    with pytest.raises(our_class):
        await emb.aembed_documents(["a", "b"])
    with pytest.raises(our_class):
        WenxinRerank(**_kwargs(fake)).compress_documents([Document(page_content="a")], "a")


# -- rerank on the wire -------------------------------------------------------------------------

DOCS = [
    Document(page_content="the cat sat on the mat", metadata={"n": 0}, id="d0"),
    Document(page_content="stock markets fell today", metadata={"n": 1}, id="d1"),
    Document(page_content="a cat and a dog", metadata={"n": 2}, id="d2"),
    Document(page_content="weather is sunny", metadata={"n": 3}, id="d3"),
]


def test_rerank_best_first_with_scores_and_copies(fake: FakeV2) -> None:
    rerank = WenxinRerank(top_n=2, **_kwargs(fake))
    best = rerank.compress_documents(DOCS, "cat on the mat")
    assert [d.id for d in best] == ["d0", "d2"]
    scores = [d.metadata["relevance_score"] for d in best]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert best[0].metadata["n"] == 0 and best[0].page_content == DOCS[0].page_content
    assert "relevance_score" not in DOCS[0].metadata  # the input is not changed
    assert fake.bodies == [
        {
            "model": "bce-reranker-base",
            "query": "cat on the mat",
            "documents": [d.page_content for d in DOCS],
            "top_n": 2,
        }
    ]


async def test_arerank_and_top_n_none_keeps_all(fake: FakeV2) -> None:
    rerank = WenxinRerank(top_n=None, **_kwargs(fake))
    ranked = await rerank.acompress_documents(DOCS, "cat")
    assert len(ranked) == 4 and {d.id for d in ranked[:2]} == {"d0", "d2"}
    assert await rerank.acompress_documents([], "cat") == []
    assert len(fake.bodies) == 1 and fake.bodies[0]["top_n"] == 4


def test_top_n_over_the_document_count_is_clamped(fake: FakeV2) -> None:
    ranked = WenxinRerank(top_n=10, **_kwargs(fake)).compress_documents(DOCS[:2], "cat")
    assert len(ranked) == 2 and fake.bodies[0]["top_n"] == 2


@pytest.mark.parametrize("use_async", [False, True])
async def test_more_than_64_documents_split_and_merged(fake: FakeV2, use_async: bool) -> None:
    docs = [Document(page_content=f"filler {i}") for i in range(100)]
    docs[80] = Document(page_content="alpha beta gamma", id="target")
    docs[10] = Document(page_content="alpha beta", id="second")
    rerank = WenxinRerank(top_n=2, **_kwargs(fake))
    if use_async:
        best = await rerank.acompress_documents(docs, "alpha beta gamma")
    else:
        best = rerank.compress_documents(docs, "alpha beta gamma")
    assert [d.id for d in best] == ["target", "second"]
    assert sorted(len(b["documents"]) for b in fake.bodies) == [36, 64]


def test_rerank_empty_document_names_its_index(fake: FakeV2) -> None:
    rerank = WenxinRerank(**_kwargs(fake))
    with pytest.raises(WenxinValidationError, match=r"documents\[1\]"):
        rerank.compress_documents([Document(page_content="a"), Document(page_content="")], "a")
    with pytest.raises(WenxinValidationError, match="query"):
        rerank.compress_documents(DOCS, "")
    assert fake.bodies == []
