"""The async client's transport: ``httpx-aiohttp`` over aiohttp, else httpx's own.

``httpx_aiohttp.AiohttpTransport`` (the transport the OpenAI SDK ships) keeps httpx as the API
and lets aiohttp's connector do the wire work: several times the calls/s of httpx's own async
pool at 32 in flight on a 2-core machine (``bench/throughput.py``). We add to it only:

* a session configured here: our connection limit, aiohttp's header limits spelled out,
  no cookie jar, no decompression (our body readers decompress, capped), ``trust_env`` read once;
* :class:`GuardedConnector`: a pooled connection is handed out only if nothing arrived on it
  while idle (an unsolicited answer, bytes left after the last one, a close): such a connection
  is closed, never reused, so no caller ever reads another request's answer;
* precise errors: ``httpx-aiohttp`` maps any ``ClientConnectionError`` to ``ConnectTimeout``
  and lets some aiohttp errors through; here each becomes the httpx exception it is, with the
  aiohttp error kept as its cause (typed further by :mod:`wenxin_core._http.errors`).

aiohttp is imported only when this module is, and this module only when a loop's pool is made.
Without aiohttp or ``httpx-aiohttp`` (the core installed without them), the async client uses
``httpx.AsyncHTTPTransport`` (:func:`make_async_transport`).
"""

from __future__ import annotations

import select
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from wenxin_core._http.body import read_body, read_response
from wenxin_core._http.limits import MAX_FIELD_SIZE, MAX_HEADERS, MAX_LINE_SIZE

__all__ = ["GuardedConnector", "WenxinAiohttpTransport", "httpx_error_for"]


def _idle_data_pending(protocol: Any) -> bool:
    """Whether a pooled connection received anything while idle (or cannot be reused)."""
    if protocol is None or getattr(protocol, "should_close", True):
        return True
    transport = getattr(protocol, "transport", None)
    if transport is None or transport.is_closing():
        return True
    fd = getattr(transport, "_sock_fd", None)  # asyncio's selector transports keep the fd
    if not isinstance(fd, int) or fd < 0:
        sock = transport.get_extra_info("socket")
        if sock is None:
            return False
        fd = sock
    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class GuardedConnector(aiohttp.TCPConnector):
    """A ``TCPConnector`` that never reuses a connection something arrived on while idle.

    httpcore makes the same check (its ``has_expired``); aiohttp would parse bytes an idle
    connection received as the answer to the next request sent on it.
    """

    async def _get(self, *args: Any, **kwargs: Any) -> Any:
        while True:
            connection = await super()._get(*args, **kwargs)
            if connection is None or not _idle_data_pending(connection.protocol):
                return connection
            connection.close()  # closed, not returned to the pool


def httpx_error_for(exc: BaseException) -> httpx.HTTPError:
    """The httpx exception an aiohttp (or asyncio) failure corresponds to."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connect timed out")
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return httpx.ReadTimeout(str(exc) or "read timed out")
    if isinstance(exc, (aiohttp.ServerTimeoutError, TimeoutError)):
        return httpx.PoolTimeout(str(exc) or "timed out waiting for a connection")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return httpx.ConnectError(str(exc) or "certificate verify failed")
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return httpx.ProxyError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(exc) or "invalid URL")
    if isinstance(
        exc,
        (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError),
    ):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__)
    if isinstance(exc, aiohttp.ClientOSError):
        return httpx.ReadError(str(exc) or type(exc).__name__)
    return httpx.NetworkError(str(exc) or type(exc).__name__)


def _root_aiohttp(exc: BaseException) -> BaseException | None:
    current: BaseException | None = exc
    for _ in range(8):
        if current is None:
            return None
        if isinstance(current, (aiohttp.ClientError, TimeoutError)):
            return current
        current = current.__cause__
    return None


def _mapped(exc: BaseException) -> BaseException:
    """``exc`` as the httpx exception it stands for (itself if not an aiohttp failure)."""
    root = _root_aiohttp(exc)
    return exc if root is None else httpx_error_for(root)


def _str_items(headers: httpx.Headers) -> list[tuple[str, str]]:
    """``headers.multi_items()``: ASCII headers (all of ours) decoded at once.

    httpx picks the encoding by trying ASCII on every header first; for ASCII headers that
    is the answer, found here by decoding once. Others take httpx's own choice.
    """
    try:
        return [(key.decode("ascii"), value.decode("ascii")) for _, key, value in headers._list]
    except UnicodeDecodeError:
        encoding = headers.encoding
        return [(key.decode(encoding), value.decode(encoding)) for _, key, value in headers._list]


def _bytes_headers(raw: Any) -> httpx.Headers:
    """``httpx.Headers(raw)`` for aiohttp's ``raw_headers`` (byte pairs, kept as they are).

    What httpx's constructor stores for byte pairs, without normalising each one again.
    """
    headers = httpx.Headers()
    headers._list = [(key, key.lower(), value) for key, value in raw]
    return headers


class _Stream(httpx.AsyncByteStream):
    """The body of an aiohttp response as an httpx byte stream, errors mapped precisely."""

    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc) from exc

    async def read_all(self) -> bytes:
        """The whole (raw) body at once: aiohttp's own read, no per-piece generators."""
        try:
            return await self._response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc) from exc

    async def aclose(self) -> None:
        """Release the connection (to the pool if the body was read whole, else closed)."""
        try:
            await self._response.__aexit__(None, None, None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc) from exc


_SESSION_SEND: Any = getattr(aiohttp.ClientSession, "_request", aiohttp.ClientSession.request)
"""What ``session.request`` wraps in a context manager we do not use, called unbound: awaiting
it directly holds no context manager and no bound method while the call waits."""


