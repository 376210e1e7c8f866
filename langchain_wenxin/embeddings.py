"""``WenxinEmbeddings``: Baidu Qianfan V2 embedding models (``/v2/embeddings``) for LangChain.

The class only translates between LangChain and :mod:`wenxin_core`: the core checks the texts
(none empty, each within the model's limit), splits them into calls of at most 16 (``tao-8k``:
1), keeps four calls in flight, puts the vectors back in input order, and owns auth, retries and
the typed errors. :class:`~langchain_wenxin._service.WenxinServiceBase` holds what
``WenxinEmbeddings`` and :class:`~langchain_wenxin.rerank.WenxinRerank` share: the credential
fields and the core clients (re-exported here, with ``core_errors_translated``, for imports that
predate its module).
"""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import Field, field_validator

from langchain_wenxin._service import WenxinServiceBase
from langchain_wenxin.errors import core_errors_translated
from wenxin_core.vector_catalog import (
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingSpec,
    resolve_embedding_model,
)

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "WenxinEmbeddings",
    "WenxinServiceBase",
    "core_errors_translated",
]


class WenxinEmbeddings(WenxinServiceBase, Embeddings):
    """Baidu Qianfan (文心千帆) embedding models as LangChain ``Embeddings`` (V2 only).

    Setup:
        Credentials as for :class:`~langchain_wenxin.ChatWenxin` on V2: ``api_key``
        (``QIANFAN_API_KEY``) or the IAM pair ``access_key`` / ``secret_key``
        (``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``); ``base_url`` defaults to
        ``QIANFAN_BASE_URL``, else ``https://qianfan.baidubce.com/v2``.

    Key init args:
        model: ``"embedding-v1"`` (the default, 384 dimensions), ``"bge-large-zh"``,
            ``"bge-large-en"``, ``"tao-8k"``, ``"qwen3-embedding-0.6b"``... An id the catalog
            does not know passes through.
        truncate: cut a text over the model's character limit instead of raising
            :class:`~langchain_wenxin.errors.ContextOverflowError`.
        timeout, max_retries, http_client, http_async_client: as for ``ChatWenxin``.

    Batching is the core's: calls of at most 16 texts (``tao-8k``: 1), four in flight, vectors in
    input order. An empty text is a :class:`~langchain_wenxin.errors.WenxinValidationError`
    naming its index (``texts[3]``); an empty list embeds to ``[]`` without a call.

    Example:
        .. code-block:: python

            from langchain_wenxin import WenxinEmbeddings

            embeddings = WenxinEmbeddings(api_key="bce-v3/ALTAK-...")
            vectors = embeddings.embed_documents(["千帆", "文心"])
            query = embeddings.embed_query("大模型")

    """

    model: str = Field(default=DEFAULT_EMBEDDING_MODEL, alias="model_name")
    """The embedding model id (``DEFAULT_EMBEDDING_MODEL``: ``"embedding-v1"``)."""
    truncate: bool = False
    """Cut over-long texts to the model's limit instead of raising."""

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
        return resolve_embedding_model(value).name

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path of this class: ``["langchain_wenxin", "embeddings"]``."""
        return ["langchain_wenxin", "embeddings"]

    @property
    def model_spec(self) -> EmbeddingSpec:
        """The catalog's :class:`~wenxin_core.vector_catalog.EmbeddingSpec` of ``model``."""
        return resolve_embedding_model(self.model)

    @property
    def dimensions(self) -> int | None:
        """The length of the model's vectors (``None`` for an id the catalog does not know)."""
        return self.model_spec.dimensions

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed ``texts``: one vector per text, in their order.

        Raises:
            WenxinValidationError: an empty or blank text (naming its index).
            ContextOverflowError: a text over the model's limit, unless ``truncate``.
            WenxinError: a typed subclass for every failure of the service or the network.

        """
        if not texts:
            return []
        with core_errors_translated():
            return self.client.embed(texts, model=self.model, truncate=self.truncate).vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text (same errors as :meth:`embed_documents`)."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed ``texts`` asynchronously (see :meth:`embed_documents`)."""
        if not texts:
            return []
        with core_errors_translated():
            result = await self.async_client.embed(texts, model=self.model, truncate=self.truncate)
        return result.vectors

    async def aembed_query(self, text: str) -> list[float]:
        """Embed one query text asynchronously."""
        return (await self.aembed_documents([text]))[0]
