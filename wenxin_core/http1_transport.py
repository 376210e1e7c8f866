"""The async client's default transport: httpx in and out, a lean HTTP/1.1 pool underneath.

``httpx.AsyncClient``'s own pool spends the client's CPU on bookkeeping as concurrency grows
(a few hundred calls/s at 32 in flight on a 2-core machine); aiohttp's reaches several thousand
but still spends about twice the CPU per call of the rest of our client. This transport keeps
httpx as the API (``httpx.Request`` in, ``httpx.Response`` out, httpx exceptions) and does the
wire work with plain asyncio protocols and the llhttp parser (``httptools``), which is all a
JSON-and-SSE API client needs: keep-alive connections, TLS, timeouts, a connection limit.

Requests that go through a proxy (``HTTPS_PROXY`` and friends, read once) are handed to
:class:`~wenxin_core.aiohttp_transport.AiohttpTransport`, which speaks ``CONNECT``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import httpx

from wenxin_core.aiohttp_transport import AiohttpTransport

try:
    from wenxin_core.http1_connection import HTTP1Connection
except ImportError:  # pragma: no cover - no httptools wheel (PyPy): aiohttp is used instead
    HTTP1_AVAILABLE = False
else:
    HTTP1_AVAILABLE = True

__all__ = ["HTTP1_AVAILABLE", "HTTP1Transport"]

_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_Origin = tuple[str, str, int]


class _BodyStream(httpx.AsyncByteStream):
    """A response body as it arrives; the connection goes back to the pool once it is read."""

    def __init__(
        self, transport: HTTP1Transport, origin: _Origin, conn: HTTP1Connection, timeout: Any
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._conn: HTTP1Connection | None = conn
        self._timeout = timeout

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        conn = self._conn
        if conn is None:
            raise StopAsyncIteration
        try:
            chunk = await conn.read_chunk(self._timeout)
        except BaseException:
            self._conn = None
            self._transport._discard(conn)
            raise
        if chunk is None:
            self._conn = None
            self._transport._release(self._origin, conn)
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        """Give the connection back (read whole) or close it (body left unread)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport._discard(conn)


