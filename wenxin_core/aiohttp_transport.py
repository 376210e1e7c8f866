"""An httpx transport that sends through aiohttp's connection pool.

httpx's own async pool spends the client's CPU on bookkeeping as concurrency grows (a few
hundred calls/s at 32 in flight on a 2-core machine), while aiohttp's connector reaches several
thousand (``bench/throughput.py``). This transport keeps httpx as the API (``httpx.Request`` in,
``httpx.Response`` out, httpx exceptions) and lets aiohttp do the wire work.

It is written here rather than taken from ``httpx-aiohttp`` because that transport maps every
aiohttp ``ClientConnectionError`` to ``httpx.ConnectTimeout`` (a refused connection or a server
that hung up would read as a timeout) and hands aiohttp the ``httpx.Headers`` object, whose
per-key lookups cost more client CPU per call than the rest of the request building.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx

__all__ = ["AiohttpTransport", "map_aiohttp_errors"]

_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


@contextlib.contextmanager
def map_aiohttp_errors() -> Iterator[None]:
    """Re-raise aiohttp's exceptions as the httpx exceptions they correspond to."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
    except aiohttp.SocketTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
    except (aiohttp.ServerTimeoutError, asyncio.TimeoutError) as exc:
        raise httpx.PoolTimeout(str(exc) or "timed out waiting for a connection") from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx.RemoteProtocolError(str(exc) or "server disconnected") from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.RemoteProtocolError(str(exc) or "incomplete response body") from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc) or "invalid URL") from exc
    except aiohttp.ClientResponseError as exc:
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ClientError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


class _ResponseStream(httpx.AsyncByteStream):
    """The body of an aiohttp response as an httpx byte stream (data as it arrives)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with map_aiohttp_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        """Release the connection (back to the pool if the body was read, else closed)."""
        with map_aiohttp_errors():
            await self._response.__aexit__(None, None, None)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncBaseTransport`` over one ``aiohttp.ClientSession``.

    Args:
        limits: ``max_connections`` and ``keepalive_expiry`` of the pool.
        verify: TLS verification, as httpx takes it (``True``, ``False``, an ``SSLContext``).
        trust_env: read proxy settings (``HTTPS_PROXY``, ``NO_PROXY``, ...) and CA bundles from
            the environment, as httpx does; read once, not on every request.

    The session is made on the first request, in the event loop that sends it; the transport
    belongs to that loop. Responses are not decompressed by aiohttp: httpx decodes them.

    """

    def __init__(
        self,
        *,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        verify: Any = True,
        trust_env: bool = True,
    ) -> None:
        self._limits = limits
        self._ssl = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
        self._proxies = urllib.request.getproxies() if trust_env else {}
        self._proxy_for_host: dict[tuple[str, str], str | None] = {}
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, Any, Any], aiohttp.ClientTimeout] = {}

    @property
    def client(self) -> aiohttp.ClientSession | None:
        """The aiohttp session, once the first request made it."""
        return self._session

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry,
                ssl=self._ssl,
            )
            # trust_env=False: aiohttp would read the proxy variables and ~/.netrc on every
            # request (more CPU than the rest of a call); they are read once in __init__.
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=False
            )
        return self._session

    def _proxy_for(self, url: httpx.URL) -> str | None:
        if not self._proxies:
            return None
        key = (url.scheme, url.host)
        if key not in self._proxy_for_host:
            proxy = None
            if not urllib.request.proxy_bypass(url.host):
                proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
            self._proxy_for_host[key] = proxy
        return self._proxy_for_host[key]

    def _timeout_for(self, timeout: dict[str, Any]) -> aiohttp.ClientTimeout:
        key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        value = self._timeouts.get(key)
        if value is None:
            value = aiohttp.ClientTimeout(sock_connect=key[0], sock_read=key[1], connect=key[2])
            if len(self._timeouts) < 64:
                self._timeouts[key] = value
        return value

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; return a response whose body streams from the connection."""
        data: Any
        try:
            data = request.content or None
        except httpx.RequestNotRead:
            data = request.stream
        session = self._session_now()
        with map_aiohttp_errors():
            response = await session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,
                timeout=self._timeout_for(request.extensions.get("timeout", {})),
                compress=None,
                proxy=self._proxy_for(request.url),
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", errors="replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close the session and every connection of its pool."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def release_now(self) -> None:
        """Close every socket without the event loop (its loop has stopped or is gone).

        The session is detached and its connector marked closed, so neither leaks nor warns.
        """
        session, self._session = self._session, None
        if session is None or session.closed:
            return
        connector = session.connector
        session.detach()
        if connector is not None and not connector.closed:
            _close_sockets(connector)


def _close_sockets(connector: aiohttp.BaseConnector) -> None:
    """Close every socket of a connector whose loop is not running, then mark it closed."""
    idle = getattr(connector, "_conns", {})
    acquired: set[Any] = getattr(connector, "_acquired", set())
    protocols = [proto for entries in idle.values() for proto, _ in entries]
    protocols.extend(acquired)
    for proto in protocols:
        transport = getattr(proto, "transport", None)
        sock = getattr(transport, "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            # Detach it too, or the asyncio transport warns "unclosed transport" when collected.
            with contextlib.suppress(AttributeError):
                transport._sock = None  # type: ignore[union-attr]
    idle.clear()
    acquired.clear()
    with contextlib.suppress(Exception):
        connector._close()
