"""Streams of chat chunks: the objects callers iterate (the protocols decode the events)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from types import TracebackType

from wenxin_core.errors import WenxinError, scrub_error
from wenxin_core.types import ChatChunk, Usage

__all__ = ["AsyncChatStream", "ChatStream"]


class _Received:
    """What a stream has handed out so far: its text, reasoning, last chunk and final usage."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._reasoning: list[str] = []
        self.usage: Usage | None = None
        """The final usage, once the final chunk arrived."""
        self.last_chunk: ChatChunk | None = None
        """The most recent chunk."""

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    @property
    def reasoning(self) -> str:
        """The reasoning text received so far."""
        return "".join(self._reasoning)

    def _record(self, chunk: ChatChunk) -> ChatChunk:
        if chunk.text:
            self._parts.append(chunk.text)
        if chunk.reasoning:
            self._reasoning.append(chunk.reasoning)
        self.last_chunk = chunk
        if chunk.is_final:
            self.usage = chunk.usage
        return chunk


class ChatStream(_Received, Iterator[ChatChunk]):
    """The chunks of one streamed answer, as a sync iterator and context manager.

    After the stream is consumed, :attr:`text` is the whole answer and :attr:`usage` the final
    usage. Leaving a ``with`` block or calling :meth:`close` releases the connection.
    """

    def __init__(self, chunks: Generator[ChatChunk, None, None]) -> None:
        super().__init__()
        self._chunks = chunks

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> ChatChunk:
        try:
            return self._record(next(self._chunks))
        except WenxinError as exc:  # the stream's frames are finished now: scrub what they hold
            scrub_error(exc)
            raise

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


class AsyncChatStream(_Received, AsyncIterator[ChatChunk]):
    """Async twin of :class:`ChatStream`: ``async for`` / ``async with``, :meth:`aclose`."""

    def __init__(self, chunks: AsyncIterator[ChatChunk]) -> None:
        super().__init__()
        self._chunks = chunks

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> ChatChunk:
        try:
            return self._record(await self._chunks.__anext__())
        except WenxinError as exc:  # the stream's frames are finished now: scrub what they hold
            scrub_error(exc)
            raise

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
