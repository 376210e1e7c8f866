"""Never reuse an httpcore connection that holds bytes past the end of its last answer.

httpcore checks a pooled connection's socket before reusing it, but bytes an answer brought
along after its own end (an over-long body, a second, unsolicited answer in the same packet)
are already in h11's buffer, not in the socket: h11 would read them as the next answer. After
each answer is read and closed we look at h11's ``trailing_data`` and close such a connection.
(The aiohttp path has the same guard in :class:`~wenxin_core._http.aio.GuardedConnector`.)
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

__all__ = ["aforget_if_leftover", "forget_if_leftover"]


def _connection_of(response: httpx.Response) -> Any:
    """The httpcore HTTP/1.1 connection a response came on, if it can be found."""
    stream: Any = response.stream
    for attr in ("_httpcore_stream", "_stream", "_connection"):
        stream = getattr(stream, attr, None)
        if stream is None:
            return None
    return stream


def _has_leftover(connection: Any) -> bool:
    state = getattr(connection, "_h11_state", None)
    trailing = getattr(state, "trailing_data", None)
    return bool(trailing and trailing[0])


def forget_if_leftover(response: httpx.Response) -> None:
    """Close the (sync) connection of a closed response if bytes wait past its end."""
    connection = _connection_of(response)
    if connection is not None and _has_leftover(connection):
        with contextlib.suppress(Exception):
            connection.close()


async def aforget_if_leftover(response: httpx.Response) -> None:
    """Async twin of :func:`forget_if_leftover` (httpx's own async transport)."""
    connection = _connection_of(response)
    if connection is not None and _has_leftover(connection):
        with contextlib.suppress(Exception):
            await connection.aclose()
