"""Which tools a V2 reply calls, and with which arguments: the emulator's deterministic default.

A tool is *named* by the last user turn when the text holds its function name (``get_weather``
or ``get weather``) or a word of its name other than a generic verb (``weather``); when no tool
is named so, the one tool whose description shares the most words with the text is. Then:

* ``tool_choice: "none"``: no call. ``{"type": "function", ...}``: that function, once.
* ``auto`` (the default): every named tool, in the order the text names them (only the first
  with ``parallel_tool_calls: false``). After tool results (the history ends with ``tool``
  turns) the named tools not called yet since the user turn are called, else the reply is text.
* ``required``: as ``auto``, but always a call: the best-matching tool, else the first.

Arguments come from each tool's ``parameters`` and the text, the part right after the tool's
mention first (:mod:`~wenxin_core.emulator.v2.schema_fill`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from wenxin_core.emulator.scripts import ScriptedCall
from wenxin_core.emulator.v2.cues import Cues
from wenxin_core.emulator.v2.messages import Conversation
from wenxin_core.emulator.v2.schema_fill import fill_object
from wenxin_core.emulator.v2.tools import ToolOptions, ToolSpec
from wenxin_core.emulator.v2.words import (
    STOP_WORDS,
    cjk_bigram_spans,
    meaningful,
    normalise,
    word_spans,
)

__all__ = ["PlannedCall", "new_call_id", "plan_tool_calls", "scripted_calls", "tool_result_text"]

_GENERIC = frozenset(
    {
        "get",
        "set",
        "fetch",
        "find",
        "list",
        "do",
        "run",
        "call",
        "make",
        "tool",
        "func",
        "function",
        "query",
        "lookup",
        "look",
        "up",
        "by",
        "info",
        "information",
        "data",
        "current",
        "create",
        "update",
        "delete",
        "check",
        "compute",
        "calculate",
        "search",
        "api",
        "v1",
        "v2",
    }
)
_VAGUE = frozenset(
    {
        "current",
        "given",
        "specified",
        "value",
        "values",
        "data",
        "return",
        "returns",
        "name",
        "using",
        "use",
        "information",
        "result",
        "results",
        "tool",
        "function",
        "input",
        "output",
    }
)


@dataclass(frozen=True)
class PlannedCall:
    """One tool call of a reply.

    Attributes:
        id: the call id (``call_<hex>``, unique).
        name: the function name.
        arguments: the arguments as JSON text.

    """

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class _Mention:
    tool: ToolSpec
    start: int
    end: int


def new_call_id() -> str:
    """A fresh call id: ``call_`` and 24 hex digits."""
    return "call_" + secrets.token_hex(12)


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    parts = [normalise(w) for w in re.split(r"[\s_\-]+", spaced) if w]
    specific = [w for w in parts if w not in _GENERIC and w not in STOP_WORDS]
    return specific or parts


def _by_name(tool: ToolSpec, text: str, spans: Sequence[tuple[int, int, str]]) -> _Mention | None:
    variants = {tool.name, re.sub(r"[_\-]+", " ", tool.name)}
    for variant in variants:
        match = re.search(rf"(?<![\w]){re.escape(variant)}(?![\w])", text, re.IGNORECASE)
        if match:
            return _Mention(tool, match.start(), match.end())
    wanted = set(_name_words(tool.name))
    for start, end, word in spans:
        if word in wanted:
            return _Mention(tool, start, end)
    return None


def _by_description(tool: ToolSpec, text: str) -> tuple[int, int]:
    """``(shared words, first position)`` of the tool's description and the text."""
    wanted = {w for w in meaningful(tool.description) if w not in _VAGUE}
    wanted.update(pair for _, pair in cjk_bigram_spans(tool.description))
    hits = [(s, w) for s, _, w in word_spans(text) if w in wanted and len(w) > 2]
    hits.extend((s, pair) for s, pair in cjk_bigram_spans(text) if pair in wanted)
    if not hits:
        return 0, -1
    return len({w for _, w in hits}), min(s for s, _ in hits)


def _mentions(tools: Sequence[ToolSpec], text: str) -> list[_Mention]:
    """The tools the text names, in the order it names them."""
    spans = word_spans(text)
    named = [m for m in (_by_name(t, text, spans) for t in tools) if m is not None]
    if named:
        return sorted(named, key=lambda m: m.start)
    best: _Mention | None = None
    best_hits = 0
    for tool in tools:
        hits, start = _by_description(tool, text)
        if hits > best_hits:
            best, best_hits = _Mention(tool, start, start), hits
    return [best] if best is not None else []


def _arguments(tool: ToolSpec, text: str, focus: tuple[int, int] | None, skip: set[str]) -> str:
    cues = Cues(text, focus, skip)
    return json.dumps(fill_object(tool.parameters, cues), ensure_ascii=False)


def _picks(
    options: ToolOptions, conversation: Conversation, mentions: list[_Mention]
) -> list[ToolSpec]:
    tools = options.tools
    if options.forced is not None:
        return [t for t in tools if t.name == options.forced][:1]
    picks = [m.tool for m in mentions]
    if conversation.last_role == "tool":
        picks = [t for t in picks if t.name not in conversation.called]
        if options.choice == "required" and not picks:
            fresh = [t for t in tools if t.name not in conversation.called]
            picks = fresh[:1] or list(tools[:1])
    elif options.choice == "required" and not picks:
        picks = list(tools[:1])
    return picks if options.parallel else picks[:1]


def plan_tool_calls(conversation: Conversation, options: ToolOptions) -> tuple[PlannedCall, ...]:
    """The calls the reply makes (empty: the reply is text)."""
    if not options.tools or options.choice == "none":
        return ()
    text = conversation.last_user
    mentions = _mentions(options.tools, text)
    picks = _picks(options, conversation, mentions)
    where = {m.tool.name: m for m in mentions}
    starts = sorted(m.start for m in mentions)
    skip = {w for t in options.tools for w in _name_words(t.name)}
    calls: list[PlannedCall] = []
    for tool in picks:
        mention = where.get(tool.name)
        focus = None
        if mention is not None and mention.end > mention.start:
            following = [s for s in starts if s > mention.start]
            focus = (mention.end, following[0] if following else len(text))
        calls.append(PlannedCall(new_call_id(), tool.name, _arguments(tool, text, focus, skip)))
    return tuple(calls)


def scripted_calls(script: Sequence[ScriptedCall]) -> tuple[PlannedCall, ...]:
    """The calls of a script (scripted ids kept, the others given fresh ids)."""
    return tuple(PlannedCall(c.id or new_call_id(), c.name, c.arguments) for c in script)


def tool_result_text(conversation: Conversation) -> str:
    """The text reply after tool results: ``Based on get_weather: sunny. ...``."""
    parts = []
    for result in conversation.tool_results:
        content = " ".join(result.content.split()) or "(no output)"
        parts.append(f"{result.name}: {content}")
    return f"Based on {'; '.join(parts)}. You asked: {conversation.last_user}"
