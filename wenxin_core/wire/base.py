"""What every wire protocol provides to the request engine, and the stream reader they share.

A protocol (:mod:`wenxin_core.wire.v2`, :mod:`wenxin_core.wire.v1`) turns neutral calls into
request bodies and the service's answers into the neutral types of :mod:`wenxin_core.types`. The
engine (``client.py`` / ``async_client.py``) does the I/O, the retries and the auth, and never
reads a protocol's field names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from wenxin_core import jsonsafe
from wenxin_core.catalog import Api, ModelSpec
from wenxin_core.errors import (
    BodyLimitError,
    StreamInterruptedError,
    WenxinError,
    WenxinTimeoutError,
)
from wenxin_core.request import request_id_of
from wenxin_core.sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder
from wenxin_core.types import ChatChunk, ChatCompletion

__all__ = [
    "EventReader",
    "PreparedChat",
    "PreparedPost",
    "Wire",
    "error_body_of",
    "final_chunk_of",
]

_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class PreparedChat:
    """A validated, encoded chat request, ready to send (and to replay on retry).

    Attributes:
        spec: the model or endpoint it goes to.
        body: the JSON body, UTF-8 encoded.
        stream: whether the body asks for Server-Sent Events.
        dropped_turns: turns dropped by normalisation to fit the budget.

    """

    spec: ModelSpec
    body: bytes
    stream: bool
    dropped_turns: int = 0

    @property
    def path(self) -> str:
        """The chat path relative to the base URL."""
        return self.spec.path

    @property
    def headers(self) -> dict[str, str]:
        """The request headers (auth adds its own)."""
        return _JSON_HEADERS


@dataclass(frozen=True)
class PreparedPost:
    """Any other encoded JSON request (embeddings, rerank): a path and a body."""

    path: str
    body: bytes


class EventReader(ABC):
    """Turns the bytes of one SSE response into chunks, enforcing the end-of-stream rules.

    Feed it byte chunks; it returns the chunks completed so far. :meth:`check_complete` raises
    :class:`StreamInterruptedError` if the input ended before the protocol's end marker.
    """

    end_marker = "its final event"
    """How the protocol marks the end of a stream, for error messages."""

    def __init__(
        self,
        response: httpx.Response,
        spec: ModelSpec,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._decoder = SSEDecoder(max_event_size)
        self._spec = spec
        self._status = response.status_code
        self._request_id = request_id_of(response)
        self._response = response
        self.parts: list[str] = []
        self.count = 0
        self.done = False
        self.ended = False
        self.last_id: str | None = None

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self.parts)

    def feed(self, data: bytes) -> list[ChatChunk]:
        """Decode ``data``; return the chunks it completed (nothing after the end)."""
        return self._chunks(self._decoder.feed(data))

    def finish(self) -> list[ChatChunk]:
        """The input ended: return the chunks still buffered (see :meth:`check_complete`)."""
        self.ended = True
        return self._chunks(self._decoder.flush())

    def check_complete(self) -> None:
        """Raise :class:`StreamInterruptedError` if the input ended before the end marker."""
        if self.ended and not self.done:
            raise self.interrupted(f"the stream ended before {self.end_marker}")

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

    @abstractmethod
    def _chunks(self, payloads: list[str]) -> list[ChatChunk]:
        """The chunks of these event payloads (sets :attr:`done` at the end marker)."""


class Wire(ABC):
    """One wire protocol: request bodies out, neutral answers in."""

    api: Api
    """``"v2"`` or ``"v1"``."""

    option_names: frozenset[str]
    """The per-call options (besides model, system, extra_body, timeout) it understands."""

    @abstractmethod
    def prepare(
        self,
        spec: ModelSpec,
        messages: Iterable[Any],
        options: Mapping[str, Any],
        *,
        system: str | None,
        extra_body: Mapping[str, Any] | None,
        stream: bool,
        overflow: str,
    ) -> PreparedChat:
        """Validate a call and encode its request; raise a typed error before any I/O."""

    @abstractmethod
    def error_for_response(self, response: httpx.Response, content: bytes) -> WenxinError | None:
        """The typed error a response carries, or ``None`` for a success."""

    @abstractmethod
    def parse_completion(
        self, response: httpx.Response, content: bytes, spec: ModelSpec
    ) -> ChatCompletion:
        """Parse a successful JSON answer (after :meth:`error_for_response`)."""

    reader_class: type[EventReader]
    """The protocol's stream reader."""

    def event_reader(
        self,
        response: httpx.Response,
        spec: ModelSpec,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> EventReader:
        """A reader for the SSE body of ``response`` (lines and events capped in size)."""
        return self.reader_class(response, spec, max_event_size=max_event_size)

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Raise for an option this protocol does not know."""
        from wenxin_core.errors import WenxinValidationError

        if not options or self.option_names.issuperset(options):
            return
        unknown = sorted(set(options) - self.option_names)
        if unknown:
            raise WenxinValidationError(
                unknown[0],
                f"is not a chat option on the {self.api.upper()} API; pass model-specific "
                "fields in extra_body",
            )


def final_chunk_of(completion: ChatCompletion) -> ChatChunk:
    """A whole answer as the single, final chunk of a stream (a JSON reply to a stream call)."""
    from wenxin_core.types import ToolCallDelta

    return ChatChunk(
        text=completion.text,
        reasoning=completion.reasoning or "",
        tool_calls=[
            ToolCallDelta(index=i, id=call.id, name=call.name, arguments=call.arguments)
            for i, call in enumerate(completion.tool_calls)
        ],
        finish_reason=completion.finish_reason,
        flag=completion.flag,
        ban_round=completion.ban_round,
        usage=completion.usage,
        is_final=True,
        id=completion.id,
        model=completion.model,
        request_id=completion.request_id,
        search_results=completion.search_results,
        rate_limits=completion.rate_limits,
        raw=completion.raw,
    )


def error_body_of(response: httpx.Response, content: bytes) -> tuple[Any, BodyLimitError | None]:
    """The decoded body of a possible error answer, within the JSON caps.

    Returns the body (``None`` when empty or not JSON) and the :class:`BodyLimitError` of a
    body over the caps (then the body is ``None``): each protocol decides which wins.
    """
    if not content:
        return None, None
    try:
        return (
            jsonsafe.loads(
                content, status_code=response.status_code, request_id=request_id_of(response)
            ),
            None,
        )
    except BodyLimitError as exc:
        return None, exc
    except ValueError:
        return None, None
