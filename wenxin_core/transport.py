"""The clients' own httpx clients, and the lean path requests take to their transports.

* Sync: ``httpx.Client`` on httpx's own pool (httpcore), with the attempt deadline under it
  (:mod:`wenxin_core._http.deadline`).
* Async: ``httpx.AsyncClient`` on ``httpx-aiohttp`` (aiohttp's connector, several times the
  calls/s of httpx's own async pool) when aiohttp and httpx-aiohttp are installed, else on
  httpx's own ``AsyncHTTPTransport``. aiohttp is imported only then.

Both get one set of default headers (:data:`~wenxin_core._http.limits.DEFAULT_HEADERS`), no
cookie store, a configurable connection limit (``max_connections``), and leave proxies
(``HTTPS_PROXY``, ``NO_PROXY``...), CA bundles and ``trust_env`` to httpx. A caller-supplied
``httpx.Client`` / ``httpx.AsyncClient`` is used as it is.

:func:`send_direct` (and :func:`send_direct_sync`) send a request through its auth flow
straight to the transport, skipping what ``Client.send`` does per call that our clients never
use (header and cookie merging, redirects, hooks, a log line): on the async path that is about
as much client CPU per call as the rest of the round trip (``bench/throughput.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
from typing import Any, TypeVar

import httpx

from wenxin_core._http.body import read_body, read_body_sync
from wenxin_core._http.limits import (
    DEFAULT_HEADERS,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_DECOMPRESSED_SIZE,
)
from wenxin_core.redact import install_log_redaction

__all__ = [
    "DEFAULT_LIMITS",
    "NoCookies",
    "aiohttp_available",
    "authenticated_now",
    "default_async_transport",
    "limits_for",
    "make_async_http_client",
    "make_http_client",
    "post_request",
    "read_whole",
    "release_async_http_client",
    "send_direct",
    "send_direct_sync",
    "send_through_flow",
    "transport_for",
]

install_log_redaction()

_ClientT = TypeVar("_ClientT", httpx.Client, httpx.AsyncClient)


def limits_for(max_connections: int | None) -> httpx.Limits:
    """Pool limits for ``max_connections`` (every connection may stay alive while idle)."""
    return httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)


DEFAULT_LIMITS = limits_for(DEFAULT_MAX_CONNECTIONS)
"""Pool limits of the clients' own httpx clients unless ``max_connections`` says otherwise."""


class NoCookies(httpx.Cookies):
    """A cookie store that keeps nothing.

    Qianfan's API is stateless: cookies a gateway may set are never needed, and httpx's
    cookie extraction (through ``http.cookiejar``) costs more client CPU per call than all
    of the rest of our client-side work. Our own httpx clients use this store.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Ignore the response's ``Set-Cookie`` headers."""

    def set_cookie_header(self, request: httpx.Request) -> None:
        """Add no ``Cookie`` header."""


def _without_cookies(client: _ClientT) -> _ClientT:
    client._cookies = NoCookies()  # httpx has no public switch for this
    return client


def make_http_client(
    timeout: httpx.Timeout, *, max_connections: int | None = DEFAULT_MAX_CONNECTIONS
) -> httpx.Client:
    """The sync client's own ``httpx.Client``: httpx's pool, our headers, the deadline under it."""
    client = httpx.Client(
        timeout=timeout, limits=limits_for(max_connections), headers=list(DEFAULT_HEADERS)
    )
    from wenxin_core._http.sync_backend import install_deadline_backend  # needs httpcore

    for transport in (client._transport, *client._mounts.values()):
        if transport is not None:
            install_deadline_backend(transport)
    return _without_cookies(client)


def aiohttp_available() -> bool:
    """Whether the async client can use aiohttp (aiohttp and httpx-aiohttp installed)."""
    return all(importlib.util.find_spec(name) is not None for name in ("aiohttp", "httpx_aiohttp"))


def default_async_transport(
    max_connections: int | None = DEFAULT_MAX_CONNECTIONS, proxy: httpx.Proxy | None = None
) -> httpx.AsyncBaseTransport:
    """The async client's transport: ``httpx-aiohttp`` if installed, else httpx's own."""
    if aiohttp_available():
        from wenxin_core._http.aio import WenxinAiohttpTransport

        return WenxinAiohttpTransport(max_connections=max_connections, proxy=proxy)
    return httpx.AsyncHTTPTransport(limits=limits_for(max_connections), proxy=proxy)


class _AsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose transports, proxied ones included, are ours."""

    def __init__(self, *, max_connections: int | None, **kwargs: Any) -> None:
        self._max_connections = max_connections
        super().__init__(**kwargs)

    def _init_transport(  # type: ignore[override]
        self, *, transport: httpx.AsyncBaseTransport | None = None, **_: Any
    ) -> httpx.AsyncBaseTransport:
        return transport or default_async_transport(getattr(self, "_max_connections", None))

    def _init_proxy_transport(  # type: ignore[override]
        self, proxy: httpx.Proxy, **_: Any
    ) -> httpx.AsyncBaseTransport:
        return default_async_transport(getattr(self, "_max_connections", None), proxy=proxy)


def make_async_http_client(
    timeout: httpx.Timeout,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """The async client's own ``httpx.AsyncClient`` (see the module docstring)."""
    client = _AsyncClient(
        max_connections=max_connections,
        transport=transport,
        timeout=timeout,
        limits=limits_for(max_connections),
        headers=list(DEFAULT_HEADERS),
        **kwargs,
    )
    return _without_cookies(client)


