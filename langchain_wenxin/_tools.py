"""Tools for :meth:`ChatWenxin.bind_tools <langchain_wenxin.ChatWenxin.bind_tools>`.

- :func:`format_tools`: dicts, pydantic models, functions or ``BaseTool`` as OpenAI tool dicts
  (LangChain's own ``convert_to_openai_tool``, which V2 takes as is);
- :func:`format_tool_choice`: LangChain's spellings of ``tool_choice`` as V2 values (``"any"``
  and ``True`` are ``"required"``; a tool name is the object form);
- :func:`format_response_format`: a schema or a ready ``response_format`` as V2's form;
- :func:`check_tool_options`: the core's own V2 rules for these options against the model's
  catalog capabilities, so a model without tools (or ``tool_choice``, or ``json_schema``)
  fails when the tools are bound, with the core's typed error, not at the first call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_function, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError
from wenxin_core.wire.v2 import options as v2_options

__all__ = [
    "ToolLike",
    "check_tool_options",
    "format_response_format",
    "format_tool_choice",
    "format_tools",
    "is_pydantic_class",
    "tool_names",
]

ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool
"""What ``bind_tools`` takes: an OpenAI tool dict, a pydantic model, a function or a tool."""

_PLAIN_CHOICES = frozenset({"auto", "none", "required"})
_RESPONSE_FORMATS = frozenset({"text", "json_object", "json_schema"})


def format_tools(tools: Sequence[ToolLike], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """The OpenAI tool dicts of ``tools`` (``strict``: LangChain's strict schema conversion)."""
    return [convert_to_openai_tool(tool, strict=strict) for tool in tools]


def tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    """The function names of formatted tools, in order."""
    return [str(tool["function"]["name"]) for tool in tools if "function" in tool]


def _forced(name: str, names: Sequence[str]) -> dict[str, Any]:
    if name not in names:
        raise ValueError(
            f"tool_choice names the tool {name!r}, which is not among the bound tools "
            f"({', '.join(repr(n) for n in names) or 'none'})"
        )
    return {"type": "function", "function": {"name": name}}


def format_tool_choice(choice: Any, names: Sequence[str]) -> str | dict[str, Any] | None:
    """V2's ``tool_choice`` for LangChain's spelling of it (``None``: send none).

    ``"auto"``, ``"none"`` and ``"required"`` as they are; ``"any"`` and ``True`` as
    ``"required"``; ``False`` and ``None`` as no choice; a bound tool's name, an OpenAI-style
    ``{"type": "function", "function": {"name": ...}}`` or ``{"name": ...}`` as the object form.

    Raises:
        ValueError: a name that is not a bound tool, or a value of another shape.

    """
    if choice is None or choice is False:
        return None
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str):
        return choice if choice in _PLAIN_CHOICES else _forced(choice, names)
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return _forced(function["name"], names)
        if isinstance(choice.get("name"), str):
            return _forced(choice["name"], names)
    raise ValueError(
        "tool_choice must be 'auto', 'none', 'any', 'required', True, a bound tool's name or "
        f"{{'type': 'function', 'function': {{'name': ...}}}}; got {choice!r}"
    )


def format_response_format(value: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """V2's ``response_format`` for a ready one or a schema (pydantic, TypedDict, JSON Schema).

    A ``{"type": ...}`` mapping is kept (``json_object``, ``text``, ``json_schema``); a
    ``{"name", "schema"}`` mapping is wrapped as ``json_schema``; any other schema is converted
    with LangChain's ``convert_to_openai_function`` (its ``parameters`` as ``schema``).
    """
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind in _RESPONSE_FORMATS and (kind != "json_schema" or "json_schema" in value):
        return dict(value)
    if isinstance(value, Mapping) and "name" in value and "schema" in value:
        return {"type": "json_schema", "json_schema": dict(value)}
    function = convert_to_openai_function(value, strict=strict)
    json_schema: dict[str, Any] = {"name": function["name"], "schema": function["parameters"]}
    if function.get("description"):
        json_schema["description"] = function["description"]
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def check_tool_options(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    """Check ``tools``, ``tool_choice``, ``parallel_tool_calls`` and ``response_format``.

    The rules are the core's V2 ones (``wenxin_core.wire.v2.options.body_fields``), which it
    applies again to each call; ``None`` values are unset.

    Raises:
        UnsupportedParameterError: the model does not take the option (no tool calling, no
            ``tool_choice``, no JSON mode or no ``json_schema``), or the model is on V1.
        WenxinValidationError: a value of the wrong shape.

    """
    given = {name: value for name, value in options.items() if value is not None}
    if not given:
        return
    if spec.api != "v2":
        name = next(iter(given))
        raise UnsupportedParameterError(
            name,
            f"is not accepted by {spec.name}: tool calling and structured output are V2 "
            "options (V1 endpoints take none)",
            message=f"{name!r} is not accepted by {spec.name}: tool calling and structured "
            "output are V2 options (V1 endpoints take none)",
        )
    v2_options.body_fields(spec, given)


def is_pydantic_class(schema: Any) -> bool:
    """Whether ``schema`` is a pydantic model class (v2, or the v1 compatibility layer)."""
    return isinstance(schema, type) and is_basemodel_subclass(schema)
