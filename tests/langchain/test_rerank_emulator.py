"""WenxinRerank over real HTTP against the V2 emulator, and a retrieval on WenxinEmbeddings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_wenxin import WenxinEmbeddings, WenxinRerank
from langchain_wenxin.errors import AuthenticationError, ContextOverflowError, WenxinValidationError
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

CORPUS = [
    "Qianfan serves ERNIE models through an OpenAI compatible V2 interface",
    "The Great Wall stretches across northern China for thousands of kilometres",
    "Pandas eat bamboo in the mountain forests of Sichuan",
    "Embedding vectors let a retriever find passages that share words with a query",
    "Rerank models score each passage against the question before generation",
    "Dumplings are a traditional dish for the Spring Festival",
    "The Yangtze river flows east into the sea near Shanghai",
    "Green tea from Hangzhou is called Longjing",
]


def _rerank_calls(server: EmulatorServer) -> list[dict[str, Any]]:
    bodies = []
    for record in server.requests:
        if record["path"] == "/v2/rerank":
            body = record["body"]
            bodies.append(json.loads(body) if isinstance(body, str) else body)
    return bodies


def _kwargs(server: EmulatorServer) -> dict[str, Any]:
    return {"api_key": DEFAULT_API_KEY, "base_url": server.v2_base_url}


@pytest.fixture
def docs() -> list[Document]:
    return [Document(page_content=t, metadata={"n": i}, id=f"d{i}") for i, t in enumerate(CORPUS)]


def test_best_first_scored_top_n(wenxin_emulator: EmulatorServer, docs: list[Document]) -> None:
    rerank = WenxinRerank(**_kwargs(wenxin_emulator))
    best = rerank.compress_documents(docs, "which pandas eat bamboo in Sichuan")
    assert len(best) == 3 and best[0].id == "d2"
    scores = [d.metadata["relevance_score"] for d in best]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert best[0].metadata["n"] == 2
    (call,) = _rerank_calls(wenxin_emulator)
    assert call["top_n"] == 3 and call["model"] == "bce-reranker-base"
    assert call["documents"] == CORPUS


async def test_async_and_top_n_none(wenxin_emulator: EmulatorServer, docs: list[Document]) -> None:
    rerank = WenxinRerank(top_n=None, **_kwargs(wenxin_emulator))
    ranked = await rerank.acompress_documents(docs, "green tea from Hangzhou")
    assert len(ranked) == len(CORPUS) and ranked[0].id == "d7"
    assert {d.id for d in ranked} == {d.id for d in docs}


def test_more_than_64_documents_in_two_calls(wenxin_emulator: EmulatorServer) -> None:
    many = [Document(page_content=f"filler passage number {i}") for i in range(90)]
    many[70] = Document(page_content="the Yangtze river flows into the sea", id="river")
    best = WenxinRerank(top_n=1, **_kwargs(wenxin_emulator)).compress_documents(
        many, "where does the Yangtze river flow"
    )
    assert [d.id for d in best] == ["river"]
    assert sorted(len(c["documents"]) for c in _rerank_calls(wenxin_emulator)) == [26, 64]


def test_errors_typed_before_sending(wenxin_emulator: EmulatorServer, docs: list[Document]) -> None:
    rerank = WenxinRerank(**_kwargs(wenxin_emulator))
    with pytest.raises(WenxinValidationError, match=r"documents\[1\]"):
        rerank.compress_documents([docs[0], Document(page_content=" ")], "q")
    with pytest.raises(ContextOverflowError, match="query"):
        rerank.compress_documents(docs, "q" * 1601)
    assert _rerank_calls(wenxin_emulator) == []
    assert rerank.compress_documents([], "q") == []
    cut = WenxinRerank(truncate=True, **_kwargs(wenxin_emulator))
    assert len(cut.compress_documents(docs, "pandas " * 400)) == 3


def test_wrong_key_typed_without_the_key(wenxin_emulator: EmulatorServer) -> None:
    secret = "bce-v3/ALTAK-wrong/rerank-secret-value"
    rerank = WenxinRerank(api_key=secret, base_url=wenxin_emulator.v2_base_url)
    with pytest.raises(AuthenticationError) as info:
        rerank.compress_documents([Document(page_content="a")], "a")
    assert "rerank-secret-value" not in str(info.value) + repr(info.value) + repr(rerank)


def test_retrieval_in_memory_store_then_rerank(
    wenxin_emulator: EmulatorServer, docs: list[Document]
) -> None:
    embeddings = WenxinEmbeddings(**_kwargs(wenxin_emulator))
    store = InMemoryVectorStore(embedding=embeddings)
    store.add_documents(docs)
    query = "which rerank models score each passage"
    retrieved = store.similarity_search(query, k=4)
    assert "d4" in {d.id for d in retrieved}
    rerank = WenxinRerank(top_n=1, **_kwargs(wenxin_emulator))
    chain = store.as_retriever(search_kwargs={"k": 4}) | RunnableLambda(
        lambda found: rerank.compress_documents(found, query)
    )
    (best,) = chain.invoke(query)
    assert best.id == "d4" and best.page_content == CORPUS[4]
    assert best.metadata["relevance_score"] > 0


async def test_async_retrieval(wenxin_emulator: EmulatorServer, docs: list[Document]) -> None:
    store = InMemoryVectorStore(embedding=WenxinEmbeddings(**_kwargs(wenxin_emulator)))
    await store.aadd_documents(docs)
    query = "the Great Wall across northern China"
    found = await store.asimilarity_search(query, k=3)
    best = await WenxinRerank(top_n=1, **_kwargs(wenxin_emulator)).acompress_documents(found, query)
    assert [d.id for d in best] == ["d1"]
