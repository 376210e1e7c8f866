"""The ``response_format`` of a V2 chat body, checked per model (HTTP 400 ``invalid_argument``).

``{"type": "text"}``, ``{"type": "json_object"}`` (models with ``json_object``) or
``{"type": "json_schema", "json_schema": {"name", "schema", "strict"?}}`` (models with
``json_schema``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.emulator.v2.errors import V2Error, bad_request

__all__ = ["ResponseFormat", "check_response_format"]


@dataclass(frozen=True)
class ResponseFormat:
    """What shape the reply's content must have.

    Attributes:
        kind: ``text``, ``json_object`` or ``json_schema``.
        schema: the JSON schema of ``json_schema`` (``{}`` otherwise).

    """

    kind: str = "text"
    schema: dict[str, Any] = field(default_factory=dict)


def _arg(message: str) -> V2Error:
    return bad_request("invalid_argument", message)


def check_response_format(body: dict[str, Any], spec: ModelSpec) -> ResponseFormat:
    """The checked ``response_format`` of ``body`` (``text`` when absent); raise V2Error."""
    value = body.get("response_format")
    if value is None:
        return ResponseFormat()
    if not spec.json_object:
        raise _arg(f"model {spec.name} does not take response_format")
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise _arg("response_format.type must be text, json_object or json_schema")
    if kind != "json_schema":
        return ResponseFormat(str(kind))
    if not spec.json_schema:
        raise _arg(f"model {spec.name} does not take response_format json_schema")
    described = value.get("json_schema")
    if not isinstance(described, dict) or not isinstance(described.get("schema"), dict):
        raise _arg("response_format.json_schema needs a schema object")
    name = described.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise _arg("response_format.json_schema.name must be a non-empty string")
    return ResponseFormat("json_schema", described["schema"])
