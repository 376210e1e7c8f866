"""V2 message normalisation: any history -> one that Qianfan's order rules accept.

V2 still enforces the order rules (an order violation is HTTP 400 ``invalid_messages``), so the
core repairs a history before sending it, without dropping content:

1. ``system`` turns, wherever they stand (and the ``system=`` option, first), are joined with a
   blank line into one ``system`` message, sent first.
2. Consecutive ``user`` turns are merged into one (blank line between). Consecutive assistant
   text turns likewise; an assistant text turn followed by an assistant turn with tool calls
   becomes one turn carrying both.
3. An assistant turn with ``tool_calls`` goes out with content ``""`` (or its text), followed by
   exactly one ``tool`` turn per call, in the calls' order, wherever the results stood in the
   input. A ``tool`` turn must answer a call of an earlier assistant turn (by ``tool_call_id``),
   a call must have its result (unless nothing follows it), and no call is answered twice:
   otherwise :class:`~wenxin_core.errors.InvalidMessagesError` names the turn.
4. A leading assistant turn (before any user turn) is kept as context: it is prepended to the
   first user turn as ``"Assistant: <text>"`` and a blank line.
5. Blank user/assistant turns carry nothing and are skipped; the conversation must contain a user
   turn and end with a user turn or with tool results (``user`` only, for models that demand it:
   ``ModelSpec.last_turn_user_only``).
6. ``reasoning_content`` is never sent back (the service answers HTTP 400): neutral messages do
   not carry it, and a mapping's ``reasoning_content`` key is ignored.
7. Over the model's budget (its context window, counted in characters: an upper bound of its
   tokens for Chinese text), the oldest exchanges (a user turn and the assistant steps after it)
   are dropped first, with a :class:`~wenxin_core.messages.ContextTruncatedWarning`; the system
   text and the last user turn with what follows it never are. ``overflow="error"`` raises
   :class:`~wenxin_core.errors.ContextOverflowError` instead.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import ContextOverflowError, InvalidMessagesError
from wenxin_core.messages import ContextTruncatedWarning, MessageLike, NormalizedMessages
from wenxin_core.types import ChatMessage, ToolCall

__all__ = ["normalize_v2"]

logger = logging.getLogger("wenxin_core")

_SEPARATOR = "\n\n"
_ROLES = ("system", "user", "assistant", "tool")


@dataclass
class _Turn:
    """One user turn or one assistant step (text, or tool calls with their results)."""

    role: str
    content: Any
    calls: list[ToolCall] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cost(self) -> int:
        text = self.content if isinstance(self.content, str) else str(self.content)
        return (
            len(text)
            + sum(len(c.name) + len(c.arguments) for c in self.calls)
            + sum(len(str(r.get("content", ""))) for r in self.results.values())
        )


def _text_of(index: int, content: Any, spec: ModelSpec) -> Any:
    """A turn's content: a string, or (vision models) a list of parts kept as they are."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        if all(isinstance(p, Mapping) and p.get("type") == "text" for p in content):
            return "\n".join(str(p.get("text", "")) for p in content)
        if spec.vision or not spec.known:
            return content
        raise InvalidMessagesError(
            f"messages[{index}].content",
            f"has non-text parts (images...), which {spec.name} does not take",
        )
    raise InvalidMessagesError(
        f"messages[{index}].content", f"must be a string or a list of parts (got {content!r})"
    )


def _calls_of(index: int, raw: Any) -> list[ToolCall]:
    calls: list[ToolCall] = []
    for j, item in enumerate(raw or ()):
        if isinstance(item, ToolCall):
            calls.append(item)
            continue
        if not isinstance(item, Mapping):
            raise InvalidMessagesError(
                f"messages[{index}].tool_calls[{j}]", "must be a ToolCall or a mapping"
            )
        function = item.get("function")
        source = function if isinstance(function, Mapping) else item
        name, arguments, call_id = source.get("name"), source.get("arguments"), item.get("id")
        if not isinstance(call_id, str) or not call_id:
            raise InvalidMessagesError(
                f"messages[{index}].tool_calls[{j}].id", "must be the call id the model gave"
            )
        if not isinstance(name, str) or not name:
            raise InvalidMessagesError(
                f"messages[{index}].tool_calls[{j}].name", "must be the function's name"
            )
        if not isinstance(arguments, str):
            import json

            arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
        calls.append(ToolCall(id=call_id, name=name, arguments=arguments))
    return calls