def transport_for(client: httpx.Client | httpx.AsyncClient, url: httpx.URL) -> Any:
    """The transport ``client`` would send a request for ``url`` to (a proxy's, if any)."""
    pick = getattr(client, "_transport_for_url", None)
    return pick(url) if pick is not None else client._transport


def _with_defaults(request: httpx.Request) -> httpx.Request:
    """Give a request an auth flow made (a token fetch) our default headers it lacks."""
    for name, value in DEFAULT_HEADERS:
        if name not in request.headers:
            request.headers[name] = value
    return request


def _rebuilt(response: httpx.Response, content: bytes, request: httpx.Request) -> httpx.Response:
    """A read response, as the auth flow expects one (the body decoded here, capped)."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-encoding"]
    return httpx.Response(response.status_code, headers=headers, content=content, request=request)


def post_request(
    url: httpx.URL, headers: httpx.Headers, body: bytes, extensions: dict[str, Any]
) -> httpx.Request:
    """``httpx.Request("POST", url, headers=headers, stream=ByteStream(body), ...)``, leaner.

    The same object (same attributes; its body already read, as ``request.read()`` leaves
    it), without copying the parsed ``url`` (immutable, shared) or ``extensions`` (made for
    this request): two objects fewer held per call while it waits, which the collector
    promotes at high concurrency. ``headers`` is copied, as httpx does: auth sets its own.
    """
    request = httpx.Request.__new__(httpx.Request)
    request.method = "POST"
    request.url = url
    request.headers = httpx.Headers(headers)
    request.extensions = extensions
    request.stream = httpx.ByteStream(body)
    request._content = body  # what ``request.read()`` stores for a ByteStream
    return request


def authenticated_now(auth: httpx.Auth, request: httpx.Request) -> bool:
    """Authenticate ``request`` at once if ``auth`` can without I/O (its ``apply_now``).

    True when done (a fixed or cached token, a signature); False when the auth flow must run
    (a token to fetch), or for an auth without ``apply_now``.
    """
    apply_now = getattr(auth, "apply_now", None)
    return apply_now is not None and bool(apply_now(request))


async def send_direct(
    transport: httpx.AsyncBaseTransport,
    request: httpx.Request,
    auth: httpx.Auth,
    limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE,
) -> httpx.Response:
    """Send ``request`` through ``auth``'s flow straight to ``transport``; the body is unread.

    An auth flow's extra request (the token fetch) gets our default headers and is read here,
    decompressed with the cap ``limit``, before the flow sees it. Our own auths can also
    authenticate a request at once when no I/O is needed (a cached or fixed token, a
    signature): their ``apply_now(request)`` does what the flow would and returns True
    (:func:`authenticated_now`); otherwise :func:`send_through_flow` runs the flow.
    """
    if authenticated_now(auth, request):
        response = await transport.handle_async_request(request)
        response.request = request
        return response
    return await send_through_flow(transport, request, auth, limit)


async def send_through_flow(
    transport: httpx.AsyncBaseTransport,
    request: httpx.Request,
    auth: httpx.Auth,
    limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE,
) -> httpx.Response:
    """:func:`send_direct` for a request the auth could not authenticate at once."""
    original = request
    flow = auth.async_auth_flow(request)
    request = await flow.__anext__()
    try:
        while True:
            if request is original:
                response = await transport.handle_async_request(request)
                response.request = request
            else:
                extra = await transport.handle_async_request(_with_defaults(request))
                response = _rebuilt(extra, await read_body(extra, limit), request)
            try:
                request = await flow.asend(response)
            except StopAsyncIteration:
                return response
            except BaseException:
                await response.aclose()
                raise
            await response.aclose()
    finally:
        await flow.aclose()


def send_direct_sync(
    transport: httpx.BaseTransport,
    request: httpx.Request,
    auth: httpx.Auth,
    limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE,
) -> httpx.Response:
    """Sync twin of :func:`send_direct`."""
    if authenticated_now(auth, request):
        response = transport.handle_request(request)
        response.request = request
        return response
    original = request
    flow = auth.sync_auth_flow(request)
    request = next(flow)
    try:
        while True:
            if request is original:
                response = transport.handle_request(request)
                response.request = request
            else:
                extra = transport.handle_request(_with_defaults(request))
                response = _rebuilt(extra, read_body_sync(extra, limit), request)
            try:
                request = flow.send(response)
            except StopIteration:
                return response
            except BaseException:
                response.close()
                raise
            response.close()
    finally:
        flow.close()


async def read_whole(response: httpx.Response, limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE) -> bytes:
    """Read a response's body whole (decompressed with the cap ``limit``), then close it."""
    return await read_body(response, limit)


def release_async_http_client(
    client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop | None
) -> None:
    """Release the connections of one of our async clients without awaiting anything.

    For a client that can no longer be closed the normal way: its event loop has finished
    (``asyncio.run`` returned, a test's loop was closed) or it is being garbage-collected.
    Where its loop still runs, a proper ``aclose()`` is scheduled there; otherwise the sockets
    are closed at once, so nothing leaks or warns.
    """
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    releasable = [t for t in transports if hasattr(t, "release_now")]
    if loop is not None and loop.is_running() and not loop.is_closed():
        with contextlib.suppress(RuntimeError):
            if getattr(loop, "_thread_id", None) == threading.get_ident():
                loop.create_task(client.aclose())
            else:
                asyncio.run_coroutine_threadsafe(client.aclose(), loop)
            return
    for transport in releasable:
        transport.release_now()
