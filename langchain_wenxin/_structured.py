"""Structured output for :meth:`ChatWenxin.with_structured_output`.

Three methods, as LangChain's OpenAI model has them, each with the parser it uses:

- ``"json_schema"``: ``response_format={"type": "json_schema", ...}``; the answer's text parsed
  with ``PydanticOutputParser`` (a pydantic schema) or ``JsonOutputParser``;
- ``"function_calling"``: the schema bound as the one tool (forced where the model honours
  ``tool_choice``); the call's arguments parsed with ``PydanticToolsParser`` or
  ``JsonOutputKeyToolsParser``;
- ``"json_mode"``: ``response_format={"type": "json_object"}`` (the prompt must ask for JSON);
  parsed as with ``"json_schema"``.

The default (:func:`default_method`) is the first the model has in its catalog capabilities,
in that order, so a model without ``json_schema`` never receives one.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_wenxin._tools import format_response_format, is_pydantic_class
from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError

if TYPE_CHECKING:
    from langchain_wenxin.chat_models import ChatWenxin

__all__ = ["METHODS", "Method", "default_method", "structured_runnable"]

Method = Literal["function_calling", "json_schema", "json_mode"]
"""The structured output methods."""

METHODS: tuple[Method, ...] = ("json_schema", "function_calling", "json_mode")
"""Every method, in the order :func:`default_method` prefers them."""


def default_method(spec: ModelSpec) -> Method:
    """The method for a model: ``json_schema``, else ``function_calling``, else ``json_mode``.

    Raises:
        UnsupportedParameterError: the model has none of them (no JSON mode, no tools).

    """
    if spec.api == "v2":
        if spec.json_schema:
            return "json_schema"
        if spec.tools:
            return "function_calling"
        if spec.json_object:
            return "json_mode"
    raise UnsupportedParameterError(
        "response_format",
        f"is not accepted by {spec.name}: it has no structured output (no json_schema, no "
        "tool calling, no JSON mode)",
        message=f"{spec.name} has no structured output: no json_schema, no tool calling and "
        "no JSON mode in its catalog capabilities",
    )


def _output_format(method: Method, schema: Any, strict: bool | None) -> dict[str, Any]:
    """``ls_structured_output_format`` as langchain-openai binds it (traced by LangSmith)."""
    if method == "json_mode":
        return {"kwargs": {"method": method}, "schema": schema}
    if method == "json_schema":
        return {
            "kwargs": {"method": method, "strict": strict},
            "schema": convert_to_openai_tool(schema),
        }
    return {"kwargs": {"method": method, "strict": strict}, "schema": schema}


def _bound(
    llm: ChatWenxin, schema: Any, method: Method, strict: bool | None, kwargs: Mapping[str, Any]
) -> tuple[Runnable[Any, Any], Runnable[Any, Any]]:
    """The model bound for ``method`` and the parser of its answers."""
    output_format = _output_format(method, schema, strict)
    pydantic = is_pydantic_class(schema)
    if method == "function_calling":
        tool_name = str(convert_to_openai_tool(schema)["function"]["name"])
        bind: dict[str, Any] = {
            "parallel_tool_calls": False,
            "strict": strict,
            "ls_structured_output_format": output_format,
        }
        if llm.model_spec.tool_choice:
            bind["tool_choice"] = tool_name
        bound = llm.bind_tools([schema], **{**bind, **kwargs})
        parser: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if pydantic
            else JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)
        )
        return bound, parser
    response_format = (
        {"type": "json_object"}
        if method == "json_mode"
        else format_response_format(schema, strict=strict)
    )
    llm.check_bound_options(response_format=response_format)
    bound = llm.bind(
        response_format=response_format, ls_structured_output_format=output_format, **kwargs
    )
    parser = PydanticOutputParser(pydantic_object=schema) if pydantic else JsonOutputParser()
    return bound, parser


def structured_runnable(
    llm: ChatWenxin,
    schema: Any,
    *,
    method: Method | None,
    include_raw: bool,
    strict: bool | None,
    kwargs: Mapping[str, Any],
) -> Runnable[Any, Any]:
    """The runnable of ``llm.with_structured_output(schema, ...)``.

    Raises:
        ValueError: an unknown method, no ``schema`` for a method that needs one, or
            ``strict`` with ``json_mode``.
        UnsupportedParameterError: the model does not take what the method sends.

    """
    if method is None:
        method = default_method(llm.model_spec)
    if method not in METHODS:
        raise ValueError(
            f"method must be one of {', '.join(repr(m) for m in METHODS)}; got {method!r}"
        )
    if method == "json_mode" and strict is not None:
        raise ValueError("strict is not supported with method='json_mode'")
    if schema is None and method != "json_mode":
        raise ValueError(f"schema must be given for method={method!r} (only json_mode takes none)")
    bound, parser = _bound(llm, schema, method, strict, kwargs)
    if not include_raw:
        return bound | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | parsed.with_fallbacks([fallback], exception_key="parsing_error")
