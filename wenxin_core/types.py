"""Protocol-neutral types: what callers give the core and what every wire protocol returns.

The adapters see only these. Each wire protocol (``wenxin_core.wire.v2``, ``wenxin_core.wire.v1``)
translates its own field names into them; none of V1's or V2's spellings appears here except in
the few read-only aliases kept for callers of the V1-era core (:attr:`ChatCompletion.result`...).

Answers are plain slotted dataclasses, not pydantic models: one is built per stream chunk, and
validation already happened on the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ChatChunk",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "Embeddings",
    "FinishReason",
    "RateLimits",
    "RerankItem",
    "RerankResult",
    "Role",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
]

Role = Literal["system", "user", "assistant", "tool"]
"""The roles of a conversation turn."""

FinishReason = Literal["stop", "length", "content_filter", "tool_calls"]
"""Why an answer ended, normalised across protocols."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the model asked for.

    Attributes:
        id: the service's call id (a ``tool`` turn answers it by ``tool_call_id``).
        name: the function's name.
        arguments: the arguments as the service sent them: JSON text, possibly invalid.

    """

    id: str
    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of a tool call in a stream; fragments with the same ``index`` add up."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str | None = None


class ChatMessage(BaseModel):
    """One conversation turn as callers give it to the core (a mapping works too).

    ``tool_calls`` only on an assistant turn (its ``content`` may then be empty);
    ``tool_call_id`` (and optionally ``name``) only on a ``tool`` turn.
    """

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Usage:
    """Token counts of one call, as the service reports them, with their details when given."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int | None = None
    """Prompt tokens served from the service's cache."""
    reasoning_tokens: int | None = None
    """Completion tokens spent on reasoning (inside ``completion_tokens``)."""
    search_tokens: int | None = None
    """Prompt tokens added by web search."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The service's ``X-Ratelimit-*`` figures on one answer (``None`` where not sent)."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    limit_input_tokens: int | None = None
    remaining_input_tokens: int | None = None
    limit_output_tokens: int | None = None
    remaining_output_tokens: int | None = None

    def as_dict(self) -> dict[str, int]:
        """The figures that were sent, by name."""
        return {
            name: value for name in self.__slots__ if (value := getattr(self, name)) is not None
        }


class _AnswerViews:
    """Derived views shared by :class:`ChatCompletion` and :class:`ChatChunk`."""

    __slots__ = ()
    text: str
    finish_reason: str | None
    flag: int

    @property
    def result(self) -> str:
        """V1-era alias of :attr:`text`."""
        return self.text

    @property
    def is_truncated(self) -> bool:
        """Whether the output was cut by the length limit."""
        return self.finish_reason == "length"

    @property
    def need_clear_history(self) -> bool:
        """Whether the safety flag says not to continue this conversation (flag >= 2)."""
        return self.flag >= 2

    @property
    def stop_reason(self) -> str:
        """The finish reason, ``"stop"`` when none was given."""
        return self.finish_reason or "stop"


@dataclass(slots=True)
class ChatCompletion(_AnswerViews):
    """A complete (non-stream) chat answer.

    Attributes:
        text: the answer's text.
        reasoning: the model's reasoning text, when it sent any.
        tool_calls: the tool calls it asked for, in order.
        finish_reason: ``stop``, ``length``, ``content_filter`` or ``tool_calls``.
        flag: the safety flag (0 safe, 1 low risk, 2 do not continue the conversation, 3 do not
            show, 4 retract what was shown).
        ban_round: the offending turn when flagged (-1 the current one), else ``None``.
        usage: token counts (``None`` when the service sent none).
        id: the answer's id.
        model: the model id (or V1 catalog name / endpoint) the call went to.
        request_id: the service's request id (header, else the answer's id).
        search_results: web search references, when any.
        rate_limits: the service's quota figures on this answer, when sent.
        raw: the answer's JSON as received.

    """

    text: str = ""
    reasoning: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = "stop"
    flag: int = 0
    ban_round: int | None = None
    usage: Usage | None = None
    id: str = ""
    model: str = ""
    request_id: str | None = None
    search_results: list[dict[str, Any]] | None = None
    rate_limits: RateLimits | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ChatChunk(_AnswerViews):
    """One piece of a streamed answer.

    ``text``, ``reasoning`` and ``tool_calls`` are this chunk's pieces (add them up). The last
    chunk of a stream has ``is_final`` set, the ``finish_reason``, and ``usage``: the final usage
    of the whole stream, counted once whatever way the service reported it. Earlier chunks
    carry ``usage = None``.
    """

    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCallDelta] = field(default_factory=list)
    finish_reason: str | None = None
    flag: int = 0
    ban_round: int | None = None
    usage: Usage | None = None
    is_final: bool = False
    id: str = ""
    model: str = ""
    request_id: str | None = None
    search_results: list[dict[str, Any]] | None = None
    rate_limits: RateLimits | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def is_end(self) -> bool:
        """V1-era alias of :attr:`is_final`."""
        return self.is_final


ChatCompletionChunk = ChatChunk
"""The V1-era name of :class:`ChatChunk`."""


@dataclass(slots=True)
class Embeddings:
    """The vectors of one ``embed`` call, in the order of its input texts.

    Attributes:
        vectors: one vector per input text.
        model: the embedding model id.
        usage: the token counts summed over every HTTP call made.
        calls: how many HTTP calls the texts were split into.

    """

    vectors: list[list[float]]
    model: str
    usage: Usage
    calls: int = 1


@dataclass(frozen=True, slots=True)
class RerankItem:
    """One ranked document: its position in the input, its score and its text."""

    index: int
    relevance_score: float
    document: str


@dataclass(slots=True)
class RerankResult:
    """The answer of one ``rerank`` call, best first (at most ``top_n`` items)."""

    results: list[RerankItem]
    model: str
    usage: Usage
