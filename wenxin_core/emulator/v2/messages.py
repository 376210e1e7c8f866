"""V2's message order rules, checked as the service enforces them (HTTP 400 ``invalid_messages``).

The rules of the reference: the first message is ``system`` or ``user``; ``system`` only first;
then ``user`` and ``assistant`` alternate starting with ``user``; ``tool`` messages follow the
assistant turn whose ``tool_calls`` they answer, one per call, each with a ``tool_call_id`` that
turn gave (after the last answer an ``assistant`` or a ``user`` turn may come); the last message
is ``user`` or ``tool`` (``user`` only for models with ``last_turn_user_only``); no blank content
except an assistant turn with ``tool_calls``; ``reasoning_content`` is never accepted back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.emulator.v2.errors import V2Error, bad_request

__all__ = ["Conversation", "ToolResult", "check_messages"]

_ROLES = frozenset({"system", "user", "assistant", "tool"})


@dataclass(frozen=True)
class ToolResult:
    """One tool answer at the end of the history.

    Attributes:
        name: the function the answered call named.
        content: the tool's output text.

    """

    name: str
    content: str


@dataclass(frozen=True)
class Conversation:
    """A conversation that passed the order rules.

    Attributes:
        system: the system text, if the first message was one.
        texts: the text of every message (for token counting), system included.
        last_user: the text of the last ``user`` message.
        last_role: the role of the last message (``user`` or ``tool``).
        tool_results: the tool answers the history ends with (empty unless it ends with tools).
        called: the functions called since the last ``user`` message, in order.

    """

    system: str | None
    texts: list[str]
    last_user: str
    last_role: str
    tool_results: tuple[ToolResult, ...] = ()
    called: tuple[str, ...] = ()


def _invalid(index: int, why: str) -> V2Error:
    return bad_request("invalid_messages", f"messages[{index}]: {why}")


def _text(index: int, content: object, spec: ModelSpec) -> str:
    """The text of a message's ``content`` (a string, or a list of parts for vision models)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and spec.vision:
        texts: list[str] = []
        for part in content:
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise _invalid(index, "every content part needs a type")
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    raise _invalid(index, "a text part needs a text string")
                texts.append(part["text"])
        return " ".join(texts) if texts else "[image]"
    if isinstance(content, list):
        raise bad_request("invalid_argument", f"model {spec.name} takes only string content")
    raise _invalid(index, "content must be a string")


def _call_ids(index: int, message: dict[str, Any]) -> dict[str, str]:
    """``call id -> function name`` of an assistant turn's ``tool_calls``, in order."""
    calls = message.get("tool_calls")
    if calls is None or calls == []:  # an empty list is no call (some clients send one)
        return {}
    if not isinstance(calls, list):
        raise _invalid(index, "tool_calls must be a list")
    ids: dict[str, str] = {}
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(call, dict)
            or not isinstance(call.get("id"), str)
            or not call["id"]
            or not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments", ""), str)
            or call.get("type", "function") != "function"
        ):
            raise _invalid(index, "each tool call needs an id and a function with a name")
        if call["id"] in ids:
            raise _invalid(index, "tool call ids must be unique")
        ids[call["id"]] = function["name"]
    return ids


class _Order:
    """The order state machine: what may come next, and which tool calls await an answer."""

    def __init__(self) -> None:
        self.expect: frozenset[str] = frozenset({"user"})
        self.pending: list[str] = []
        self.names: dict[str, str] = {}
        self.results: list[ToolResult] = []
        self.called: list[str] = []

    def step(self, index: int, role: str, message: dict[str, Any]) -> None:
        if role == "tool":
            self._tool(index, message)
            return
        if self.pending:
            raise _invalid(index, f"tool call {self.pending[0]!r} has no tool answer")
        if role not in self.expect:
            wanted = " or ".join(sorted(self.expect))
            raise _invalid(index, f"expected a {wanted} message, got {role}")
        self.results = []
        if role == "user":
            self.expect = frozenset({"assistant"})
            self.called = []
            return
        self.names = _call_ids(index, message)
        self.pending = list(self.names)
        self.called.extend(self.names.values())
        self.expect = frozenset({"tool"} if self.pending else {"user"})

    def _tool(self, index: int, message: dict[str, Any]) -> None:
        if "tool" not in self.expect:
            raise _invalid(index, "a tool message must follow an assistant turn with tool_calls")
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str) or call_id not in self.pending:
            raise _invalid(index, "tool_call_id must be an id of the assistant's tool_calls")
        name = message.get("name")
        if name is not None and not isinstance(name, str):
            raise _invalid(index, "a tool message's name must be a string")
        self.pending.remove(call_id)
        content = message.get("content")
        self.results.append(
            ToolResult(self.names[call_id], content if isinstance(content, str) else "")
        )
        if not self.pending:
            self.expect = frozenset({"assistant", "user"})


def check_messages(raw: object, spec: ModelSpec) -> Conversation:
    """Check ``raw`` (the body's ``messages``) against the rules; raise :class:`V2Error`."""
    if not isinstance(raw, list) or not raw:
        raise bad_request("invalid_messages", "messages must be a non-empty list")
    order = _Order()
    system: str | None = None
    texts: list[str] = []
    last_user = ""
    for index, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise _invalid(index, "role must be one of system, user, assistant, tool")
        if "reasoning_content" in message:
            raise _invalid(index, "reasoning_content must not be sent back")
        role: str = message["role"]
        text = _text(index, message.get("content"), spec)
        if not text.strip() and not (role == "assistant" and message.get("tool_calls")):
            raise _invalid(index, "content must not be blank")
        if role == "system":
            if index != 0:
                raise _invalid(index, "a system message may only come first")
            system = text
        else:
            order.step(index, role, message)
            if role == "user":
                last_user = text
        texts.append(text)
    _check_last(raw, order, spec)
    last_role = str(raw[-1]["role"])
    results = tuple(order.results) if last_role == "tool" else ()
    return Conversation(system, texts, last_user, last_role, results, tuple(order.called))


def _check_last(raw: Sequence[dict[str, Any]], order: _Order, spec: ModelSpec) -> None:
    index = len(raw) - 1
    role = raw[index]["role"]
    if order.pending:
        raise _invalid(index, f"tool call {order.pending[0]!r} has no tool answer")
    allowed = ("user",) if spec.last_turn_user_only else ("user", "tool")
    if role not in allowed:
        raise _invalid(index, f"the last message must be {' or '.join(allowed)}, got {role}")
