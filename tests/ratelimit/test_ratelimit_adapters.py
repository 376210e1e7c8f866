"""``rate_limit=`` on the LangChain and LlamaIndex classes, and LangChain's ``rate_limiter=``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.documents import Document
from llama_index.core.llms import ChatMessage
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from langchain_wenxin import ChatWenxin, WenxinEmbeddings
from langchain_wenxin import WenxinRerank as LcRerank
from langchain_wenxin.errors import RateLimitError as LcRateLimitError
from llama_index_wenxin import Wenxin, WenxinEmbedding
from llama_index_wenxin import WenxinRerank as LiRerank
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.ratelimit import MemoryRateLimiter

MODEL = "ernie-4.5-turbo-32k"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """A fresh emulator (its default quota: 10000 requests a minute)."""
    with EmulatorServer() as running:
        yield running


def _requests(limiter: MemoryRateLimiter) -> int:
    return limiter._state.used[0]


def test_chat_wenxin_budgets_invoke_stream_and_ainvoke(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    chat = ChatWenxin(
        model=MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, rate_limit=limiter
    )
    reply = chat.invoke("Hello")
    list(chat.stream("Hello"))
    assert _requests(limiter) == 2
    usage = reply.usage_metadata
    assert usage is not None
    assert limiter._state.used[1] > usage["input_tokens"]  # two calls' reported input tokens
    assert "rate_limit" not in chat.model_dump()


async def test_chat_wenxin_async_and_the_quota_stop(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(requests=2, window=30, smooth=False)
    chat = ChatWenxin(
        model=MODEL,
        api_key=DEFAULT_API_KEY,
        base_url=server.v2_base_url,
        rate_limit=limiter,
        timeout=2,
    )
    await chat.ainvoke("Hello")
    await chat.ainvoke("Hello")
    with pytest.raises(LcRateLimitError, match="budget has room"):  # the adapter's own class
        await chat.ainvoke("Hello")
    assert server.chat_calls == 2


def test_the_limiter_passes_as_langchain_rate_limiter(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    chat = ChatWenxin(
        model=MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, rate_limiter=limiter
    )
    chat.invoke("Hello")
    chat.invoke("Hello")
    assert _requests(limiter) == 2  # LangChain's hook: one request per call, no tokens
    assert limiter._state.used[1] == 0


def test_langchain_embeddings_and_rerank_budget_each_call(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    options = {"api_key": DEFAULT_API_KEY, "base_url": server.v2_base_url, "rate_limit": limiter}
    WenxinEmbeddings(**options).embed_documents([f"text {i}" for i in range(20)])  # 2 calls
    assert _requests(limiter) == 2
    docs = [Document(page_content="alpha"), Document(page_content="beta")]
    LcRerank(**options).compress_documents(docs, "alpha?")
    assert _requests(limiter) == 3


def test_llama_index_classes_budget_each_call(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    options = {"api_key": DEFAULT_API_KEY, "base_url": server.v2_base_url, "rate_limit": limiter}
    llm = Wenxin(model=MODEL, **options)
    llm.complete("Hello")
    llm.chat([ChatMessage(role="user", content="Hello")])
    assert _requests(limiter) == 2
    WenxinEmbedding(**options).get_text_embedding("some text")
    assert _requests(limiter) == 3
    nodes = [NodeWithScore(node=TextNode(text=t)) for t in ("alpha", "beta")]
    LiRerank(**options).postprocess_nodes(nodes, QueryBundle("alpha?"))
    assert _requests(limiter) == 4
    assert "rate_limit" not in llm.model_dump()


async def test_llama_index_async_calls_share_the_limiter(server: EmulatorServer) -> None:
    limiter = MemoryRateLimiter(window=30, smooth=False)
    llm = Wenxin(
        model=MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, rate_limit=limiter
    )
    await llm.acomplete("Hello")
    assert _requests(limiter) == 1
