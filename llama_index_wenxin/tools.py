"""Tool calling for ``Wenxin``: LlamaIndex tools -> request options, replies -> tool selections.

The request side (:func:`prepare_tool_request`) turns LlamaIndex tools into the OpenAI tool
dicts V2 takes, resolves ``tool_choice`` (``"auto"``, ``"none"``, ``"required"``, a tool's name
or the OpenAI object form; ``tool_required`` means ``"required"``) and sends
``parallel_tool_calls`` as asked. The reply side reads the calls back from a ``ChatResponse``
(:func:`tool_selections`), and keeps only the first call when parallel calls were not allowed
(:func:`keep_first_tool_call`).

Qianfan's order rules bite agents on some models: ERNIE 4.5 and ERNIE X1 Turbo
(``ModelSpec.last_turn_user_only``) refuse a conversation that ends with tool results, which is
how every agent loop continues after calling a tool. :func:`check_continuation` says so before
the call, naming models that do continue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from wenxin_core.catalog import ModelSpec, list_models, resolve_model
from wenxin_core.errors import InvalidMessagesError, WenxinValidationError

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = [
    "CHOICES",
    "agent_models",
    "check_continuation",
    "keep_first_tool_call",
    "parse_arguments",
    "prepare_tool_request",
    "resolve_tool_choice",
    "tool_selections",
    "tool_specs",
]

CHOICES = frozenset({"auto", "none", "required"})
"""The string values of ``tool_choice``; any other string is a tool's name."""


