"""The ``tools``, ``tool_choice`` and ``parallel_tool_calls`` of a V2 chat body, checked.

A tool is ``{"type": "function", "function": {"name", "description"?, "parameters"?}}`` with a
name matching ``^[a-zA-Z0-9_-]{1,64}$`` (unique in the list) and ``parameters`` a JSON-schema
object (``"type": "object"`` when a type is given). ``tool_choice`` is ``auto``, ``none``,
``required`` or ``{"type": "function", "function": {"name"}}`` naming one of the tools. A bad
value is HTTP 400 ``invalid_argument``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.emulator.responses import dumps
from wenxin_core.emulator.v2.errors import V2Error, bad_request

__all__ = ["TOOL_NAME", "ToolOptions", "ToolSpec", "check_tools"]

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
"""The pattern every function name must match."""

_CHOICES = frozenset({"auto", "none", "required"})


@dataclass(frozen=True)
class ToolSpec:
    """One offered function.

    Attributes:
        name: the function name.
        description: its description (``""`` if none).
        parameters: its JSON schema (``{"type": "object", "properties": {}}`` if none).

    """

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolOptions:
    """The tool options of a request.

    Attributes:
        tools: the offered functions, in order.
        choice: ``auto``, ``none``, ``required`` or ``function`` (then ``forced`` names it).
        forced: the function ``tool_choice`` forces, if any.
        parallel: several calls may come in one answer (``parallel_tool_calls``, default true).
        tokens_text: the JSON text of ``tools`` (the prompt tokens it costs).

    """

    tools: tuple[ToolSpec, ...] = ()
    choice: str = "auto"
    forced: str | None = None
    parallel: bool = True
    tokens_text: str = field(default="", repr=False)


def _arg(message: str) -> V2Error:
    return bad_request("invalid_argument", message)


def _tool(index: int, tool: object) -> ToolSpec:
    where = f"tools[{index}]"
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise _arg(f"{where}.type must be 'function'")
    function = tool.get("function")
    if not isinstance(function, dict):
        raise _arg(f"{where}.function must be an object")
    name = function.get("name")
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        raise _arg(f"{where}.function.name must match {TOOL_NAME.pattern}")
    description = function.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        raise _arg(f"{where}.function.description must be a string")
    parameters = function.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
        raise _arg(f"{where}.function.parameters must be a JSON schema of type object")
    properties = parameters.get("properties", {})
    if not isinstance(properties, dict) or not all(
        isinstance(p, dict) for p in properties.values()
    ):
        raise _arg(f"{where}.function.parameters.properties must map names to schemas")
    required = parameters.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise _arg(f"{where}.function.parameters.required must be a list of names")
    return ToolSpec(name, description, parameters)


def _choice(value: object, names: set[str]) -> tuple[str, str | None]:
    if isinstance(value, str):
        if value not in _CHOICES:
            raise _arg("tool_choice must be auto, none, required or a function")
        if value == "required" and not names:
            raise _arg("tool_choice 'required' needs tools")
        return value, None
    function = value.get("function") if isinstance(value, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(value, dict) or value.get("type") != "function" or not isinstance(name, str):
        raise _arg("tool_choice must be {'type': 'function', 'function': {'name': ...}}")
    if name not in names:
        raise _arg(f"tool_choice names {name!r}, which is not among the tools")
    return "function", name


def check_tools(body: dict[str, Any], spec: ModelSpec) -> ToolOptions:
    """Check the tool options of ``body`` for ``spec``; raise :class:`V2Error` (400)."""
    raw = body.get("tools")
    tools: tuple[ToolSpec, ...] = ()
    if raw is not None:
        if not spec.tools:
            raise _arg(f"model {spec.name} does not take tools")
        if not isinstance(raw, list):
            raise _arg("tools must be a list")
        tools = tuple(_tool(i, t) for i, t in enumerate(raw))
        names = [t.name for t in tools]
        if len(set(names)) != len(names):
            raise _arg("tools: function names must be unique")
    choice, forced = "auto", None
    if body.get("tool_choice") is not None:
        if not spec.tool_choice:
            raise _arg(f"model {spec.name} does not take tool_choice")
        choice, forced = _choice(body["tool_choice"], {t.name for t in tools})
    parallel = body.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise _arg("parallel_tool_calls must be a boolean")
    text = dumps(raw).decode("utf-8") if tools else ""
    return ToolOptions(tools, choice, forced, parallel is not False, text)
