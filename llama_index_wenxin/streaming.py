"""One stream's running state: the chunks of a core stream -> LlamaIndex ``ChatResponse`` s.

Each chunk gives one response: ``delta`` is the chunk's text, the message holds everything so far
(reasoning, text, tool calls accumulated by index), ``additional_kwargs`` carries the chunk's
``thinking_delta`` (its piece of reasoning, as llama-index-llms-openai names it) and, when the
chunk is flagged, its safety ``flag`` and ``ban_round``. The final chunk's response carries the
whole answer's metadata (:func:`~llama_index_wenxin.responses.answer_kwargs`): the usage is there
once, and its ``raw["usage"]`` is the stream's final usage, which is what ``TokenCountingHandler``
reads. :func:`mapped` and :func:`amapped` turn each response of a stream into another (a
completion response, a response keeping only its first tool call), lazily as LlamaIndex expects.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatResponse

from llama_index_wenxin.responses import answer_kwargs, assistant_message, usage_dict
from wenxin_core.types import ChatChunk, ToolCall

__all__ = ["StreamState", "amapped", "mapped"]

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def mapped(responses: Iterator[_In], convert: Callable[[_In], _Out]) -> Generator[_Out, None, None]:
    """Yield ``convert(response)`` for each response of ``responses``, as they come."""
    for response in responses:
        yield convert(response)


async def amapped(
    responses: AsyncIterator[_In], convert: Callable[[_In], _Out]
) -> AsyncGenerator[_Out, None]:
    """Yield ``convert(response)`` for each response of the async ``responses``, as they come."""
    async for response in responses:
        yield convert(response)


class StreamState:
    """The text, reasoning and tool calls received so far in one stream."""

    __slots__ = ("_calls", "reasoning", "text")

    def __init__(self) -> None:
        self.text = ""
        self.reasoning = ""
        self._calls: dict[int, list[str | None]] = {}

    def tool_calls(self) -> list[ToolCall]:
        """The tool calls so far, by index (their arguments possibly still partial)."""
        return [
            ToolCall(id=call_id or "", name=name or "", arguments=arguments or "")
            for call_id, name, arguments in (self._calls[i] for i in sorted(self._calls))
        ]

    def _add_tool_calls(self, chunk: ChatChunk) -> None:
        for delta in chunk.tool_calls:
            call = self._calls.setdefault(delta.index, [None, None, ""])
            if delta.id:
                call[0] = delta.id
            if delta.name:
                call[1] = delta.name
            if delta.arguments:
                call[2] = (call[2] or "") + delta.arguments

    def response(self, chunk: ChatChunk) -> ChatResponse:
        """Add ``chunk`` and return its ``ChatResponse``."""
        self.text += chunk.text
        extra: dict[str, Any] = {}
        if chunk.reasoning:
            self.reasoning += chunk.reasoning
            extra["thinking_delta"] = chunk.reasoning
        if chunk.tool_calls:
            self._add_tool_calls(chunk)
        raw = chunk.raw
        usage = chunk.usage
        if chunk.is_final:
            extra.update(answer_kwargs(chunk))
            if usage is not None:
                raw = {**raw, "usage": usage_dict(usage)}
        elif chunk.flag:
            extra["flag"] = chunk.flag
            extra["ban_round"] = chunk.ban_round
        message = assistant_message(
            self.text,
            self.reasoning,
            self.tool_calls() if self._calls else None,
            usage.reasoning_tokens if usage is not None else None,
        )
        return ChatResponse(message=message, raw=raw, delta=chunk.text, additional_kwargs=extra)
