"""``WenxinRerank``: Baidu Qianfan V2 rerank models (``/v2/rerank``) as a node postprocessor.

The nodes' texts go to the core (which checks them and sends one call per 64 documents); the
``top_n`` best come back, best first, each node's score set to the service's
``relevance_score``. The reranking fires LlamaIndex's ``ReRankStartEvent`` /
``ReRankEndEvent`` and the ``RERANKING`` callback event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.callbacks import CBEventType, EventPayload
from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle
from llama_index_instrumentation import get_dispatcher

from llama_index_wenxin._service import WenxinServiceFields
from wenxin_core.types import RerankResult
from wenxin_core.vector_catalog import DEFAULT_RERANK_MODEL, RerankSpec, resolve_rerank_model

__all__ = ["DEFAULT_RERANK_MODEL", "WenxinRerank"]

dispatcher = get_dispatcher(__name__)

_Group = tuple[int, list[str], int]
"""One rerank call: the offset of its first node, its documents and its ``top_n``."""


class WenxinRerank(WenxinServiceFields, BaseNodePostprocessor):
    """Baidu Qianfan (文心千帆) rerank models as a LlamaIndex node postprocessor (V2 only).

    Credentials as for :class:`~llama_index_wenxin.Wenxin` on V2 (``api_key`` /
    ``QIANFAN_API_KEY``, or the IAM pair). ``model``: ``"bce-reranker-base"`` (the default) or a
    ``qwen3-reranker-*`` id (an unknown id passes through). ``top_n`` nodes are kept (default
    3), best first, each ``score`` the service's relevance score; more than 64 nodes are ranked
    in several calls whose best are merged. A node with no text is a
    :class:`~wenxin_core.errors.WenxinValidationError` naming its index (``documents[2]``).

    Examples:
        ```python
        from llama_index_wenxin import WenxinRerank

        engine = index.as_query_engine(
            similarity_top_k=10, node_postprocessors=[WenxinRerank(top_n=3)]
        )
        ```

    """

    model: str = Field(default=DEFAULT_RERANK_MODEL, description="The Qianfan V2 rerank model.")
    top_n: int = Field(default=3, gt=0, description="How many nodes to return, best first.")
    truncate: bool = Field(
        default=False, description="Cut documents and queries over the limits instead of raising."
    )

    _spec: RerankSpec = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        """Validate the fields, resolve the model, the credentials and the core clients.

        Raises:
            MissingCredentialsError: no usable V2 credential.
            WenxinValidationError: a malformed model id, a V1-era credential keyword, or a
                malformed ``base_url``.

        """
        super().__init__(**data)
        self._spec = resolve_rerank_model(self.model)
        self.model = self._spec.name

    @classmethod
    def class_name(cls) -> str:
        """Stable name used in serialisation."""
        return "WenxinRerank"

    @property
    def model_spec(self) -> RerankSpec:
        """The catalog's :class:`~wenxin_core.vector_catalog.RerankSpec` of the model."""
        return self._spec

    def _groups(self, nodes: Sequence[NodeWithScore]) -> list[_Group]:
        texts = [n.node.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        size = self._spec.max_documents
        return [
            (offset, texts[offset : offset + size], min(self.top_n, len(texts[offset:][:size])))
            for offset in range(0, len(texts), size)
        ]

    def _ranked(
        self, nodes: Sequence[NodeWithScore], answers: Sequence[tuple[int, RerankResult]]
    ) -> list[NodeWithScore]:
        items = [(offset, item) for offset, result in answers for item in result.results]
        items.sort(key=lambda pair: pair[1].relevance_score, reverse=True)
        return [
            NodeWithScore(node=nodes[offset + item.index].node, score=item.relevance_score)
            for offset, item in items[: self.top_n]
        ]

    @contextmanager
    def _events(
        self, nodes: list[NodeWithScore], query: QueryBundle, out: list[NodeWithScore]
    ) -> Iterator[None]:
        """LlamaIndex's rerank events around one reranking; ``out`` is filled by the caller."""
        dispatcher.event(
            ReRankStartEvent(query=query, nodes=nodes, top_n=self.top_n, model_name=self.model)
        )
        with self.callback_manager.event(
            CBEventType.RERANKING,
            payload={
                EventPayload.NODES: nodes,
                EventPayload.MODEL_NAME: self.model,
                EventPayload.QUERY_STR: query.query_str,
                EventPayload.TOP_K: self.top_n,
            },
        ) as event:
            yield
            event.on_end(payload={EventPayload.NODES: out})
        dispatcher.event(ReRankEndEvent(nodes=out))

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        """The ``top_n`` nodes most relevant to the query, best first, scored.

        Raises:
            ValueError: no query.
            WenxinValidationError: an empty query or node text (naming its index).
            ContextOverflowError: the query or a node's text over its limit, unless
                ``truncate``.

        """
        if query_bundle is None:
            raise ValueError("WenxinRerank needs the query (query_bundle or query_str)")
        if not nodes:
            return []
        out: list[NodeWithScore] = []
        with self._events(nodes, query_bundle, out):
            client = self._clients.sync
            answers = [
                (offset, client.rerank(query_bundle.query_str, texts, **self._call(top_n)))
                for offset, texts, top_n in self._groups(nodes)
            ]
            out.extend(self._ranked(nodes, answers))
        return out

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        """The ``top_n`` most relevant nodes, asynchronously (see :meth:`_postprocess_nodes`)."""
        if query_bundle is None:
            raise ValueError("WenxinRerank needs the query (query_bundle or query_str)")
        if not nodes:
            return []
        out: list[NodeWithScore] = []
        with self._events(nodes, query_bundle, out):
            client = self._clients.async_
            groups = self._groups(nodes)
            results = await asyncio.gather(
                *(
                    client.rerank(query_bundle.query_str, texts, **self._call(top_n))
                    for _, texts, top_n in groups
                )
            )
            out.extend(
                self._ranked(nodes, [(g[0], r) for g, r in zip(groups, results, strict=True)])
            )
        return out

    def _call(self, top_n: int) -> dict[str, Any]:
        return {"top_n": top_n, "model": self._spec.name, "truncate": self.truncate}
