"""Scripted answers: the exact text or the exact tool calls of the next chat replies.

``EmulatorControls.script(text)`` queues a text, ``EmulatorControls.script_tool_calls(calls)``
queues tool calls; both share one queue, so a test can script a whole agent run in order (the
calls first, then the final text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Script", "ScriptedCall", "parse_scripted_calls", "script_as_text"]


@dataclass(frozen=True)
class ScriptedCall:
    """One scripted tool call.

    Attributes:
        name: the function name.
        arguments: the ``arguments`` JSON text, sent exactly (it may be invalid JSON on purpose).
        id: the call id; ``None`` lets the emulator give a ``call_<hex>`` id.

    """

    name: str
    arguments: str
    id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of this call (``{"name", "arguments", "id"}``)."""
        return {"name": self.name, "arguments": self.arguments, "id": self.id}


Script = str | tuple[ScriptedCall, ...]
"""A scripted answer: a reply text, or the tool calls of one answer."""


def _call(index: int, raw: object) -> ScriptedCall:
    if not isinstance(raw, Mapping):
        raise TypeError(f"calls[{index}] must be an object with a name and arguments")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"calls[{index}] needs a non-empty name")
    arguments = raw.get("arguments", {})
    if isinstance(arguments, Mapping):
        text = json.dumps(dict(arguments), ensure_ascii=False)
    elif isinstance(arguments, str):
        text = arguments
    else:
        raise TypeError(f"calls[{index}].arguments must be an object or a JSON string")
    call_id = raw.get("id")
    if call_id is not None and (not isinstance(call_id, str) or not call_id):
        raise ValueError(f"calls[{index}].id must be a non-empty string")
    return ScriptedCall(name, text, call_id)


def parse_scripted_calls(calls: object) -> tuple[ScriptedCall, ...]:
    """Check ``calls`` (a list of ``{"name", "arguments"?, "id"?}``) and freeze them.

    ``arguments`` is an object (sent as its JSON text) or a string (sent as it is).

    Raises:
        TypeError, ValueError: not a non-empty list of such objects.

    """
    if isinstance(calls, (str, bytes)) or not isinstance(calls, Sequence) or not calls:
        raise ValueError("calls must be a non-empty list of {'name', 'arguments'} objects")
    parsed = tuple(_call(i, raw) for i, raw in enumerate(calls))
    ids = [c.id for c in parsed if c.id is not None]
    if len(set(ids)) != len(ids):
        raise ValueError("scripted call ids must be unique")
    return parsed


def script_as_text(script: Script) -> str:
    """The reply text of a script where no tool call can be answered (V1): calls as JSON."""
    if isinstance(script, str):
        return script
    return json.dumps([c.as_dict() for c in script], ensure_ascii=False)
