"""``WenxinEmbeddings``: Baidu Qianfan V2 embedding models (``/v2/embeddings``) for LangChain.

The class only translates between LangChain and :mod:`wenxin_core`: the core checks the texts
(none empty, each within the model's limit), splits them into calls of at most 16 (``tao-8k``:
1), keeps four calls in flight, puts the vectors back in input order, and owns auth, retries and
the typed errors. :class:`WenxinServiceBase` holds what ``WenxinEmbeddings`` and
:class:`~langchain_wenxin.rerank.WenxinRerank` share: the credential fields and the core clients.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.load.serializable import Serializable
from pydantic import ConfigDict, Field, PrivateAttr, field_validator

from langchain_wenxin._settings import CredentialFields, secret_env_vars
from langchain_wenxin.errors import translate_error
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core import errors as core_errors
from wenxin_core._base import ClientOptions
from wenxin_core.ratelimit.base import RateLimiter
from wenxin_core.request import DEFAULT_TIMEOUT
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


@contextmanager
def core_errors_translated() -> Iterator[None]:
    """Re-raise core errors as their LangChain-flavoured twins (same attributes and cause)."""
    try:
        yield
    except core_errors.WenxinError as exc:
        raise translate_error(exc) from exc.__cause__


class WenxinServiceBase(CredentialFields, Serializable):
    """The credentials, connection options and core clients of a V2 service class.

    Credentials follow :class:`~langchain_wenxin.ChatWenxin`'s rule (arguments win entirely,
    else ``QIANFAN_API_KEY`` or the IAM pair from the environment); the secrets are
    ``SecretStr`` fields that no repr or ``dumps`` shows (``lc_secrets`` names their variables).
    The sync and the async client are made on first use and share one auth (one token cache).
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    timeout: float | None = None
    """Seconds per attempt; ``None``: the core's default (10 s connect, 300 s read)."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt, for transient failures."""
    rate_limit: RateLimiter | None = Field(default=None, exclude=True)
    """A :mod:`wenxin_core.ratelimit` limiter: requests and tokens budgeted per call."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` for the sync calls (left open)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` for the async calls (left open)."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _connection: tuple[httpx.Auth, str, str | None] | None = PrivateAttr(default=None)
    _client: WenxinClient | None = PrivateAttr(default=None)
    _async_client: AsyncWenxinClient | None = PrivateAttr(default=None)

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Serialisable with ``dumpd``/``dumps`` (secrets left out, named by their variables)."""
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variables ``loads`` reads them from."""
        return secret_env_vars()

    def _client_kwargs(self) -> ClientOptions:
        """The core client's arguments (called under the lock)."""
        if self._connection is None:
            self._connection = self.core_connection()
        auth, base_url, app_id = self._connection
        kwargs: ClientOptions = {
            "auth": auth,
            "base_url": base_url,
            "timeout": DEFAULT_TIMEOUT if self.timeout is None else self.timeout,
            "max_retries": self.max_retries,
        }
        if self.rate_limit is not None:
            kwargs["rate_limit"] = self.rate_limit
        if app_id is not None:
            kwargs["app_id"] = app_id
        return kwargs

    @property
    def client(self) -> WenxinClient:
        """The core's sync client (made on first use)."""
        if self._client is None:
            with self._lock, core_errors_translated():
                if self._client is None:
                    self._client = WenxinClient(
                        http_client=self.http_client,
                        **self._client_kwargs(),
                    )
        return self._client

    @property
    def async_client(self) -> AsyncWenxinClient:
        """The core's async client (made on first use; shares the sync client's auth)."""
        if self._async_client is None:
            with self._lock, core_errors_translated():
                if self._async_client is None:
                    self._async_client = AsyncWenxinClient(
                        http_client=self.http_async_client,
                        **self._client_kwargs(),
                    )
        return self._async_client

    def close(self) -> None:
        """Close the sync client's own connections (an injected ``http_client`` stays open)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close both clients' own connections (injected httpx clients stay open)."""
        self.close()
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None


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
