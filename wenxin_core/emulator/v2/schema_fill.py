"""A JSON value conforming to a JSON schema, built from a user text (tool arguments, json_schema).

Strings come from the text (:class:`~wenxin_core.emulator.v2.cues.Cues`), numbers from its
numbers (within ``minimum``/``maximum``), enums from the words that name a value, booleans from
yes/no words, arrays have one item (or ``minItems``), objects are filled recursively. Required
properties are always present; the others only when the text gives a value for them, or always
with ``complete=True`` (structured output). ``$ref`` into ``$defs``/``definitions``,
``anyOf``/``oneOf``/``allOf`` (the first non-null branch), ``const`` and ``default`` are honoured.
"""

from __future__ import annotations

import re
from typing import Any

from wenxin_core.emulator.v2.cues import Cues

__all__ = ["fill_object", "fill_value"]

_MISSING: Any = object()
_MAX_DEPTH = 8
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"https?://[^\s\"'<>]+")


class _Filler:
    """One fill of one schema against one :class:`Cues`."""

    def __init__(self, root: dict[str, Any], cues: Cues, complete: bool) -> None:
        self.root = root
        self.cues = cues
        self.complete = complete

    def resolve(self, schema: Any, depth: int) -> dict[str, Any]:
        """``schema`` with ``$ref`` followed and a combinator's first non-null branch taken."""
        for _ in range(_MAX_DEPTH):
            if not isinstance(schema, dict):
                return {}
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                target: Any = self.root
                for part in ref[2:].split("/"):
                    target = target.get(part) if isinstance(target, dict) else None
                schema = {**{k: v for k, v in schema.items() if k != "$ref"}, **(target or {})}
                continue
            merged = _first_branch(schema)
            if merged is None:
                return schema
            schema = merged
        return schema if isinstance(schema, dict) else {}

    def value(self, schema: Any, name: str, fallback: bool, depth: int) -> Any:
        """The value of property ``name``, or ``_MISSING`` (no cue and no ``fallback``)."""
        spec = self.resolve(schema, depth)
        if "const" in spec:
            return spec["const"]
        enum = spec.get("enum")
        if isinstance(enum, list) and enum:
            found = self.cues.choice(enum)
            if found is not None:
                return found
            if not fallback:
                return _MISSING
            return spec["default"] if spec.get("default") in enum else enum[0]
        kind = _kind(spec)
        if kind == "object":
            if not fallback or depth >= _MAX_DEPTH:
                return _MISSING if not fallback else {}
            return self.object(spec, depth + 1)
        if kind == "array":
            return self.array(spec, name, fallback, depth)
        if kind in ("integer", "number"):
            return self.number(spec, kind, fallback)
        if kind == "boolean":
            flag = self.cues.flag(name)
            if flag is not None:
                return flag
            if not fallback:
                return _MISSING
            return spec["default"] if isinstance(spec.get("default"), bool) else True
        if kind == "null":
            return None if fallback else _MISSING
        return self.string(spec, name, fallback)

    def string(self, spec: dict[str, Any], name: str, fallback: bool) -> Any:
        fmt = spec.get("format")
        text = self.cues.text
        patterns = {"date": _DATE, "email": _EMAIL, "uri": _URL, "url": _URL}
        defaults = {
            "date": "2026-01-01",
            "date-time": "2026-01-01T00:00:00Z",
            "email": "user@example.com",
            "uri": "https://example.com",
            "url": "https://example.com",
        }
        if isinstance(fmt, str) and fmt in defaults:
            match = patterns[fmt].search(text) if fmt in patterns else None
            if match:
                return match.group()
            return defaults[fmt] if fallback else _MISSING
        value = self.cues.string(name, fallback=fallback)
        if value is None:
            return _MISSING
        low = spec.get("minLength")
        high = spec.get("maxLength")
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        if isinstance(low, int) and len(value) < low:
            value = value + "x" * (low - len(value))
        return value

    def number(self, spec: dict[str, Any], kind: str, fallback: bool) -> Any:
        found = self.cues.number()
        if found is None:
            if not fallback:
                return _MISSING
            default = spec.get("default")
            found = float(default) if isinstance(default, (int, float)) else 1.0
        low = spec.get("minimum")
        high = spec.get("maximum")
        if isinstance(spec.get("exclusiveMinimum"), (int, float)):
            low = spec["exclusiveMinimum"] + (1 if kind == "integer" else 1e-6)
        if isinstance(spec.get("exclusiveMaximum"), (int, float)):
            high = spec["exclusiveMaximum"] - (1 if kind == "integer" else 1e-6)
        if isinstance(low, (int, float)):
            found = max(found, float(low))
        if isinstance(high, (int, float)):
            found = min(found, float(high))
        if kind == "integer":
            return round(found)
        return int(found) if found.is_integer() else found

    def array(self, spec: dict[str, Any], name: str, fallback: bool, depth: int) -> Any:
        items = spec.get("items", {})
        first = self.value(items, name, fallback, depth + 1)
        if first is _MISSING:
            return _MISSING
        wanted = spec.get("minItems")
        count = max(1, wanted if isinstance(wanted, int) else 1)
        values = [first]
        while len(values) < count:
            values.append(self.value(items, name, True, depth + 1))
        return values

    def object(self, spec: dict[str, Any], depth: int) -> dict[str, Any]:
        """Required properties first (each always present), then the others."""
        properties = spec.get("properties")
        if not isinstance(properties, dict):
            return {}
        required = [r for r in spec.get("required", []) if r in properties]
        filled: dict[str, Any] = {}
        for name in required:
            filled[name] = self.value(properties[name], name, True, depth)
        for name, schema in properties.items():
            if name in filled:
                continue
            value = self.value(schema, name, self.complete, depth)
            if value is not _MISSING:
                filled[name] = value
        return {name: filled[name] for name in properties if name in filled}


def _first_branch(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` with its ``anyOf``/``oneOf``/``allOf`` replaced by the first non-null branch."""
    for key in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            usable = [b for b in branches if isinstance(b, dict) and b.get("type") != "null"]
            rest = {k: v for k, v in schema.items() if k != key}
            return {**rest, **(usable[0] if usable else {"type": "null"})}
    return None


def _kind(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in spec:
        return "object"
    if "items" in spec:
        return "array"
    return "string"


def fill_object(schema: dict[str, Any], cues: Cues, *, complete: bool = False) -> dict[str, Any]:
    """A JSON object conforming to the object ``schema`` (a tool's ``parameters``)."""
    filler = _Filler(schema, cues, complete)
    return filler.object(filler.resolve(schema, 0), 0)


def fill_value(schema: dict[str, Any], cues: Cues, *, complete: bool = True) -> Any:
    """A JSON value conforming to ``schema`` (any type; structured output)."""
    filler = _Filler(schema, cues, complete)
    return filler.value(schema, "value", True, 0)
