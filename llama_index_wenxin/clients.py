"""The core clients behind one ``Wenxin`` model: one sync and one async client.

The sync client is built at construction: building it resolves and checks the credentials (and
the model, the API and the capabilities), so a bad configuration fails there, not at the first
call. The async client is built on first use and reuses the sync client's auth, so both share one
token cache (one V2 bearer mint, or one V1 access-token fetch, whatever mix of sync and async
calls the model serves). The core's async client keeps its own connection pool per event loop,
which LlamaIndex needs: it runs async code on more than one loop (``asyncio.run`` per call,
``asyncio_run`` helpers).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from wenxin_core.async_client import AsyncWenxinClient
from wenxin_core.client import WenxinClient

__all__ = ["ClientPair"]

_SHARED_OPTIONS = (
    "api",
    "endpoint",
    "app_id",
    "timeout",
    "max_retries",
    "rate_limit",
    "overflow",
    "capabilities",
)
"""Options the async client takes from the configuration (credentials travel as the auth)."""


class ClientPair:
    """The core clients of one model configuration.

    Args:
        model: the model id (V2) or catalog name (V1); ``None`` with a V1 endpoint.
        options: the core clients' keyword options (``api``, credentials, ``base_url``,
            ``timeout``, ...); ``None`` values are left out, so the core's defaults hold.
        http_client: a caller's ``httpx.Client`` (never closed here).
        async_http_client: a caller's ``httpx.AsyncClient`` (never closed here).

    Raises:
        WenxinError: whatever the core's client raises for the configuration (missing or
            mismatched credentials, a malformed ``base_url`` ...).

    """

    def __init__(
        self,
        model: str | None,
        options: dict[str, Any],
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._model = model
        self._options = {k: v for k, v in options.items() if v is not None}
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._lock = threading.Lock()
        first = WenxinClient(model, http_client=http_client, **self._options)
        self._sync: WenxinClient | None = first
        self.auth: httpx.Auth = first.auth
        self.base_url: str = first.base_url
        self._async: AsyncWenxinClient | None = None

    def _shared(self) -> dict[str, Any]:
        """Options of a client built after the first one: the same auth and base URL."""
        shared = {k: self._options[k] for k in _SHARED_OPTIONS if k in self._options}
        shared["auth"] = self.auth
        shared["base_url"] = self.base_url
        return shared

    @property
    def sync(self) -> WenxinClient:
        """The sync client (built again on use after :meth:`close`)."""
        client = self._sync
        if client is None:
            with self._lock:
                if self._sync is None:
                    self._sync = WenxinClient(
                        self._model, http_client=self._http_client, **self._shared()
                    )
                client = self._sync
        return client

    @property
    def async_(self) -> AsyncWenxinClient:
        """The async client (built on first use)."""
        client = self._async
        if client is None:
            with self._lock:
                if self._async is None:
                    self._async = AsyncWenxinClient(
                        self._model, http_client=self._async_http_client, **self._shared()
                    )
                client = self._async
        return client

    def close(self) -> None:
        """Close the sync client if it is open (a caller's httpx client stays open)."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the sync and the async client (a caller's httpx clients stay open)."""
        self.close()
        with self._lock:
            client, self._async = self._async, None
        if client is not None:
            await client.aclose()
