"""Pydantic models of what goes over the wire: messages, usage, completions and stream chunks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ChatCompletion", "ChatCompletionChunk", "ChatMessage", "Role", "Usage"]

Role = Literal["system", "user", "assistant"]
"""The roles a caller may use; the core folds ``system`` turns into Qianfan's ``system`` field."""


class ChatMessage(BaseModel):
    """One conversation turn as callers give it to the core."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class Usage(BaseModel):
    """Token counts of one call, as the service reports them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    """A complete (non-stream) chat answer.

    Besides the service's fields, ``model`` is the catalog name (or the endpoint of a self-deployed
    service) and ``request_id`` the service's request id, when it sent one. Unknown fields the
    service adds (``search_info``, ...) are kept.
    """

    model_config = ConfigDict(extra="allow")

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    result: str = ""
    is_truncated: bool = False
    need_clear_history: bool = False
    ban_round: int | None = None
    finish_reason: str | None = None
    usage: Usage | None = Field(default_factory=Usage)
    function_call: dict[str, Any] | None = None
    model: str = ""
    request_id: str | None = None

    @property
    def stop_reason(self) -> str:
        """The finish reason normalised to ``"length"`` (output cut) or ``"stop"``."""
        if self.is_truncated or self.finish_reason == "length":
            return "length"
        if self.finish_reason == "content_filter":
            return "content_filter"
        return "stop"


class ChatCompletionChunk(ChatCompletion):
    """One event of a stream: ``result`` is this event's piece of the text.

    On the ``is_end`` event, ``usage`` is the final usage of the whole stream: that event's
    ``prompt_tokens`` and ``total_tokens`` (``total_tokens`` is cumulative in every example of the
    reference), and ``completion_tokens = total - prompt``. On earlier events ``usage`` is what
    the service sent, whose ``completion_tokens`` may be per event or 0: never add them up.
    """

    object: str = "chat.completion"
    sentence_id: int = 0
    is_end: bool = False
