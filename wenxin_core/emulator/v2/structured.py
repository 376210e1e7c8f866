"""Structured output: the content a ``response_format`` asks for.

``json_object``: ``{"answer": <the default reply text>}``. ``json_schema``: a JSON value
conforming to the schema, filled from the last user text
(:func:`~wenxin_core.emulator.v2.schema_fill.fill_value`, every property present).
"""

from __future__ import annotations

import json

from wenxin_core.emulator.v2.cues import Cues
from wenxin_core.emulator.v2.formats import ResponseFormat
from wenxin_core.emulator.v2.schema_fill import fill_value

__all__ = ["structured_text"]


def structured_text(response_format: ResponseFormat, last_user: str, text: str) -> str | None:
    """The JSON text of the reply under ``response_format`` (``None`` for plain text).

    ``text`` is the reply the emulator would give without a format.
    """
    if response_format.kind == "json_object":
        return json.dumps({"answer": text}, ensure_ascii=False)
    if response_format.kind == "json_schema":
        value = fill_value(response_format.schema, Cues(last_user), complete=True)
        return json.dumps(value, ensure_ascii=False)
    return None
