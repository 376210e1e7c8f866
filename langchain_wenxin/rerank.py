"""``WenxinRerank``: Baidu Qianfan V2 rerank models (``/v2/rerank``) as a document compressor.

The core checks the query and documents (none empty, each within the model's limit) and sends
them; this class keeps the retrieved ``Document`` objects, puts the service's
``relevance_score`` in a copy of each one's metadata and returns the ``top_n`` best first.
More documents than one call takes (64) are ranked in several calls whose best are merged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import Field, field_validator

from langchain_wenxin._service import WenxinServiceBase
from langchain_wenxin.errors import core_errors_translated
from wenxin_core.types import RerankItem, RerankResult
from wenxin_core.vector_catalog import DEFAULT_RERANK_MODEL, RerankSpec, resolve_rerank_model

__all__ = ["DEFAULT_RERANK_MODEL", "RELEVANCE_SCORE", "WenxinRerank"]

RELEVANCE_SCORE = "relevance_score"
"""The metadata key of each returned document's score."""


class WenxinRerank(WenxinServiceBase, BaseDocumentCompressor):
    """Baidu Qianfan (文心千帆) rerank models as a LangChain document compressor (V2 only).

    Setup:
        Credentials as for :class:`~langchain_wenxin.ChatWenxin` on V2 (``api_key`` /
        ``QIANFAN_API_KEY``, or the IAM pair); ``base_url`` defaults to ``QIANFAN_BASE_URL``.

    Key init args:
        model: ``"bce-reranker-base"`` (the default) or a ``qwen3-reranker-*`` id; an unknown
            id passes through.
        top_n: how many documents to keep (default 3; ``None``: all of them, ranked).
        truncate: cut a document or query over the model's limit instead of raising.

    Each returned document is a copy of the input one with ``metadata["relevance_score"]``
    set, best first. An empty document is a
    :class:`~langchain_wenxin.errors.WenxinValidationError` naming its index
    (``documents[2]``); no documents compress to ``[]`` without a call.

    Example:
        .. code-block:: python

            from langchain_core.documents import Document
            from langchain_wenxin import WenxinRerank

            reranker = WenxinRerank(top_n=2)
            docs = [Document(page_content=text) for text in ("千帆平台", "文心一言", "天气")]
            best = reranker.compress_documents(docs, query="文心千帆")
            best[0].metadata["relevance_score"]

    """

    model: str = Field(default=DEFAULT_RERANK_MODEL, alias="model_name")
    """The rerank model id (``DEFAULT_RERANK_MODEL``: ``"bce-reranker-base"``)."""
    top_n: int | None = Field(default=3, ge=1)
    """How many documents to return, best first; ``None``: all of them."""
    truncate: bool = False
    """Cut over-long documents and queries to the model's limits instead of raising."""

    def __init__(self, **data: Any) -> None:
        """Build the object; a bad model id or a V1-era credential spelling raises a typed error.

        Raises:
            WenxinValidationError: a malformed model id, or ``iam_secret_key`` and the other
                V1-era credential keywords (named, their value never shown).

        """
        super().__init__(**data)

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        """A model id (no ``/`` or spaces); an unknown id passes through."""
        return resolve_rerank_model(value).name

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path of this class: ``["langchain_wenxin", "rerank"]``."""
        return ["langchain_wenxin", "rerank"]

    @property
    def model_spec(self) -> RerankSpec:
        """The catalog's :class:`~wenxin_core.vector_catalog.RerankSpec` of ``model``."""
        return resolve_rerank_model(self.model)

    def _groups(self, documents: Sequence[Document]) -> list[tuple[int, list[str], int]]:
        """(offset, texts, top_n) of each call: at most ``max_documents`` documents each."""
        size = self.model_spec.max_documents
        groups = []
        for offset in range(0, len(documents), size):
            texts = [doc.page_content for doc in documents[offset : offset + size]]
            groups.append((offset, texts, min(self.top_n or len(texts), len(texts))))
        return groups

    def _ranked(
        self, documents: Sequence[Document], answers: Sequence[tuple[int, RerankResult]]
    ) -> list[Document]:
        """The best ``top_n`` of every call's results, as scored copies of the documents."""
        items: list[tuple[int, RerankItem]] = [
            (offset, item) for offset, result in answers for item in result.results
        ]
        items.sort(key=lambda pair: pair[1].relevance_score, reverse=True)
        ranked = []
        for offset, item in items[: self.top_n]:
            doc = documents[offset + item.index]
            metadata = {**doc.metadata, RELEVANCE_SCORE: item.relevance_score}
            ranked.append(doc.model_copy(update={"metadata": metadata}))
        return ranked

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Rank ``documents`` by relevance to ``query``; the ``top_n`` best, scored.

        Raises:
            WenxinValidationError: an empty query or document (naming its index).
            ContextOverflowError: the query or a document over its limit, unless ``truncate``.
            WenxinError: a typed subclass for every failure of the service or the network.

        """
        if not documents:
            return []
        answers = []
        with core_errors_translated():
            for offset, texts, top_n in self._groups(documents):
                result = self.client.rerank(
                    query, texts, top_n=top_n, model=self.model, truncate=self.truncate
                )
                answers.append((offset, result))
        return self._ranked(documents, answers)

    async def acompress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Rank ``documents`` asynchronously (see :meth:`compress_documents`)."""
        if not documents:
            return []
        groups = self._groups(documents)
        client = self.async_client
        with core_errors_translated():
            results = await asyncio.gather(
                *(
                    client.rerank(
                        query, texts, top_n=top_n, model=self.model, truncate=self.truncate
                    )
                    for _, texts, top_n in groups
                )
            )
        return self._ranked(documents, [(g[0], r) for g, r in zip(groups, results, strict=True)])
