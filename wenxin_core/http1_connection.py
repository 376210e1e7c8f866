"""One keep-alive HTTP/1.1 client connection: an asyncio protocol with the llhttp parser.

The connection writes a request in one piece and parses the response with ``httptools`` (the
llhttp parser uvicorn uses), handing the body on as it arrives. It does no pooling, proxying or
retrying: :mod:`wenxin_core.http1_transport` does that. Every failure is raised as the httpx
exception it corresponds to (``ReadTimeout``, ``RemoteProtocolError``, ``ReadError``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable
from typing import Any

import httptools
import httpx

__all__ = ["HTTP1Connection", "ResponseHead"]

_FRAMING = (b"content-length", b"transfer-encoding")
"""Headers that delimit a body; without either, it runs to the end of the connection."""

_PAUSE_AT = 1 << 20
"""Buffered body bytes at which reading from the socket pauses (a slow stream consumer)."""


class ResponseHead:
    """Status, reason phrase and raw headers of a response."""

    __slots__ = ("headers", "reason", "status")

    def __init__(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers


class HTTP1Connection(asyncio.Protocol):
    """A client connection that carries one request at a time.

    Use: :meth:`send` a request, :meth:`read_head`, then :meth:`read_chunk` until it returns
    ``None`` (the body is complete). :attr:`reusable` then says whether another request may
    follow on this connection; otherwise :meth:`abort` it.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_lost: Callable[[HTTP1Connection], None] | None = None,
    ) -> None:
        self._loop = loop
        self._on_lost = on_lost
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._paused = False
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._head: ResponseHead | None = None
        self._complete = False
        self._informational = False
        self._keep_alive = False
        self._until_eof = False
        self._error: httpx.TransportError | None = None
        self.in_flight = False
        """A request has been sent and its response is not yet complete."""
        self.closed = False
        """The socket is closed (by us or by the server); the connection cannot be used."""
        self.idle_since = 0.0
        """``loop.time()`` when the connection last became idle."""
        self.origin: tuple[str, str, int] = ("", "", 0)
        """Scheme, host and port: the pool's key for this connection."""

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport (asyncio calls this once the connection is up)."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        """Feed what arrived to the parser (asyncio calls this)."""
        if not self.in_flight:
            self._fail(httpx.RemoteProtocolError("Received data on an idle connection"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("Unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"Invalid HTTP response: {exc}"))

    def eof_received(self) -> bool | None:
        """Let asyncio close the connection when the server closes its side."""
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        """Record that the socket is gone; a reader waiting for more learns why."""
        self.closed = True
        if self.in_flight and not self._complete and self._error is None:
            if self._head is not None and self._until_eof and exc is None:
                self._complete = True  # a body delimited by the end of the connection
            elif self._head is None:
                self._error = httpx.RemoteProtocolError(
                    "Server disconnected without sending a response."
                    if exc is None
                    else f"Connection lost before the response: {exc}"
                )
            else:
                self._error = httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                    if exc is None
                    else f"Connection lost during the response body: {exc}"
                )
        self._wake()
        if self._on_lost is not None:
            self._on_lost(self)

    def pause_writing(self) -> None:
        """Nothing to do: a request is written in one piece."""

    def resume_writing(self) -> None:
        """Nothing to do: a request is written in one piece."""

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        """A response starts (httptools callback); one request gets one response."""
        if self._head is not None:
            raise httpx.RemoteProtocolError("Received a second response to one request")

    def on_status(self, status: bytes) -> None:
        """Part of the reason phrase (httptools callback)."""
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        """One complete header (httptools callback)."""
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        """The head is complete (httptools callback)."""
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._informational = True  # "100 Continue", "103 Early Hints": not the answer
            return
        headers = self._headers
        self._head = ResponseHead(status, self._reason, headers)
        self._until_eof = not any(name.lower() in _FRAMING for name, _ in headers)
        self._wake()

    def on_body(self, body: bytes) -> None:
        """Part of the body (httptools callback)."""
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > _PAUSE_AT and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        """The response is complete (httptools callback)."""
        if self._informational:
            self._informational = False
            self._reason = b""
            self._headers = []
            return
        self._complete = True
        # llhttp knows this only while the message is current; it resets right after.
        self._keep_alive = self._parser.should_keep_alive()
        self._wake()

    # -- the request/response cycle -----------------------------------------------------

    def send(self, data: bytes) -> None:
        """Write one request (head and body) and start reading its response."""
        if self.closed or self._transport is None or self._transport.is_closing():
            raise httpx.WriteError("The connection is closed")
        self.in_flight = True
        self._chunks.clear()
        self._buffered = 0
        self._reason = b""
        self._headers = []
        self._head = None
        self._complete = False
        self._informational = False
        self._keep_alive = False
        self._until_eof = False
        self._error = None
        self._transport.write(data)

    async def read_head(self, timeout: float | None) -> ResponseHead:
        """Wait for the status line and headers (``timeout``: seconds without data)."""
        while self._head is None:
            await self._wait(timeout)
        return self._head

    async def read_chunk(self, timeout: float | None) -> bytes | None:
        """The next piece of the body, or ``None`` once it is complete."""
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                if self._paused and self._buffered <= _PAUSE_AT // 2:
                    self._paused = False
                    if self._transport is not None:
                        self._transport.resume_reading()
                return chunk
            if self._complete:
                self.in_flight = False
                return None
            await self._wait(timeout)

    @property
    def reusable(self) -> bool:
        """The last response was read whole and the server keeps the connection open."""
        return (
            not self.in_flight
            and not self.closed
            and self._error is None
            and not self._until_eof
            and self._keep_alive
        )

    def mark_idle(self) -> None:
        """Note when the connection went back to the pool (for ``keepalive_expiry``)."""
        self.idle_since = self._loop.time()

    def abort(self) -> None:
        """Close the socket at once (a response not read whole leaves nothing to reuse)."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()

    def release_socket(self) -> None:
        """Close the socket without the event loop (for a loop that has stopped or closed)."""
        self.closed = True
        transport: Any = self._transport
        sock = getattr(transport, "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            # Detach it too, or the asyncio transport warns "unclosed transport" when collected.
            with contextlib.suppress(AttributeError):
                transport._sock = None

    async def _wait(self, timeout: float | None) -> None:
        if self._error is not None:
            raise self._error
        if self.closed:
            raise httpx.ReadError("The connection is closed")
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiter = waiter
        timer = (
            self._loop.call_at(self._loop.time() + timeout, self._timed_out, waiter)
            if timeout is not None
            else None
        )
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        # A failure recorded meanwhile is raised by the next wait, after the caller has taken
        # what arrived before it (a whole first response, say).

    def _timed_out(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            waiter.set_exception(httpx.ReadTimeout("Timed out waiting for the server"))

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: httpx.TransportError) -> None:
        if self._error is None:
            self._error = error
        self.abort()
        self._wake()
