"""The connection pool behind the clients' own httpx clients."""

from __future__ import annotations

import httpx

__all__ = ["DEFAULT_LIMITS", "make_async_http_client", "make_http_client"]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
"""Pool limits of the clients' own httpx clients."""


def make_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """The sync client's own ``httpx.Client``."""
    return httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS)


def make_async_http_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The async client's own ``httpx.AsyncClient``."""
    return httpx.AsyncClient(timeout=timeout, limits=DEFAULT_LIMITS)
