"""The core clients behind every class of the adapter: one sync and one async client, one auth.

:class:`CoreClients` holds the connection fields every class has (``timeout``, ``max_retries``,
``rate_limit`` and the caller's httpx clients) and makes the core's clients on first use. The
credentials resolve once into one auth (one token cache) shared by both clients; each class adds
its own options in :meth:`CoreClients._client_kwargs`.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from langchain_wenxin._settings import CredentialFields
from langchain_wenxin.errors import core_errors_translated
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.ratelimit.base import RateLimiter
from wenxin_core.request import DEFAULT_TIMEOUT

__all__ = ["CoreClients", "private_values"]

_init_lock = threading.Lock()
"""Guards the lazy creation of an instance's auth and clients (cheap, held only once)."""


def private_values(model: BaseModel) -> dict[str, Any]:
    """``model``'s private attribute values, for hot paths (a plain dict read)."""
    return model.__pydantic_private__ or {}


class CoreClients(CredentialFields):
    """The connection fields and the lazily made core clients of a class of the adapter."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    timeout: float | None = None
    """Seconds per attempt; ``None``: the core's default (10 s connect, 300 s read)."""
    max_retries: int = 2
    """Retries after the first attempt, for transient failures."""
    rate_limit: RateLimiter | None = Field(default=None, exclude=True)
    """A :mod:`wenxin_core.ratelimit` limiter: requests and tokens budgeted per attempt."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` for the sync calls (left open)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` for the async calls (left open)."""

    _connection: tuple[httpx.Auth, str, str | None] | None = PrivateAttr(default=None)
    _client: WenxinClient | None = PrivateAttr(default=None)
    _async_client: AsyncWenxinClient | None = PrivateAttr(default=None)

    def _client_kwargs(self) -> dict[str, Any]:
        """The core client's arguments (called under the lock); subclasses add their own."""
        if self._connection is None:
            self._connection = self.core_connection()
        auth, base_url, app_id = self._connection
        kwargs: dict[str, Any] = {
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
        client: WenxinClient | None = private_values(self).get("_client")  # see async_client
        if client is not None:
            return client
        with _init_lock, core_errors_translated():
            if self._client is None:
                self._client = WenxinClient(http_client=self.http_client, **self._client_kwargs())
            return self._client

    @property
    def async_client(self) -> AsyncWenxinClient:
        """The core's async client (made on first use; shares the sync client's auth)."""
        # Read from pydantic's store of private values: ``self._async_client`` goes through
        # BaseModel.__getattr__, which probes the attribute through an AttributeError (some
        # 5 us, on every async call).
        client: AsyncWenxinClient | None = private_values(self).get("_async_client")
        if client is not None:
            return client
        with _init_lock, core_errors_translated():
            if self._async_client is None:
                self._async_client = AsyncWenxinClient(
                    http_client=self.http_async_client, **self._client_kwargs()
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
