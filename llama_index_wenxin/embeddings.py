"""``WenxinEmbedding``: Baidu Qianfan V2 embedding models (``/v2/embeddings``) for LlamaIndex.

The class only translates between LlamaIndex and :mod:`wenxin_core`: the core checks the texts,
sends them (calls of at most 16 texts; ``tao-8k``: 1) and owns auth, retries and the typed
errors. LlamaIndex's own batching is set to the model's call size, so each of its embedding
events is one HTTP call. :class:`~llama_index_wenxin._service.WenxinServiceFields` (re-exported
here for imports that predate its module) holds what ``WenxinEmbedding`` and
:class:`~llama_index_wenxin.rerank.WenxinRerank` share with ``Wenxin``: the credential fields,
their environment rule and the core clients.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr

from llama_index_wenxin._service import WenxinServiceFields
from wenxin_core._base import EMBED_CONCURRENCY
from wenxin_core.vector_catalog import (
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingSpec,
    resolve_embedding_model,
)
from wenxin_core.wire.v2.vectors import embedding_batches

__all__ = ["DEFAULT_EMBEDDING_MODEL", "WenxinEmbedding", "WenxinServiceFields"]


class WenxinEmbedding(WenxinServiceFields, BaseEmbedding):
    """Baidu Qianfan (文心千帆) embedding models as a LlamaIndex ``BaseEmbedding`` (V2 only).

    Credentials as for :class:`~llama_index_wenxin.Wenxin` on V2: ``api_key``
    (``QIANFAN_API_KEY``) or the IAM pair ``access_key`` / ``secret_key``; ``base_url``
    defaults to ``QIANFAN_BASE_URL``, else ``https://qianfan.baidubce.com/v2``.

    ``model_name``: ``"embedding-v1"`` (the default, 384 dimensions), ``"bge-large-zh"``,
    ``"bge-large-en"``, ``"tao-8k"``, ``"qwen3-embedding-0.6b"``... (an unknown id passes
    through). ``embed_batch_size`` is the model's call size (16; ``tao-8k``: 1) and at most it,
    so each embedding event is one HTTP call; ``num_workers`` (default 4) bounds the calls in
    flight on the async path. ``truncate=True`` cuts an over-long text instead of raising. An
    empty text is a :class:`~wenxin_core.errors.WenxinValidationError` naming its index in the
    whole batch (``texts[20]``).

    Examples:
        ```python
        from llama_index.core import Settings, VectorStoreIndex
        from llama_index_wenxin import WenxinEmbedding

        Settings.embed_model = WenxinEmbedding(api_key="bce-v3/ALTAK-...")
        index = VectorStoreIndex.from_documents(documents)
        ```

    """

    model_name: str = Field(
        default=DEFAULT_EMBEDDING_MODEL, description="The Qianfan V2 embedding model id."
    )
    embed_batch_size: int = Field(
        default=16,
        gt=0,
        le=2048,
        description="Texts per embedding call (at most the model's limit: 16, tao-8k 1).",
    )
    num_workers: int | None = Field(
        default=EMBED_CONCURRENCY, description="Embedding calls in flight on the async path."
    )
    truncate: bool = Field(
        default=False, description="Cut texts over the model's limit instead of raising."
    )

    _spec: EmbeddingSpec = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        """Validate the fields, resolve the model, the credentials and the core clients.

        Raises:
            MissingCredentialsError: no usable V2 credential.
            WenxinValidationError: a malformed model id, a V1-era credential keyword, or a
                malformed ``base_url``.

        """
        super().__init__(**data)
        self._spec = resolve_embedding_model(self.model_name)
        self.model_name = self._spec.name
        self.embed_batch_size = min(self.embed_batch_size, self._spec.batch_size)

    @classmethod
    def class_name(cls) -> str:
        """Stable name used in serialisation."""
        return "WenxinEmbedding"

    @property
    def model_spec(self) -> EmbeddingSpec:
        """The catalog's :class:`~wenxin_core.vector_catalog.EmbeddingSpec` of the model."""
        return self._spec

    @property
    def dimensions(self) -> int | None:
        """The length of the model's vectors (``None`` for an id the catalog does not know)."""
        return self._spec.dimensions

    def _check(self, texts: list[str]) -> None:
        """Check every text before the first call, so an error names its index in ``texts``."""
        if texts:
            embedding_batches(self._spec, texts, truncate=self.truncate)

    def get_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        """Embed ``texts`` in calls of ``embed_batch_size``, each text checked first.

        Raises:
            WenxinValidationError: an empty or blank text (naming its index in ``texts``).
            ContextOverflowError: a text over the model's limit, unless ``truncate``.

        """
        self._check(texts)
        return super().get_text_embedding_batch(texts, show_progress, **kwargs)

    async def aget_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        """Embed ``texts`` asynchronously (see :meth:`get_text_embedding_batch`)."""
        self._check(texts)
        return await super().aget_text_embedding_batch(texts, show_progress, **kwargs)

    def _embed(self, texts: list[str]) -> list[Embedding]:
        return self._clients.sync.embed(
            texts, model=self._spec.name, truncate=self.truncate
        ).vectors

    async def _aembed(self, texts: list[str]) -> list[Embedding]:
        client = self._clients.async_
        result = await client.embed(texts, model=self._spec.name, truncate=self.truncate)
        return result.vectors

    def _get_query_embedding(self, query: str) -> Embedding:
        """One query's vector (one HTTP call)."""
        return self._embed([query])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        """One query's vector, asynchronously."""
        return (await self._aembed([query]))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        """One text's vector (one HTTP call)."""
        return self._embed([text])[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        """One text's vector, asynchronously."""
        return (await self._aembed([text]))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        """One batch's vectors, in order (one HTTP call for at most ``embed_batch_size``)."""
        return self._embed(texts) if texts else []

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        """One batch's vectors, asynchronously."""
        return await self._aembed(texts) if texts else []
