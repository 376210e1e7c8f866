"""A small hostile HTTP server on 127.0.0.1: a raw asyncio server in a thread, byte-level scripts.

Each accepted connection runs the current *script*, a coroutine given a :class:`Conn` (read the
request, write any bytes, pause, close, reset). Nothing here is HTTP-correct on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = [
    "Conn",
    "HostileServer",
    "Request",
    "chat_body",
    "json_response",
    "sse_body",
    "sse_response",
]


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Conn:
    """One accepted connection, as a script sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def read_request(self) -> Request | None:
        """Read one request (head and Content-Length body); ``None`` if the client closed."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = await self.reader.readexactly(length) if length else b""
        return Request(method, path, headers, body)

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until it is handed to the kernel."""
        self.writer.write(data)
        await self.writer.drain()

    async def drip(self, data: bytes, every: float) -> None:
        """Write ``data`` one byte at a time, ``every`` seconds apart."""
        for i in range(len(data)):
            await self.send(data[i : i + 1])
            await asyncio.sleep(every)

    def close(self) -> None:
        """Close the connection (FIN)."""
        self.writer.close()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0)."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Script = Callable[[Conn], Awaitable[None]]


@dataclass
class HostileServer:
    """The server: ``script`` runs for every connection; ``requests`` and ``connections`` count.

    Use as a context manager; ``base_url`` is ``http(s)://127.0.0.1:<port>``.
    """

    script: Script | None = None
    ssl_context: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    handshakes: int = 0
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        """Where the server listens."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:  # answer at once: no delayed ACK holding the client's 2nd write
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        conn = Conn(reader, writer)
        try:
            if self.script is not None:
                await self.script(conn)
        except (ConnectionError, asyncio.CancelledError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            if task is not None:
                self._tasks.discard(task)

    def __enter__(self) -> HostileServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def start() -> None:
                self._server = await asyncio.start_server(
                    self._handle, "127.0.0.1", 0, ssl=self.ssl_context, limit=1 << 20
                )
                self.port = self._server.sockets[0].getsockname()[1]
                ready.set()

            loop.run_until_complete(start())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True, name="hostile-server")
        self._thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is None:
            return

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def serve(self, script: Script) -> HostileServer:
        """Set the script for the next connections."""
        self.script = script
        return self


def chat_body(text: str = "hello") -> bytes:
    """A V2 chat answer (OpenAI shape) saying ``text``."""
    return json.dumps(
        {
            "id": "as-1",
            "object": "chat.completion",
            "created": 1,
            "model": "ernie-4.5-turbo-32k",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


def _event(delta: dict[str, object], finish: str | None = None) -> bytes:
    chunk = {
        "id": "as-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "ernie-4.5-turbo-32k",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def sse_body(text: str = "hello") -> bytes:
    """A V2 stream saying ``text`` in two events, then the final one and ``[DONE]``."""
    half = len(text) // 2
    return (
        _event({"role": "assistant", "content": text[:half]})
        + _event({"content": text[half:]})
        + _event({}, "stop")
        + b"data: [DONE]\n\n"
    )


def json_response(body: bytes, *, status: str = "200 OK", extra: bytes = b"") -> bytes:
    """A whole keep-alive response with a Content-Length body."""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )


def sse_response(body: bytes) -> bytes:
    """A whole keep-alive event-stream response with a Content-Length body."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
