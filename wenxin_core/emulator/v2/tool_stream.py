"""Tool calls on the wire: the ``message.tool_calls`` of a reply and the stream's fragments.

A stream sends each call as ``delta.tool_calls: [{"index", ...}]`` fragments: with
``fragmented`` arguments (the default) the first fragment has ``id``, ``type``,
``function.name`` and empty ``arguments``, then the JSON text follows in several pieces; with
``whole`` arguments one fragment carries everything. Fragments of one call add up by ``index``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wenxin_core.emulator.v2.tool_plan import PlannedCall

__all__ = ["PIECE_CHARS", "argument_pieces", "message_tool_calls", "tool_call_fragments"]

PIECE_CHARS = 8
"""The most characters of ``arguments`` one fragment carries (``fragmented`` style)."""


def message_tool_calls(calls: Sequence[PlannedCall]) -> list[dict[str, Any]]:
    """The ``message.tool_calls`` of a non-stream reply."""
    return [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for call in calls
    ]


def argument_pieces(arguments: str) -> list[str]:
    """``arguments`` in pieces of at most :data:`PIECE_CHARS` characters.

    At least two pieces when it has two characters; the pieces concatenate to ``arguments``.
    """
    size = max(1, min(PIECE_CHARS, len(arguments) // 2))
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


def tool_call_fragments(calls: Sequence[PlannedCall], style: str) -> list[dict[str, Any]]:
    """One ``delta.tool_calls`` element per stream chunk, in order."""
    fragments: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        head = {"index": index, "id": call.id, "type": "function"}
        if style == "whole":
            fragments.append({**head, "function": {"name": call.name, "arguments": call.arguments}})
            continue
        fragments.append({**head, "function": {"name": call.name, "arguments": ""}})
        fragments.extend(
            {"index": index, "function": {"arguments": piece}}
            for piece in argument_pieces(call.arguments)
        )
    return fragments
