"""Streams of chat chunks: decoding Qianfan's SSE events, and the objects callers iterate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any

import httpx

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import (
    StreamInterruptedError,
    WenxinError,
    WenxinTimeoutError,
    error_from_body,
)
from wenxin_core.request import final_usage, request_id_of
from wenxin_core.sse import DONE, SSEDecoder, loads_event
from wenxin_core.types import ChatCompletionChunk, Usage

__all__ = ["AsyncChatStream", "ChatStream", "EventReader"]


class EventReader:
    """Turns the bytes of one SSE response into chunks, enforcing the end-of-stream rules.

    Feed it byte chunks; it returns the chunks completed so far. :meth:`finish` raises
    :class:`StreamInterruptedError` if the stream closed before an ``is_end: true`` event.
    """

    def __init__(self, response: httpx.Response, spec: ModelSpec) -> None:
        self._decoder = SSEDecoder()
        self._spec = spec
        self._status = response.status_code
        self._request_id = request_id_of(response)
        self.parts: list[str] = []
        self.count = 0
        self.done = False
        self.ended = False
        self.last_id: str | None = None

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self.parts)

    def feed(self, data: bytes) -> list[ChatCompletionChunk]:
        """Decode ``data``; return the chunks it completed (nothing after the end event)."""
        return self._chunks(self._decoder.feed(data))

    def finish(self) -> list[ChatCompletionChunk]:
        """The input ended: return the chunks still buffered (see :meth:`check_complete`)."""
        self.ended = True
        return self._chunks(self._decoder.flush())

    def check_complete(self) -> None:
        """Raise :class:`StreamInterruptedError` if the input ended before ``is_end``."""
        if self.ended and not self.done:
            raise self.interrupted("the stream ended before its final (is_end) event")

    def interrupted(self, why: str, cause: BaseException | None = None) -> WenxinError:
        """The error for a stream that broke off (a timeout before any chunk stays a timeout)."""
        if isinstance(cause, httpx.TimeoutException) and self.count == 0:
            return WenxinTimeoutError(f"Stream timed out before its first event: {why}")
        return StreamInterruptedError(
            f"Stream interrupted after {self.count} events: {why}",
            partial_text=self.text,
            chunks_received=self.count,
            request_id=self.last_id or self._request_id,
        )

    def _chunks(self, payloads: list[str]) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        for payload in payloads:
            if self.done:
                break
            if payload.strip() == DONE:
                self.done = True
                break
            try:
                objects = loads_event(payload)
            except ValueError as exc:
                raise self.interrupted(f"an event was not JSON ({exc})") from exc
            for obj in objects:
                if "error_code" in obj:
                    raise error_from_body(
                        obj, status_code=self._status, request_id=self._request_id
                    )
                chunk = self._chunk(obj)
                out.append(chunk)
                if self.done:
                    break
        return out

    def _chunk(self, obj: dict[str, Any]) -> ChatCompletionChunk:
        chunk = ChatCompletionChunk.model_validate(obj)
        chunk.model = self._spec.name
        chunk.request_id = self._request_id or chunk.id or None
        self.last_id = chunk.id or self.last_id
        self.count += 1
        self.parts.append(chunk.result)
        if chunk.is_end:
            self.done = True
            chunk.usage = final_usage(chunk)
        return chunk


class _Received:
    """What a stream has handed out so far: its text, its last chunk and its final usage."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.usage: Usage | None = None
        """The final usage, once the ``is_end`` event arrived."""
        self.last_chunk: ChatCompletionChunk | None = None
        """The most recent chunk."""

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    def _record(self, chunk: ChatCompletionChunk) -> ChatCompletionChunk:
        self._parts.append(chunk.result)
        self.last_chunk = chunk
        if chunk.is_end:
            self.usage = chunk.usage
        return chunk


class ChatStream(_Received, Iterator[ChatCompletionChunk]):
    """The chunks of one streamed answer, as a sync iterator and context manager.

    After the stream is consumed, :attr:`text` is the whole answer and :attr:`usage` the final
    usage. Leaving a ``with`` block or calling :meth:`close` releases the connection.
    """

    def __init__(self, chunks: Generator[ChatCompletionChunk, None, None]) -> None:
        super().__init__()
        self._chunks = chunks

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return self._record(next(self._chunks))

    def close(self) -> None:
        """Stop reading and release the connection."""
        self._chunks.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncChatStream(_Received, AsyncIterator[ChatCompletionChunk]):
    """Async twin of :class:`ChatStream`: ``async for`` / ``async with``, :meth:`aclose`."""

    def __init__(self, chunks: AsyncIterator[ChatCompletionChunk]) -> None:
        super().__init__()
        self._chunks = chunks

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        return self._record(await self._chunks.__anext__())

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            await closer()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