class WenxinAiohttpTransport(AiohttpTransport):
    """``httpx_aiohttp.AiohttpTransport`` on our own session (see the module docstring).

    Args:
        max_connections: the pool's connection limit.
        verify: TLS verification, as httpx takes it (``True``, ``False``, an ``SSLContext``,
            a CA bundle path); ``trust_env`` adds ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``.
        trust_env: read CA bundles from the environment (proxies are httpx's mounts).
        proxy: send through this proxy (httpx mounts one transport per proxy).

    The session is made on the first request, in the event loop that sends it.

    """

    def __init__(
        self,
        *,
        max_connections: int | None = 100,
        verify: Any = True,
        trust_env: bool = True,
        proxy: httpx.Proxy | None = None,
        **kwargs: Any,
    ) -> None:
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        super().__init__(
            verify=verify,
            trust_env=trust_env,
            limits=limits,
            proxy=proxy,
            client=self._new_session,
            **kwargs,
        )
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, Any, Any], aiohttp.ClientTimeout] = {}

    def _new_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            connector = GuardedConnector(
                limit=self.limits.max_connections or 0,
                keepalive_timeout=self.limits.keepalive_expiry,
                ssl=self.ssl_context,
            )
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,  # proxies come from httpx's mounts, read once
                timeout=aiohttp.ClientTimeout(total=None),
                max_line_size=MAX_LINE_SIZE,
                max_field_size=MAX_FIELD_SIZE,
                max_headers=MAX_HEADERS,
            )
        return session

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The aiohttp session, once the first request made it."""
        return self._session

    def _timeout_for(self, timeout: dict[str, Any]) -> aiohttp.ClientTimeout:
        key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        value = self._timeouts.get(key)
        if value is None:
            value = aiohttp.ClientTimeout(sock_connect=key[0], sock_read=key[1], connect=key[2])
            if len(self._timeouts) < 64:
                self._timeouts[key] = value
        return value

    def _send_options(self, request: httpx.Request) -> dict[str, Any]:
        """The arguments of aiohttp's request for ``request`` (after method and URL).

        Passed on at once (``**``), never kept in a local: aiohttp turns the header list into
        its own at once, so nothing of it is held while the call waits.
        """
        data: Any
        try:
            data = request.content or None
        except httpx.RequestNotRead:
            data = request.stream
            request.headers.pop("transfer-encoding", None)  # aiohttp frames it
        proxy = self.proxy
        return {
            "headers": _str_items(request.headers),
            "data": data,
            "allow_redirects": False,
            "timeout": self._timeout_for(request.extensions.get("timeout", {})),
            "proxy": str(proxy.url) if proxy else None,
            "proxy_auth": aiohttp.BasicAuth(*proxy.auth) if proxy and proxy.auth else None,
            "proxy_headers": proxy.headers if proxy else None,
            "server_hostname": request.extensions.get("sni_hostname"),
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the response's body streams from the connection.

        What ``httpx_aiohttp.AiohttpTransport.handle_async_request`` does, on its session,
        SSL context and proxy, less its per-call costs that showed in ``bench/throughput.py``
        (a new ``ClientTimeout`` per call, ``iter_chunked`` re-chunking, an imprecise error map).
        """
        session = self._new_session()
        try:
            response = await _SESSION_SEND(
                session, request.method, str(request.url), **self._send_options(request)
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc) from exc
        return _streamed(request, response)

    reads_whole = True
    """This transport has :meth:`send_read` (the async client's lean path looks for it)."""

    async def send_read(self, request: httpx.Request, limit: int) -> tuple[httpx.Response, bytes]:
        """Send ``request`` and read its body whole (decoded, at most ``limit`` bytes).

        :meth:`handle_async_request` then :func:`~wenxin_core._http.body.read_body`, in one
        step for the common answer (no content coding, a declared length within ``limit``):
        aiohttp reads it whole and the response is made read, with no stream object, no
        coroutine per step and no copy of its headers. Any other answer takes that path.
        """
        session = self._new_session()
        try:
            response = await _SESSION_SEND(
                session, request.method, str(request.url), **self._send_options(request)
            )
            length = response.content_length
            if (
                length is not None
                and length <= limit
                and response.status != 101
                and "Content-Encoding" not in response.headers
            ):
                try:
                    content = await response.read()
                finally:
                    response.release()
                return read_response(
                    request,
                    response.status,
                    _bytes_headers(response.raw_headers),
                    content,
                    _extensions_of(response),
                ), content
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc) from exc
        streamed = _streamed(request, response)
        return streamed, await read_body(streamed, limit)

    async def aclose(self) -> None:
        """Close the session and every connection of its pool."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def release_now(self) -> None:
        """Close every socket without the event loop (its loop has stopped or is gone)."""
        session, self._session = self._session, None
        if session is None or session.closed:
            return
        connector = session.connector
        session.detach()
        if connector is not None and not connector.closed:
            _close_sockets(connector)


def _extensions_of(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The httpx response extensions of an aiohttp response."""
    extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
    if response.reason:
        extensions["reason_phrase"] = response.reason.encode("latin-1", errors="replace")
    return extensions


def _streamed(request: httpx.Request, response: aiohttp.ClientResponse) -> httpx.Response:
    """``response`` as an httpx response to ``request`` whose body streams from aiohttp."""
    return httpx.Response(
        status_code=response.status,
        headers=_bytes_headers(response.raw_headers),
        stream=_Stream(response),
        request=request,
        extensions=_extensions_of(response),
    )


def _close_sockets(connector: aiohttp.BaseConnector) -> None:
    """Close every socket of a connector whose loop is not running, then mark it closed."""
    import contextlib

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