class HTTP1Transport(httpx.AsyncBaseTransport):
    """``httpx.AsyncBaseTransport`` over a pool of keep-alive HTTP/1.1 connections.

    Args:
        limits: ``max_connections`` (open at once, waiting beyond that up to the ``pool``
            timeout), ``max_keepalive_connections`` (idle ones kept) and ``keepalive_expiry``.
        verify: TLS verification, as httpx takes it (``True``, ``False``, an ``SSLContext``).
        trust_env: read proxy settings (``HTTPS_PROXY``, ``NO_PROXY``, ...) and CA bundles from
            the environment, as httpx does; read once, not on every request.

    The transport belongs to the event loop that sends its first request. Responses are not
    decompressed here: httpx decodes them.

    """

    def __init__(
        self,
        *,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        verify: Any = True,
        trust_env: bool = True,
    ) -> None:
        self._max_connections = limits.max_connections
        self._max_idle = limits.max_keepalive_connections
        self._expiry = limits.keepalive_expiry
        self._limits = limits
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None
        self._proxies = urllib.request.getproxies() if trust_env else {}
        self._proxy_for_host: dict[tuple[str, str], bool] = {}
        self._proxied: AiohttpTransport | None = None
        self._idle: dict[_Origin, collections.deque[HTTP1Connection]] = {}
        self._open: set[HTTP1Connection] = set()
        self._slot_waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._heads: dict[tuple[str, bytes], bytes] = {}
        self._closed = False

    # -- sending ------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; return a response whose body streams from the connection."""
        url = request.url
        if self._uses_proxy(url) or request.method == "HEAD":
            return await self._proxied_transport().handle_async_request(request)
        if self._closed:
            raise httpx.ConnectError("The transport has been closed")
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol {scheme!r}")
        origin = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        timeout = request.extensions.get("timeout", {})
        data = await self._encode(request)
        conn = await self._acquire(origin, timeout)
        try:
            conn.send(data)
            head = await conn.read_head(timeout.get("read"))
        except BaseException:
            self._discard(conn)
            raise
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if head.reason:
            extensions["reason_phrase"] = head.reason.strip()
        return httpx.Response(
            status_code=head.status,
            headers=head.headers,
            stream=_BodyStream(self, origin, conn, timeout.get("read")),
            request=request,
            extensions=extensions,
        )

    async def _encode(self, request: httpx.Request) -> bytes:
        """The request's bytes on the wire: request line, headers, body."""
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        raw = request.headers.raw
        lines = b"".join([name + b": " + value + b"\r\n" for name, value in raw])
        if b"\r" in lines.replace(b"\r\n", b"") or lines.count(b"\n") != len(raw):
            raise httpx.LocalProtocolError("Illegal line break in a header name or value")
        if b"transfer-encoding" in lines.lower() and any(
            name.lower() == b"transfer-encoding" for name, _ in raw
        ):
            body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        target = request.url.raw_path
        return b"%s %s HTTP/1.1\r\n%s\r\n%s" % (request.method.encode(), target, lines, body)

    # -- the pool -----------------------------------------------------------------------

    async def _acquire(self, origin: _Origin, timeout: dict[str, Any]) -> HTTP1Connection:
        """An idle connection to ``origin``, a new one, or the next one freed."""
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            idle = self._idle.get(origin)
            while idle:
                conn = idle.pop()
                if not conn.closed and not self._expired(conn, loop):
                    return conn
                self._discard(conn)
            if self._max_connections is None or len(self._open) < self._max_connections:
                return await self._connect(origin, timeout.get("connect"))
            if self._idle_elsewhere():
                continue
            pool_timeout = timeout.get("pool")
            if deadline is None and pool_timeout is not None:
                deadline = loop.time() + pool_timeout
            await self._wait_for_slot(loop, deadline)

    def _expired(self, conn: HTTP1Connection, loop: asyncio.AbstractEventLoop) -> bool:
        return self._expiry is not None and loop.time() - conn.idle_since > self._expiry

    def _idle_elsewhere(self) -> bool:
        """Close one idle connection to another origin to make room; True if one was found."""
        for idle in self._idle.values():
            if idle:
                self._discard(idle.popleft())
                return True
        return False

    async def _wait_for_slot(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        waiter: asyncio.Future[None] = loop.create_future()
        self._slot_waiters.append(waiter)
        try:
            if deadline is None:
                await waiter
            else:
                await asyncio.wait_for(waiter, max(deadline - loop.time(), 0))
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._notify_slot()  # woken but not going to use it: wake the next one
            if isinstance(exc, asyncio.TimeoutError):
                raise httpx.PoolTimeout(
                    "Timed out waiting for a connection from the pool"
                ) from None
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._slot_waiters.remove(waiter)

    def _notify_slot(self) -> None:
        while self._slot_waiters:
            waiter = self._slot_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _connect(self, origin: _Origin, timeout: float | None) -> HTTP1Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        ssl_context = self._ssl_context() if scheme == "https" else None
        conn = HTTP1Connection(loop, self._forget)
        conn.origin = origin
        self._open.add(conn)
        try:
            await asyncio.wait_for(
                loop.create_connection(
                    lambda: conn,
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=host if ssl_context is not None else None,
                ),
                timeout,
            )
        except BaseException as exc:
            self._open.discard(conn)
            conn.abort()
            self._notify_slot()
            if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
                raise httpx.ConnectTimeout(f"Timed out connecting to {host}:{port}") from exc
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS (ssl.SSLError)
                raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
            raise
        return conn

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
        return self._ssl

    def _release(self, origin: _Origin, conn: HTTP1Connection) -> None:
        """Keep a connection whose response was read whole, or close it."""
        idle = self._idle.get(origin)
        if idle is None:
            idle = self._idle[origin] = collections.deque()
        full = self._max_idle is not None and len(idle) >= self._max_idle
        if self._closed or not conn.reusable or full:
            self._discard(conn)
            return
        conn.mark_idle()
        idle.append(conn)
        self._notify_slot()

    def _forget(self, conn: HTTP1Connection) -> None:
        """Drop a connection the server closed (idle, or carrying a request that then fails)."""
        if conn in self._open:
            self._open.discard(conn)
            idle = self._idle.get(conn.origin)
            if idle is not None and conn in idle:
                idle.remove(conn)
            self._notify_slot()

    def _discard(self, conn: HTTP1Connection) -> None:
        """Close a connection and free its slot."""
        if not conn.closed:
            conn.abort()
        if conn in self._open:
            self._open.discard(conn)
            self._notify_slot()

    # -- proxies ------------------------------------------------------------------------

    def _uses_proxy(self, url: httpx.URL) -> bool:
        if not self._proxies:
            return False
        key = (url.scheme, url.host)
        uses = self._proxy_for_host.get(key)
        if uses is None:
            uses = not urllib.request.proxy_bypass(url.host) and bool(
                self._proxies.get(url.scheme) or self._proxies.get("all")
            )
            self._proxy_for_host[key] = uses
        return uses

    def _proxied_transport(self) -> AiohttpTransport:
        if self._proxied is None:
            self._proxied = AiohttpTransport(
                limits=self._limits, verify=self._verify, trust_env=self._trust_env
            )
        return self._proxied

    # -- closing ------------------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or carrying a request."""
        return len(self._open)

    async def aclose(self) -> None:
        """Close every connection (a response still being read fails)."""
        self._closed = True
        for conn in list(self._open):
            self._discard(conn)
        self._idle.clear()
        proxied, self._proxied = self._proxied, None
        if proxied is not None:
            await proxied.aclose()

    def release_now(self) -> None:
        """Close every socket without the event loop (its loop has stopped or is gone)."""
        self._closed = True
        for conn in list(self._open):
            conn.release_socket()
        self._open.clear()
        self._idle.clear()
        proxied, self._proxied = self._proxied, None
        if proxied is not None:
            proxied.release_now()
