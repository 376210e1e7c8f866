"""The core clients behind one ``Wenxin`` model: one sync and one async client, built lazily.

Both share a single httpx auth built from the resolved credentials, so they share the access
token cache (one token fetch for the model, whatever mix of sync and async calls it serves).
The core's async client keeps its own connection pool per event loop, which LlamaIndex needs:
it runs async code on more than one loop (``asyncio.run`` per call, ``asyncio_run`` helpers).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from wenxin_core.async_client import AsyncWenxinClient
from wenxin_core.auth import Credentials, build_auth
from wenxin_core.client import WenxinClient
from wenxin_core.messages import OverflowPolicy

__all__ = ["ClientPair"]


class ClientPair:
    """Lazily built core clients for one model configuration.

    Args:
        credentials: resolved credentials (their base URL is used).
        model: catalog model name, or ``None`` with an endpoint.
        endpoint: endpoint suffix, or ``None``.
        timeout: per-attempt timeout in seconds; ``None`` keeps the core's default.
        max_retries: retries of retryable failures.
        overflow: the core's overflow policy.
        http_client: a caller's ``httpx.Client`` (never closed here).
        async_http_client: a caller's ``httpx.AsyncClient`` (never closed here).

    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        model: str | None,
        endpoint: str | None,
        timeout: float | None,
        max_retries: int,
        overflow: OverflowPolicy,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.auth = build_auth(credentials)
        self._options: dict[str, Any] = {
            "endpoint": endpoint,
            "base_url": credentials.base_url,
            "max_retries": max_retries,
            "overflow": overflow,
            "auth": self.auth,
        }
        if timeout is not None:
            self._options["timeout"] = timeout
        self._model = model
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._lock = threading.Lock()
        self._sync: WenxinClient | None = None
        self._async: AsyncWenxinClient | None = None

    @property
    def sync(self) -> WenxinClient:
        """The sync client (built on first use)."""
        client = self._sync
        if client is None:
            with self._lock:
                if self._sync is None:
                    self._sync = WenxinClient(
                        self._model, http_client=self._http_client, **self._options
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
                        self._model, http_client=self._async_http_client, **self._options
                    )
                client = self._async
        return client

    def close(self) -> None:
        """Close the sync client if it was built (a caller's httpx client stays open)."""
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
