"""The few ASGI helpers every route shares: types, reading a body, sending JSON, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from wenxin_core.emulator.responses import Headers

__all__ = [
    "Message",
    "Receive",
    "Scope",
    "Send",
    "StreamDroppedError",
    "read_body",
    "redact_header",
    "request_headers",
    "send_bytes",
    "wait",
]

Scope = MutableMapping[str, Any]
"""An ASGI connection scope."""

Message = MutableMapping[str, Any]
"""An ASGI message."""

Receive = Callable[[], Awaitable[Message]]
"""The ASGI receive callable."""

Send = Callable[[Message], Awaitable[None]]
"""The ASGI send callable."""


_SECRET_HEADERS = frozenset({"cookie", "x-api-key"})


def redact_header(name: str, value: str) -> str:
    """``value`` of header ``name`` as it may be recorded (secrets replaced by ``***``)."""
    if name == "authorization":
        if value.startswith("bce-auth-v1/"):
            return value.rsplit("/", 1)[0] + "/***"
        if value[:7].lower() == "bearer ":
            return value[:7] + "***"
        return "***"
    if name in _SECRET_HEADERS:
        return "***"
    return value


class StreamDroppedError(Exception):
    """Raised inside the app to make the server close a stream's connection abruptly."""


async def wait(seconds: float) -> None:
    """Sleep ``seconds`` (if any) without blocking the server's loop."""
    if seconds > 0:
        await asyncio.sleep(seconds)


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def request_headers(scope: Scope) -> dict[str, str]:
    """The request headers by lower-case name (the last one wins)."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


async def send_bytes(send: Send, status: int, headers: Headers, data: bytes) -> None:
    """Send a complete response: ``status``, ``headers`` (without a length) and ``data``."""
    start = [*headers, (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": data})