def tool_specs(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """The OpenAI tool dicts of ``tools`` (``{"type": "function", "function": {...}}``)."""
    return [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]


def _tool_names(specs: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(spec["function"]["name"]) for spec in specs]


def resolve_tool_choice(
    tool_choice: str | Mapping[str, Any] | None,
    tool_required: bool,
    specs: Sequence[Mapping[str, Any]],
) -> str | dict[str, Any] | None:
    """The ``tool_choice`` to send, or ``None`` to leave the service's default (``"auto"``).

    Args:
        tool_choice: ``"auto"``, ``"none"``, ``"required"``, a tool's name, or the object
            form ``{"type": "function", "function": {"name": ...}}``; ``None``: not chosen.
        tool_required: the model must call a tool (``"required"``) when no choice is given.
        specs: the tools offered (a named tool must be one of them).

    Raises:
        WenxinValidationError: a named tool is not among the tools offered.

    """
    if tool_choice is None:
        return "required" if tool_required else None
    if isinstance(tool_choice, Mapping):
        return dict(tool_choice)
    if tool_choice in CHOICES:
        return tool_choice
    names = _tool_names(specs)
    if tool_choice not in names:
        raise WenxinValidationError(
            "tool_choice",
            f"names no tool offered ({tool_choice!r} is not one of {names}); use 'auto', "
            "'none', 'required' or a tool's name",
        )
    return {"type": "function", "function": {"name": tool_choice}}


def prepare_tool_request(
    tools: Sequence[BaseTool],
    user_msg: str | ChatMessage | None,
    chat_history: Sequence[ChatMessage] | None,
    *,
    allow_parallel_tool_calls: bool,
    tool_required: bool,
    tool_choice: str | Mapping[str, Any] | None,
    kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """The keyword arguments of the ``chat`` call behind ``chat_with_tools`` (and its twins).

    The caller's ``chat_history`` is copied, never appended to. Without tools nothing
    tool-related is sent.
    """
    messages = list(chat_history or [])
    if isinstance(user_msg, str):
        user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
    if user_msg is not None:
        messages.append(user_msg)
    request: dict[str, Any] = {"messages": messages}
    specs = tool_specs(tools)
    if specs:
        request["tools"] = specs
        request["parallel_tool_calls"] = allow_parallel_tool_calls
        choice = resolve_tool_choice(tool_choice, tool_required, specs)
        if choice is not None:
            request["tool_choice"] = choice
    request.update(kwargs)
    return request


def agent_models() -> list[str]:
    """Catalog models that call tools and take a conversation ending with tool results."""
    names = []
    for name in list_models(api="v2"):
        spec = resolve_model(name, api="v2")
        if spec.tools and not spec.last_turn_user_only:
            names.append(name)
    return names


def check_continuation(spec: ModelSpec, messages: Sequence[ChatMessage]) -> None:
    """Refuse, with what to do instead, a tool-result ending on a model that cannot take it.

    Raises:
        InvalidMessagesError: the model is ``last_turn_user_only`` (ERNIE 4.5, ERNIE X1 Turbo)
            and the conversation ends with a tool result.

    """
    if not spec.last_turn_user_only or not messages:
        return
    last = messages[-1]
    if MessageRole(last.role) not in (MessageRole.TOOL, MessageRole.FUNCTION):
        return
    if not last.additional_kwargs.get("tool_call_id"):
        return  # sent as a user turn (see messages.py), which the model takes
    families: dict[str, str] = {}  # the first agent model of each family (ernie, deepseek...)
    for name in agent_models():
        families.setdefault(name.split("-")[0], name)
    suggested = ", ".join(families.values())
    raise InvalidMessagesError(
        "messages",
        f"{spec.name} cannot continue after tool results: Qianfan requires its last message "
        "to be a user turn, so it can call a tool (chat_with_tools, predict_and_call, "
        "structured_predict) but cannot run an agent loop; use a model that takes tool "
        f"results last (for instance {suggested}), or add the user's next turn",
    )


def parse_arguments(arguments: Any) -> dict[str, Any]:
    """A call's arguments as a dict: JSON text parsed (partial JSON too, mid-stream).

    Text that is not a JSON object (invalid, or a list) gives ``{}``, as
    llama-index-llms-openai does; nothing is raised.
    """
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        parsed: Any = parse_partial_json(arguments)  # whole JSON first, then a repaired prefix
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _stored_calls(message: ChatMessage) -> list[tuple[str, str, Any]]:
    """(id, name, arguments) of each call: ``ToolCallBlock`` s, else ``additional_kwargs``.

    ``additional_kwargs["tool_calls"]`` may hold the OpenAI shape (dicts or the ``openai``
    SDK's objects) or the neutral ``{"id", "name", "arguments"}``.
    """
    blocks = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if blocks:
        return [(b.tool_call_id or "", b.tool_name, b.tool_kwargs) for b in blocks]
    calls = []
    for item in message.additional_kwargs.get("tool_calls") or []:
        function = _get(item, "function")
        source = function if function is not None else item
        call_id, name = _get(item, "id") or "", _get(source, "name") or ""
        calls.append((str(call_id), str(name), _get(source, "arguments")))
    return calls


def tool_selections(response: ChatResponse, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The tool calls of ``response`` as LlamaIndex ``ToolSelection`` s.

    Raises:
        ValueError: the response has no tool call and ``error_on_no_tool_call`` is set.

    """
    calls = _stored_calls(response.message)
    if not calls:
        if error_on_no_tool_call:
            raise ValueError("Expected at least one tool call, but the model called no tool.")
        return []
    return [
        ToolSelection(tool_id=call_id, tool_name=name, tool_kwargs=parse_arguments(arguments))
        for call_id, name, arguments in calls
    ]


def keep_first_tool_call(response: ChatResponse) -> ChatResponse:
    """Keep only the first tool call of ``response`` (blocks and ``additional_kwargs``).

    Returns the same response, changed in place.
    """
    message = response.message
    blocks = message.blocks
    calls = [b for b in blocks if isinstance(b, ToolCallBlock)]
    if len(calls) > 1:
        message.blocks = [b for b in blocks if not isinstance(b, ToolCallBlock)] + calls[:1]
    stored = message.additional_kwargs.get("tool_calls")
    if isinstance(stored, list) and len(stored) > 1:
        message.additional_kwargs["tool_calls"] = stored[:1]
    return response
