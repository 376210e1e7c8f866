r"""Server-Sent Events decoding on bytes, and lenient JSON for Qianfan's event payloads.

Lines are split on ``\\n``, ``\\r\\n`` and ``\\r`` at the byte level, never with
``str.splitlines()``: model text may contain U+2028 and friends, which ``splitlines`` treats as
line breaks. ``data:`` is accepted with or without a space; blank lines end an event; comment
lines (``:``) and other fields are skipped; ``[DONE]`` ends the stream if it ever appears.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

__all__ = ["DONE", "SSEDecoder", "aiter_sse_data", "iter_sse_data", "loads_event"]

DONE = "[DONE]"
"""The sentinel payload some gateways send as the last event."""


class SSEDecoder:
    r"""Incremental decoder: feed it bytes, get back the ``data`` payload of each complete event.

    Consecutive ``data:`` lines of one event are joined with ``\\n`` (the SSE rule); a payload
    that then is not valid JSON is split back into its lines by :func:`split_payloads`.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        """Consume ``chunk``; return the payloads of the events it completed."""
        if not chunk:
            return []
        if self._pending_cr:
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
            self._pending_cr = False
        data = self._buffer + chunk
        out: list[str] = []
        start = 0
        length = len(data)
        while start < length:
            nl = data.find(b"\n", start)
            cr = data.find(b"\r", start)
            if nl == -1 and cr == -1:
                break
            if cr != -1 and (nl == -1 or cr < nl):
                end, nxt = cr, cr + 1
                if nxt < length:
                    if data[nxt : nxt + 1] == b"\n":
                        nxt += 1
                else:
                    self._pending_cr = True
            else:
                end, nxt = nl, nl + 1
            self._line(data[start:end], out)
            start = nxt
        self._buffer = data[start:]
        return out

    def flush(self) -> list[str]:
        """End of input: dispatch a last event that had no closing blank line."""
        out: list[str] = []
        if self._buffer:
            self._line(self._buffer, out)
            self._buffer = b""
        self._dispatch(out)
        return out

    def _line(self, raw: bytes, out: list[str]) -> None:
        if not raw:
            self._dispatch(out)
            return
        if raw.startswith(b":"):
            return
        line = raw.decode("utf-8", errors="replace")
        field, sep, value = line.partition(":")
        if not sep:
            field, value = line, ""
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)

    def _dispatch(self, out: list[str]) -> None:
        if self._data:
            out.append("\n".join(self._data))
            self._data = []


def iter_sse_data(chunks: Iterable[bytes]) -> Iterator[str]:
    """Yield the data payload of every event in a byte stream."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_sse_data(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """Async twin of :func:`iter_sse_data`."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for payload in decoder.feed(chunk):
            yield payload
    for payload in decoder.flush():
        yield payload


def loads_event(payload: str) -> list[dict[str, Any]]:
    r"""Parse one event payload into JSON objects.

    Lenient where the service's own documentation is not valid JSON: a payload made of several
    ``data:`` lines without blank lines between them is parsed line by line, and the invalid
    escape ``\\'`` (seen in Baidu's examples) is read as ``'``.

    Raises:
        ValueError: the payload is not JSON even then.

    """
    try:
        value = _loads(payload)
    except ValueError:
        if "\n" not in payload:
            raise
        return [obj for line in payload.split("\n") if line.strip() for obj in loads_event(line)]
    if not isinstance(value, dict):
        raise ValueError(f"event payload is not a JSON object: {payload[:80]!r}")
    return [value]


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if "\\'" not in text:
            raise
        return json.loads(text.replace("\\'", "'"))
