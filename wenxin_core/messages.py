"""Message normalisation: any system/user/assistant history -> Qianfan's strict form.

Qianfan accepts only an odd number of turns that alternate ``user``, ``assistant``, ... and start
and end with ``user``, each with non-empty content (otherwise error 336006, whose text misleads).
Both adapters call :func:`normalize_messages` (through the clients); its rules:

1. ``system`` turns (wherever they stand) are joined with a blank line. Where the model accepts a
   ``system`` field (the ERNIE family) they go there; otherwise they are prepended to the first
   user turn that is sent, followed by a blank line.
2. Consecutive turns of the same role are merged into one, joined with a blank line.
3. A leading assistant turn is kept as context: it is prepended to the first user turn as
   ``"Assistant: <text>"`` and a blank line. It is never dropped.
4. Empty (whitespace-only) user/assistant turns carry nothing and are skipped; an empty last
   user turn is an error.
5. A history with no user turn, or whose last turn is an assistant turn, is an error
   (:class:`~wenxin_core.errors.InvalidMessagesError`).
6. When the content (plus the system text) exceeds the model's character budget, the oldest
   user/assistant pairs are dropped first, as the service itself does; the system text and the
   last user turn never are. A :class:`ContextTruncatedWarning` says how many turns went.
   With ``overflow="error"`` a :class:`~wenxin_core.errors.ContextOverflowError` is raised
   instead, as it is when the system text and last user turn alone exceed the budget.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import ContextOverflowError, InvalidMessagesError
from wenxin_core.types import ChatMessage

__all__ = [
    "ContextTruncatedWarning",
    "MessageLike",
    "NormalizedMessages",
    "OverflowPolicy",
    "normalize_messages",
]

logger = logging.getLogger("wenxin_core")

MessageLike = ChatMessage | Mapping[str, Any]
"""A turn: a :class:`ChatMessage` or a mapping with ``role`` and ``content``."""

OverflowPolicy = Literal["truncate", "error"]
"""What to do when a conversation exceeds the model's budget."""

_SEPARATOR = "\n\n"
_ROLES = ("system", "user", "assistant")
"""The roles V1 takes (tool turns are V2's)."""


class ContextTruncatedWarning(UserWarning):
    """Old turns were dropped to fit the model's input budget."""


@dataclass(frozen=True)
class NormalizedMessages:
    """The result of :func:`normalize_messages`.

    Attributes:
        messages: the turns to send, as ``{"role", "content"}`` dicts in Qianfan's strict form.
        system: the text for the ``system`` body field, or ``None``.
        dropped_turns: how many user/assistant turns were dropped to fit the budget.

    """

    messages: list[dict[str, Any]]
    system: str | None
    dropped_turns: int = 0


def _coerce(index: int, message: MessageLike) -> tuple[str, str]:
    if isinstance(message, ChatMessage):
        return message.role, message.content
    if not isinstance(message, Mapping):
        raise InvalidMessagesError(
            f"messages[{index}]", f"must be a mapping with role and content, got {message!r}"
        )
    role = message.get("role")
    content = message.get("content")
    if role not in _ROLES:
        raise InvalidMessagesError(
            f"messages[{index}].role", f"must be one of {', '.join(_ROLES)} (got {role!r})"
        )
    if not isinstance(content, str):
        raise InvalidMessagesError(
            f"messages[{index}].content", f"must be a string (got {type(content).__name__})"
        )
    return str(role), content


def _merge_runs(turns: Iterable[tuple[str, str]]) -> list[list[str]]:
    merged: list[list[str]] = []
    for role, content in turns:
        if merged and merged[-1][0] == role:
            merged[-1][1] = merged[-1][1] + _SEPARATOR + content
        else:
            merged.append([role, content])
    return merged


def normalize_messages(
    messages: Iterable[MessageLike],
    spec: ModelSpec,
    *,
    system: str | None = None,
    overflow: OverflowPolicy = "truncate",
) -> NormalizedMessages:
    """Turn a system/user/assistant history into what ``spec``'s endpoint accepts.

    Args:
        messages: the conversation, oldest first.
        spec: the target model (decides ``system`` placement and the character budget).
        system: an extra system text, placed before any system turn of ``messages``.
        overflow: ``"truncate"`` drops the oldest pairs with a warning; ``"error"`` raises.

    Raises:
        InvalidMessagesError: a turn is malformed, there is no user turn, or the last turn is
            not a user turn.
        ContextOverflowError: over budget with ``overflow="error"``, or the system text and last
            user turn alone exceed it.

    """
    system_parts: list[str] = [system] if system and system.strip() else []
    turns: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        role, content = _coerce(index, message)
        if role == "system":
            if content.strip():
                system_parts.append(content)
            continue
        if not content.strip():
            continue
        turns.append((role, content))

    merged = _merge_runs(turns)
    if not merged or all(role != "user" for role, _ in merged):
        raise InvalidMessagesError("messages", "must contain at least one user turn")
    if merged[-1][0] != "user":
        raise InvalidMessagesError(
            "messages",
            "must end with a user turn (the conversation ends with an assistant turn; "
            "add the user's next question)",
        )
    if merged[0][0] == "assistant":
        lead = merged.pop(0)[1]
        merged[0][1] = f"Assistant: {lead}{_SEPARATOR}{merged[0][1]}"

    system_text = _SEPARATOR.join(system_parts) if system_parts else None
    system_cost = len(system_text) + len(_SEPARATOR) if system_text else 0
    last = merged[-1][1]
    if spec.last_message_max_chars is not None and len(last) > spec.last_message_max_chars:
        raise ContextOverflowError(
            "messages[-1].content",
            f"{spec.name} accepts at most {spec.last_message_max_chars} characters in the last "
            f"message (got {len(last)})",
            limit=spec.last_message_max_chars,
            length=len(last),
        )

    budget = spec.max_input_chars
    total = system_cost + sum(len(content) for _, content in merged)
    dropped = 0
    if total > budget:
        if overflow == "error":
            raise ContextOverflowError(
                "messages",
                f"the conversation has {total} characters, over {spec.name}'s budget of "
                f"{budget}; shorten it or use overflow='truncate'",
                limit=budget,
                length=total,
            )
        while total > budget and len(merged) > 1:
            for _ in range(2):
                total -= len(merged.pop(0)[1])
                dropped += 1
        if total > budget:
            raise ContextOverflowError(
                "messages",
                f"the system text and the last user turn alone have {total} characters, over "
                f"{spec.name}'s budget of {budget}",
                limit=budget,
                length=total,
            )
        text = (
            f"Dropped the {dropped} oldest turns to fit {spec.name}'s input budget of "
            f"{budget} characters"
        )
        warnings.warn(text, ContextTruncatedWarning, stacklevel=3)
        logger.info(text)

    if system_text and not spec.accepts_system:
        merged[0][1] = f"{system_text}{_SEPARATOR}{merged[0][1]}"
        system_text = None
    return NormalizedMessages(
        messages=[{"role": role, "content": content} for role, content in merged],
        system=system_text,
        dropped_turns=dropped,
    )
