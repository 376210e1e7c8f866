"""The fields and core clients every class of the adapter is built on.

:class:`ConnectionFields` is what ``Wenxin``, ``WenxinEmbedding`` and ``WenxinRerank`` share:
the credentials (:class:`~llama_index_wenxin.credentials.CredentialFields`), the connection
options, the :class:`~llama_index_wenxin.clients.ClientPair` built at construction, a deep copy
that shares it, and closing. :class:`WenxinServiceFields` builds the pair for the V2-only
service classes (embeddings, rerank).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr

from llama_index_wenxin.clients import ClientPair
from llama_index_wenxin.credentials import CredentialFields

if TYPE_CHECKING:
    from wenxin_core.ratelimit.base import RateLimiter
else:  # the field checks RateLimiter's base, which imports no LangChain (RateLimiter's may)
    from wenxin_core.ratelimit.types import LimiterBase as RateLimiter

__all__ = ["ConnectionFields", "WenxinServiceFields"]

_SHARED_PRIVATE = ("_spec", "_clients")
"""Private attributes a deep copy shares with the original: the spec and the core clients."""


class ConnectionFields(CredentialFields):
    """The credential and connection fields of a class of the adapter, and its core clients.

    The core clients (connection pools, token cache, locks) cannot be copied and need not be:
    they are thread-safe and hold no per-conversation state, so a deep copy shares them.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _shared_on_copy: ClassVar[frozenset[str]] = frozenset(
        {"callback_manager", "http_client", "async_http_client"}
    )
    """Fields a deep copy shares with the original instead of copying."""

    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Per-attempt timeout in seconds; None keeps the core's default.",
    )
    max_retries: int = Field(default=2, ge=0, description="Retries of retryable failures.")
    rate_limit: RateLimiter | None = Field(
        default=None,
        exclude=True,
        description="A wenxin_core.ratelimit limiter: requests and tokens budgeted per attempt.",
    )
    http_client: httpx.Client | None = Field(
        default=None, exclude=True, repr=False, description="An httpx.Client to send requests."
    )
    async_http_client: httpx.AsyncClient | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="An httpx.AsyncClient to send async requests.",
    )

    _clients: ClientPair = PrivateAttr()

    def _connect(self, model: str | None, options: dict[str, Any]) -> None:
        """Build the core clients of ``model`` with ``options`` and the caller's httpx clients.

        Raises:
            WenxinError: whatever the core's client raises for the configuration.

        """
        self._clients = ClientPair(
            model,
            options,
            http_client=self.http_client,
            async_http_client=self.async_http_client,
        )

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        """A deep copy of the configuration that shares the core clients and HTTP clients."""
        values: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            shared = name in self._shared_on_copy
            values[name] = value if shared else copy.deepcopy(value, memo)
        clone = type(self).model_construct(**values)
        private = self.__pydantic_private__ or {}
        for name in _SHARED_PRIVATE:
            if name in private:
                setattr(clone, name, private[name])
        return clone

    def _client_pair(self) -> ClientPair:
        """The core clients, read from pydantic's private storage on the hot path.

        ``self._clients`` goes through ``BaseModel.__getattr__``, which asks the private
        attribute's declaration for ``__get__`` and so raises and catches an ``AttributeError``
        on every read (about 3 us); every call reads the clients, and this read costs 0.1 us.
        Unset clients raise the ``AttributeError`` the attribute would.
        """
        private = self.__pydantic_private__
        if private is None or "_clients" not in private:
            return self._clients
        pair: ClientPair = private["_clients"]
        return pair

    def close(self) -> None:
        """Close the sync client's own connections (a caller's httpx client stays open)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close both clients' own connections (a caller's httpx clients stay open)."""
        await self._clients.aclose()


class WenxinServiceFields(ConnectionFields):
    """The credential and connection fields of a V2 service class, and its core clients.

    The fields and rule of :class:`~llama_index_wenxin.Wenxin` on V2: when any credential is an
    argument only the arguments count, else every credential comes from the environment
    (``QIANFAN_API_KEY``, or ``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``). Secrets are
    ``SecretStr`` fields that no repr, ``to_dict`` or error shows. The core clients are built at
    construction (a bad configuration fails there) and share one auth (one token cache).
    """

    def __init__(self, **data: Any) -> None:
        """Validate the fields, then resolve the credentials and build the core clients.

        Raises:
            MissingCredentialsError: no usable V2 credential in the arguments or the
                environment (V1-only credentials are named beside the V2 ones).
            WenxinValidationError: a V1-era credential keyword (``iam_secret_key``...), or a
                malformed ``base_url``.

        """
        super().__init__(**data)
        options: dict[str, Any] = {
            "api": "v2",
            **self._credentials_given(),
            "max_retries": self.max_retries,
        }
        for name in ("app_id", "iam_base_url", "base_url", "timeout", "rate_limit"):
            options[name] = getattr(self, name)
        self._connect(None, options)
