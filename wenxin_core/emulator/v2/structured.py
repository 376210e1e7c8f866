"""Structured output: the content a ``response_format`` asks for.

``json_schema``: a JSON value conforming to the schema, filled from the last user text
(:func:`~wenxin_core.emulator.v2.schema_fill.fill_value`, every property present).
``json_object``: the same for a JSON schema the prompt itself quotes (frameworks paste one into
the system or user text), else ``{"answer": <the default reply text>}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from wenxin_core.emulator.v2.cues import Cues
from wenxin_core.emulator.v2.formats import ResponseFormat
from wenxin_core.emulator.v2.schema_fill import fill_value

__all__ = ["quoted_schema", "structured_text"]


_MAX_TRIES = 20


def quoted_schema(texts: Sequence[str]) -> dict[str, Any] | None:
    """The first JSON object schema (one with ``properties``) written in one of ``texts``."""
    decoder = json.JSONDecoder()
    for text in texts:
        start = text.find("{")
        tries = 0
        while start >= 0 and tries < _MAX_TRIES:
            tries += 1
            try:
                value, _ = decoder.raw_decode(text, start)
            except ValueError:
                value = None
            if isinstance(value, dict) and isinstance(value.get("properties"), dict):
                return value
            start = text.find("{", start + 1)
    return None


def structured_text(
    response_format: ResponseFormat, last_user: str, text: str, prompt: Sequence[str] = ()
) -> str | None:
    """The JSON text of the reply under ``response_format`` (``None`` for plain text).

    ``text`` is the reply the emulator would give without a format; ``prompt`` the texts of
    the messages (searched for a quoted schema with ``json_object``).
    """
    if response_format.kind == "json_object":
        schema = quoted_schema(prompt)
        if schema is None:
            return json.dumps({"answer": text}, ensure_ascii=False)
        value = fill_value(schema, Cues(last_user), complete=True)
        return json.dumps(value, ensure_ascii=False)
    if response_format.kind == "json_schema":
        value = fill_value(response_format.schema, Cues(last_user), complete=True)
        return json.dumps(value, ensure_ascii=False)
    return None
