r"""Server-Sent Events decoding on bytes, and lenient JSON for Qianfan's event payloads.

Lines are split on ``\\n``, ``\\r\\n`` and ``\\r`` at the byte level, never with
``str.splitlines()``: model text may contain U+2028 and friends, which ``splitlines`` treats as
line breaks. ``data:`` is accepted with or without a space; blank lines end an event; comment
lines (``:``) and other fields are skipped; ``[DONE]`` ends the stream if it ever appears.
Decoding is linear in the input and one line or event is capped (``max_event_size``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from wenxin_core._http.errors import ResponseTooLargeError
from wenxin_core._http.limits import DEFAULT_MAX_EVENT_SIZE

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DONE",
    "SSEDecoder",
    "aiter_sse_data",
    "iter_sse_data",
    "loads_event",
]

DONE = "[DONE]"
"""The sentinel payload some gateways send as the last event."""


class SSEDecoder:
    r"""Incremental decoder: feed it bytes, get back the ``data`` payload of each complete event.

    Consecutive ``data:`` lines of one event are joined with ``\\n`` (the SSE rule); a payload
    that then is not valid JSON is split back into its lines by :func:`loads_event`.

    Linear in its input: every byte is scanned for a line end once, however the stream is cut
    into chunks, and an unfinished line is kept as pieces, never re-joined per chunk. One line
    and one event's data may hold at most ``max_event_size`` bytes; beyond that
    :class:`~wenxin_core._http.errors.ResponseTooLargeError` is raised at once, so an endless
    line costs bounded memory and CPU.

    Args:
        max_event_size: the cap on one line and on one event's data, in bytes (16 MiB).

    """

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        self.max_event_size = max_event_size
        self._pieces: list[bytes] = []
        self._pending = 0
        self._data: list[str] = []
        self._event_size = 0
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        """Consume ``chunk``; return the payloads of the events it completed."""
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        out: list[str] = []
        start = 0
        length = len(chunk)
        find = chunk.find
        # Each of the two searches moves forward only: every byte is scanned at most twice.
        nl = find(b"\n")
        cr_at = find(b"\r")
        while start < length:
            if nl != -1 and nl < start:
                nl = find(b"\n", start)
            if cr_at != -1 and cr_at < start:
                cr_at = find(b"\r", start)
            if nl == -1 and cr_at == -1:
                break
            if cr_at != -1 and (nl == -1 or cr_at < nl):
                end, nxt = cr_at, cr_at + 1
                if nxt < length:
                    if chunk[nxt : nxt + 1] == b"\n":
                        nxt += 1
                else:
                    self._pending_cr = True
            else:
                end, nxt = nl, nl + 1
            if self._pieces:
                self._pieces.append(chunk[start:end])
                self._check_line(self._pending + end - start)
                raw = b"".join(self._pieces)
                self._pieces, self._pending = [], 0
            else:
                raw = chunk[start:end]
                if end - start > self.max_event_size:
                    self._check_line(end - start)
            self._line(raw, out)
            start = nxt
        if start < length:
            rest = chunk[start:] if start else chunk
            self._pending += len(rest)
            self._check_line(self._pending)
            self._pieces.append(rest)
        return out

    def flush(self) -> list[str]:
        """End of input: dispatch a last event that had no closing blank line."""
        out: list[str] = []
        if self._pieces:
            raw = b"".join(self._pieces)
            self._pieces, self._pending = [], 0
            self._line(raw, out)
        self._dispatch(out)
        return out

    def _check_line(self, size: int) -> None:
        if size > self.max_event_size:
            self._pieces, self._pending = [], 0
            raise ResponseTooLargeError(
                f"An SSE line exceeded max_event_size={self.max_event_size} bytes",
                limit=self.max_event_size,
            )

    def _line(self, raw: bytes, out: list[str]) -> None:
        if not raw:
            self._dispatch(out)
            return
        if raw[:1] == b":":
            return
        line = raw.decode("utf-8", errors="replace")
        field, sep, value = line.partition(":")
        if not sep:
            field, value = line, ""
        if value[:1] == " ":
            value = value[1:]
        if field == "data":
            self._event_size += len(value) + 1
            if self._event_size > self.max_event_size:
                self._data, self._event_size = [], 0
                raise ResponseTooLargeError(
                    f"An SSE event exceeded max_event_size={self.max_event_size} bytes",
                    limit=self.max_event_size,
                )
            self._data.append(value)

    def _dispatch(self, out: list[str]) -> None:
        if self._data:
            out.append(self._data[0] if len(self._data) == 1 else "\n".join(self._data))
            self._data = []
        self._event_size = 0


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
