"""The connection pools behind the clients' own httpx clients, and how requests reach them.

The sync client uses httpx's own pool. The async client keeps httpx as its API but sends through
a lean HTTP/1.1 pool (:class:`~wenxin_core.http1_transport.HTTP1Transport`, asyncio protocols and
the llhttp parser): httpx's async pool spends the client's CPU on bookkeeping as concurrency
grows (about 300-500 calls/s at 32 in flight on a 2-core machine), aiohttp's connector costs
about twice the client CPU per call of ours (``bench/throughput.py``). Proxied requests go
through aiohttp (:class:`~wenxin_core.aiohttp_transport.AiohttpTransport`). A caller-supplied
``httpx.AsyncClient`` is used as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any, TypeVar

import httpx

from wenxin_core.aiohttp_transport import AiohttpTransport
from wenxin_core.http1_transport import HTTP1_AVAILABLE, HTTP1Transport
from wenxin_core.redact import install_log_redaction
from wenxin_core.request import header_map

__all__ = [
    "DEFAULT_LIMITS",
    "AiohttpTransport",
    "HTTP1Transport",
    "NoCookies",
    "default_async_transport",
    "make_async_http_client",
    "make_http_client",
    "read_whole",
    "release_async_http_client",
    "send_direct",
]

install_log_redaction()

_ClientT = TypeVar("_ClientT", httpx.Client, httpx.AsyncClient)

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
"""Pool limits of the clients' own httpx clients."""


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


def make_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """The sync client's own ``httpx.Client`` (httpx's pool, no cookie store)."""
    return _without_cookies(httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS))


def default_async_transport() -> httpx.AsyncBaseTransport:
    """The async client's own transport: :class:`HTTP1Transport`, or aiohttp without httptools."""
    if HTTP1_AVAILABLE:
        return HTTP1Transport(limits=DEFAULT_LIMITS)
    return AiohttpTransport(limits=DEFAULT_LIMITS)


def make_async_http_client(
    timeout: httpx.Timeout, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
) -> httpx.AsyncClient:
    """The async client's own ``httpx.AsyncClient``, on :class:`HTTP1Transport` by default."""
    if transport is None:
        transport = default_async_transport()
    client = httpx.AsyncClient(
        transport=transport, timeout=timeout, limits=DEFAULT_LIMITS, **kwargs
    )
    return _without_cookies(client)


async def send_direct(
    transport: httpx.AsyncBaseTransport, request: httpx.Request, auth: httpx.Auth
) -> httpx.Response:
    """Send ``request`` through ``auth``'s flow straight to ``transport``; the body is unread.

    What ``httpx.AsyncClient.send`` does for our own clients, less what they never use:
    header/cookie/parameter merging, redirects, event hooks and the per-request log line.
    Those cost about as much client CPU per call as the whole aiohttp round trip, and our
    own clients have none configured (a caller-supplied ``http_client`` goes through
    ``send`` as usual). An auth flow's extra request (the token fetch) is sent and read the
    same way (the auth gives it the call's timeouts).

    Our own auths can also authenticate a request at once when no I/O is needed (a cached or
    fixed token, a signature): their ``apply_now(request)`` does what the flow would and
    returns True, and the flow's generator protocol is skipped.
    """
    apply_now = getattr(auth, "apply_now", None)
    if apply_now is not None and apply_now(request):
        return await transport.handle_async_request(request)
    flow = auth.async_auth_flow(request)
    request = await flow.__anext__()
    try:
        while True:
            response = await transport.handle_async_request(request)
            try:
                request = await flow.asend(response)
            except StopAsyncIteration:
                return response
            except BaseException:
                await response.aclose()
                raise
            await response.aread()
    finally:
        await flow.aclose()


async def read_whole(response: httpx.Response) -> bytes:
    """Read the body of a response from our own transport whole, then close the response.

    Reads the transport's byte stream directly: ``Response.aread`` wraps every piece in
    content decoding, re-chunking and byte counting, about as much client CPU as the rest of a
    call's response handling. Our transports ask for no content coding; a response that has
    one anyway (or a stream of another kind) is read with ``aread``.
    """
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream) or "content-encoding" in header_map(response):
        try:
            return await response.aread()
        finally:
            await response.aclose()
    try:
        parts = [part async for part in stream]
    finally:
        await stream.aclose()  # all the response's own aclose() would do for this stream
    return parts[0] if len(parts) == 1 else b"".join(parts)


def release_async_http_client(
    client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop | None
) -> None:
    """Release the connections of one of our async clients without awaiting anything.

    For a client that can no longer be closed the normal way: its event loop has finished
    (``asyncio.run`` returned, a test's loop was closed) or it is being garbage-collected.
    Where its loop still runs, a proper ``aclose()`` is scheduled there; otherwise the sockets
    are closed at once, so nothing leaks or warns.
    """
    transport = getattr(client, "_transport", None)
    if not isinstance(transport, (HTTP1Transport, AiohttpTransport)):
        return
    if loop is not None and loop.is_running() and not loop.is_closed():
        with contextlib.suppress(RuntimeError):
            if getattr(loop, "_thread_id", None) == threading.get_ident():
                loop.create_task(client.aclose())
            else:
                asyncio.run_coroutine_threadsafe(client.aclose(), loop)
            return
    transport.release_now()