def _coerce(index: int, message: MessageLike) -> dict[str, Any]:
    if isinstance(message, ChatMessage):
        return {
            "role": message.role,
            "content": message.content,
            "tool_calls": message.tool_calls,
            "tool_call_id": message.tool_call_id,
            "name": message.name,
        }
    if not isinstance(message, Mapping):
        raise InvalidMessagesError(
            f"messages[{index}]", f"must be a mapping with role and content, got {message!r}"
        )
    role = message.get("role")
    if role not in _ROLES:
        raise InvalidMessagesError(
            f"messages[{index}].role", f"must be one of {', '.join(_ROLES)} (got {role!r})"
        )
    return dict(message)


def _is_blank(content: Any) -> bool:
    return (isinstance(content, str) and not content.strip()) or content == []


def _join(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return b if not a else (a if not b else a + _SEPARATOR + b)
    parts_a = a if isinstance(a, list) else [{"type": "text", "text": a}] if a else []
    parts_b = b if isinstance(b, list) else [{"type": "text", "text": b}] if b else []
    return [*parts_a, *parts_b]


def _build_turns(
    messages: Iterable[MessageLike], spec: ModelSpec, system_parts: list[str]
) -> list[_Turn]:
    turns: list[_Turn] = []
    owner: dict[str, _Turn] = {}
    for index, message in enumerate(messages):
        item = _coerce(index, message)
        role = item["role"]
        if role == "system":
            text = _text_of(index, item.get("content"), spec)
            if not isinstance(text, str):
                raise InvalidMessagesError(f"messages[{index}].content", "system must be text")
            if text.strip():
                system_parts.append(text)
            continue
        if role == "tool":
            call_id = item.get("tool_call_id")
            turn = owner.get(call_id) if isinstance(call_id, str) else None
            if turn is None:
                raise InvalidMessagesError(
                    f"messages[{index}].tool_call_id",
                    f"{call_id!r} answers no tool call of an earlier assistant turn",
                )
            if call_id in turn.results:
                raise InvalidMessagesError(
                    f"messages[{index}].tool_call_id", f"{call_id!r} is answered twice"
                )
            result: dict[str, Any] = {
                "role": "tool",
                "tool_call_id": call_id,
                "content": _stringify(item.get("content")),
            }
            if item.get("name"):
                result["name"] = str(item["name"])
            turn.results[str(call_id)] = result
            continue
        content = _text_of(index, item.get("content"), spec)
        calls = _calls_of(index, item.get("tool_calls")) if role == "assistant" else []
        if not calls and _is_blank(content):
            continue
        last = turns[-1] if turns else None
        if last is not None and last.role == role and role == "user":
            last.content = _join(last.content, content)
            continue
        if last is not None and role == "assistant" and last.role == "assistant" and not last.calls:
            last.content = _join(last.content, content)
            last.calls = calls
            for call in calls:
                owner[call.id] = last
            continue
        turn = _Turn(role=role, content=content, calls=calls)
        for call in calls:
            owner[call.id] = turn
        turns.append(turn)
    return turns


def _stringify(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content
        )
    import json

    return json.dumps(content, ensure_ascii=False)


def _check_order(turns: list[_Turn], spec: ModelSpec) -> None:
    if not any(t.role == "user" for t in turns):
        raise InvalidMessagesError("messages", "must contain at least one user turn")
    last = turns[-1]
    for position, turn in enumerate(turns):
        missing = [c.id for c in turn.calls if c.id not in turn.results]
        if missing:
            raise InvalidMessagesError(
                "messages",
                f"the assistant's tool call {missing[0]!r} has no tool result: add a tool "
                "message with that tool_call_id after it",
            )
        if position == 0 and turn.role == "assistant" and turn.calls:
            raise InvalidMessagesError(
                "messages[0]", "an assistant tool call cannot come before any user turn"
            )
    if last.role == "assistant" and not last.calls:
        raise InvalidMessagesError(
            "messages",
            "must end with a user turn or tool results (the conversation ends with an "
            "assistant turn; add the user's next question)",
        )
    if last.calls and spec.last_turn_user_only:
        raise InvalidMessagesError(
            "messages",
            f"{spec.name} requires the last message to be a user turn, not tool results",
        )


def _trim(turns: list[_Turn], budget: int, spec: ModelSpec, system_cost: int, overflow: str) -> int:
    total = system_cost + sum(t.cost() for t in turns)
    if total <= budget:
        return 0
    if overflow == "error":
        raise ContextOverflowError(
            "messages",
            f"the conversation has {total} characters, over {spec.name}'s budget of {budget}; "
            "shorten it or use overflow='truncate'",
            limit=budget,
            length=total,
        )
    last_user = max(i for i, t in enumerate(turns) if t.role == "user")
    dropped = 0
    while total > budget and last_user > 0:
        # Drop the oldest exchange: up to (not including) the next user turn.
        end = next(i for i in range(1, len(turns)) if turns[i].role == "user")
        for turn in turns[:end]:
            total -= turn.cost()
        del turns[:end]
        dropped += end
        last_user -= end
    if total > budget:
        raise ContextOverflowError(
            "messages",
            f"the system text and the last user turn alone have {total} characters, over "
            f"{spec.name}'s budget of {budget}",
            limit=budget,
            length=total,
        )
    text = (
        f"Dropped the {dropped} oldest turns to fit {spec.name}'s input budget of {budget} "
        "characters"
    )
    warnings.warn(text, ContextTruncatedWarning, stacklevel=5)
    logger.info(text)
    return dropped


def _render(turns: list[_Turn], system_text: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if system_text:
        out.append({"role": "system", "content": system_text})
    for turn in turns:
        if not turn.calls:
            out.append({"role": turn.role, "content": turn.content})
            continue
        out.append(
            {
                "role": "assistant",
                "content": turn.content if isinstance(turn.content, str) else "",
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in turn.calls
                ],
            }
        )
        out.extend(turn.results[call.id] for call in turn.calls)
    return out


def _already_in_order(
    messages: list[MessageLike] | tuple[MessageLike, ...], budget: int
) -> list[dict[str, Any]] | None:
    """The wire messages of a history the rules would leave as it is, else ``None``.

    The common call (an optional system text, then user and assistant text turns that
    alternate, ending with a user turn, within budget) needs none of the repairs: this builds
    exactly what :func:`_render` would from it, without the turn objects. Anything else
    (tool calls or results, parts, blank or repeated turns, a leading assistant turn, an
    unknown role) returns ``None`` and takes the full rules, errors included.
    """
    out: list[dict[str, Any]] = []
    previous = ""
    size = 0
    for index, message in enumerate(messages):
        if type(message) is dict:
            role, content = message.get("role"), message.get("content")
            if role == "assistant" and message.get("tool_calls"):
                return None
        elif isinstance(message, ChatMessage):
            role, content = message.role, message.content
            if message.tool_calls:
                return None
        else:
            return None
        if type(content) is not str or not content.strip():
            return None
        if role == "user":
            if previous == "user":
                return None
        elif role == "assistant":
            if previous != "user":
                return None
        elif role != "system" or index:
            return None
        previous = role
        size += len(content)
        out.append({"role": role, "content": content})
    if previous != "user" or size > budget:
        return None
    return out


def normalize_v2(
    messages: Iterable[MessageLike],
    spec: ModelSpec,
    *,
    system: str | None = None,
    overflow: str = "truncate",
) -> NormalizedMessages:
    """Turn any history into one V2 accepts (the module's rules); ``system`` is ``None``.

    Raises:
        InvalidMessagesError: a turn is malformed, or the history cannot be repaired without
            dropping content (no user turn, ends with an assistant turn, unanswered call...).
        ContextOverflowError: over budget with ``overflow="error"``, or the system text and the
            last user turn alone exceed it.

    """
    if not isinstance(messages, (list, tuple)):
        messages = list(messages)  # read twice at most: by the fast path, then the rules
    if not system:
        ready = _already_in_order(messages, spec.max_input_chars)
        if ready is not None:
            return NormalizedMessages(messages=ready, system=None, dropped_turns=0)
    system_parts: list[str] = [system] if system and system.strip() else []
    turns = _build_turns(messages, spec, system_parts)
    if not turns:
        raise InvalidMessagesError("messages", "must contain at least one user turn")
    if turns[0].role == "assistant" and not turns[0].calls and len(turns) > 1:
        lead = turns.pop(0)
        turns[0].content = _join(f"Assistant: {lead.content}", turns[0].content)
    _check_order(turns, spec)
    system_text = _SEPARATOR.join(system_parts) if system_parts else None
    system_cost = len(system_text) if system_text else 0
    dropped = _trim(turns, spec.max_input_chars, spec, system_cost, overflow)
    return NormalizedMessages(
        messages=_render(turns, system_text), system=None, dropped_turns=dropped
    )
