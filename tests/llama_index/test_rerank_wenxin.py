"""WenxinRerank on the V2 emulator, and a VectorStoreIndex on WenxinEmbedding + WenxinRerank."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.callbacks import CallbackManager, CBEventType, LlamaDebugHandler
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from llama_index_wenxin import WenxinEmbedding, WenxinRerank
from tests.llama_index.li_helpers import EventCollector
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    ContextOverflowError,
    MissingCredentialsError,
    WenxinValidationError,
)

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


def _nodes() -> list[NodeWithScore]:
    return [
        NodeWithScore(node=TextNode(text=text, id_=f"n{i}"), score=0.5)
        for i, text in enumerate(CORPUS)
    ]


@pytest.fixture
def kwargs(emulator: EmulatorServer) -> dict[str, Any]:
    return {"api_key": DEFAULT_API_KEY, "base_url": emulator.v2_base_url}


def test_defaults_and_secrets() -> None:
    rerank = WenxinRerank(api_key="sk-rerank-secret")
    assert (rerank.model, rerank.top_n, rerank.truncate) == ("bce-reranker-base", 3, False)
    assert WenxinRerank.class_name() == "WenxinRerank"
    for text in (repr(rerank), rerank.to_json(), str(rerank.to_dict())):
        assert "sk-rerank-secret" not in text
    with pytest.raises(MissingCredentialsError):
        WenxinRerank()
    with pytest.raises(ValueError, match="top_n"):
        WenxinRerank(api_key="k", top_n=0)


def test_best_first_scores_set(
    kwargs: dict[str, Any], emulator: EmulatorServer, events: EventCollector
) -> None:
    debug = LlamaDebugHandler()
    rerank = WenxinRerank(callback_manager=CallbackManager([debug]), **kwargs)
    best = rerank.postprocess_nodes(_nodes(), query_str="which pandas eat bamboo in Sichuan")
    assert len(best) == 3 and best[0].node.node_id == "n2"
    assert all(n.score is not None for n in best)
    scores = [n.score or 0.0 for n in best]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.5
    (call,) = _rerank_calls(emulator)
    assert call == {
        "model": "bce-reranker-base",
        "query": "which pandas eat bamboo in Sichuan",
        "documents": CORPUS,
        "top_n": 3,
    }
    assert events.count("ReRankStartEvent") == events.count("ReRankEndEvent") == 1
    assert len(debug.get_event_pairs(CBEventType.RERANKING)) == 1


async def test_async_rerank(kwargs: dict[str, Any]) -> None:
    rerank = WenxinRerank(top_n=1, **kwargs)
    best = await rerank.apostprocess_nodes(_nodes(), QueryBundle("green tea from Hangzhou"))
    assert [n.node.node_id for n in best] == ["n7"]


@pytest.mark.parametrize("use_async", [False, True])
async def test_more_than_64_nodes_split_and_merged(
    kwargs: dict[str, Any], emulator: EmulatorServer, use_async: bool
) -> None:
    nodes = [NodeWithScore(node=TextNode(text=f"filler passage {i}")) for i in range(70)]
    nodes[66] = NodeWithScore(node=TextNode(text="the Yangtze river flows to the sea", id_="r"))
    rerank = WenxinRerank(top_n=2, **kwargs)
    query = QueryBundle("where does the Yangtze river flow")
    if use_async:
        best = await rerank.apostprocess_nodes(nodes, query)
    else:
        best = rerank.postprocess_nodes(nodes, query)
    assert best[0].node.node_id == "r" and len(best) == 2
    assert sorted(len(c["documents"]) for c in _rerank_calls(emulator)) == [6, 64]


def test_errors(kwargs: dict[str, Any], emulator: EmulatorServer) -> None:
    rerank = WenxinRerank(**kwargs)
    with pytest.raises(ValueError, match="query"):
        rerank.postprocess_nodes(_nodes())
    assert rerank.postprocess_nodes([], query_str="q") == []
    empty = [_nodes()[0], NodeWithScore(node=TextNode(text=""))]
    with pytest.raises(WenxinValidationError, match=r"documents\[1\]"):
        rerank.postprocess_nodes(empty, query_str="q")
    with pytest.raises(ContextOverflowError, match="query"):
        rerank.postprocess_nodes(_nodes(), query_str="q" * 1601)
    assert _rerank_calls(emulator) == []
    secret = "bce-v3/ALTAK-wrong/li-rerank-secret"
    wrong = WenxinRerank(api_key=secret, base_url=emulator.v2_base_url)
    with pytest.raises(AuthenticationError) as info:
        wrong.postprocess_nodes(_nodes(), query_str="q")
    assert "li-rerank-secret" not in str(info.value) + repr(info.value)


def _index(kwargs: dict[str, Any]) -> VectorStoreIndex:
    embed = WenxinEmbedding(**kwargs)
    docs = [Document(text=text, id_=f"doc{i}") for i, text in enumerate(CORPUS)]
    return VectorStoreIndex.from_documents(docs, embed_model=embed)


def test_vector_store_index_retrieves_and_reranks(kwargs: dict[str, Any]) -> None:
    index = _index(kwargs)
    query = "which rerank models score each passage"
    retrieved = index.as_retriever(similarity_top_k=4).retrieve(query)
    assert CORPUS[4] in {n.node.get_content() for n in retrieved}
    best = WenxinRerank(top_n=1, **kwargs).postprocess_nodes(retrieved, query_str=query)
    assert [n.node.get_content() for n in best] == [CORPUS[4]]


async def test_query_engine_on_qianfan_end_to_end(kwargs: dict[str, Any], make_llm: Any) -> None:
    Settings.llm = make_llm()
    index = _index(kwargs)
    engine = index.as_query_engine(
        similarity_top_k=4, node_postprocessors=[WenxinRerank(top_n=2, **kwargs)]
    )
    response = await engine.aquery("where do pandas eat bamboo")
    assert response.source_nodes[0].node.get_content() == CORPUS[2]
    assert len(response.source_nodes) == 2 and str(response)
    sync = engine.query("the Great Wall across northern China")
    assert sync.source_nodes[0].node.get_content() == CORPUS[1]
