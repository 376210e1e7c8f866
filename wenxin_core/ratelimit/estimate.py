"""The estimate reserved before a call, read from the request it will send.

Input tokens: the characters of the text the call sends, halved and rounded up (chat: every
message's content and the tool definitions; embeddings: the texts; rerank: the query and the
documents). Halving over-counts Latin text (about four characters a token) and under-counts
Chinese (about one a character); the service's reported usage replaces the estimate once the
answer arrives. Output tokens: the call's ``max_tokens`` (``max_output_tokens``), else the
limiter's ``default_output_tokens``; embeddings and rerank produce none.
"""

from __future__ import annotations

import json
from typing import Any

from wenxin_core.ratelimit.types import Cost
from wenxin_core.wire import PreparedChat, PreparedPost

__all__ = ["CHARS_PER_TOKEN", "estimate_cost"]

CHARS_PER_TOKEN = 2
"""Characters counted as one input token by the estimate."""


def _chars(value: Any) -> int:
    """Characters of the text inside ``value`` (strings anywhere in lists and mappings)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 0


def _tokens(chars: int) -> int:
    return -(-chars // CHARS_PER_TOKEN)


def estimate_cost(prepared: PreparedChat | PreparedPost, default_output_tokens: int) -> Cost:
    """The cost to reserve for sending ``prepared`` once."""
    try:
        body = json.loads(prepared.body)
    except ValueError:
        return Cost(1, _tokens(len(prepared.body)), default_output_tokens)
    if not isinstance(body, dict):
        return Cost(1, _tokens(len(prepared.body)), default_output_tokens)
    if isinstance(prepared, PreparedPost):
        text = [body.get("input"), body.get("query"), body.get("documents")]
        return Cost(1, _tokens(_chars(text)), 0)
    messages = body.get("messages")
    text = [
        [m.get("content") for m in messages if isinstance(m, dict)]
        if isinstance(messages, list)
        else None,
        body.get("system"),
        body.get("tools"),
    ]
    output = body.get("max_tokens", body.get("max_output_tokens"))
    if not isinstance(output, int) or isinstance(output, bool) or output <= 0:
        output = default_output_tokens
    return Cost(1, _tokens(_chars(text)), output)
