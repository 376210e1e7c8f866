"""``usage_metadata`` and ``response_metadata`` of a LangChain message, from a core answer.

Only the core's neutral names are read (:class:`~wenxin_core.types.ChatCompletion`,
:class:`~wenxin_core.types.ChatChunk`, :class:`~wenxin_core.types.Usage`), never a wire field.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata

from wenxin_core.types import ChatChunk, ChatCompletion, Usage

__all__ = ["PROVIDER", "response_metadata", "usage_metadata"]

PROVIDER = "qianfan"
"""``model_provider`` / ``ls_provider`` of every message and trace."""


def usage_metadata(usage: Usage | None) -> UsageMetadata | None:
    """LangChain's usage dict for the core's final usage (``total = input + output``).

    ``input_token_details["cache_read"]`` is the service's cached prompt tokens and
    ``output_token_details["reasoning"]`` its reasoning tokens (inside ``output_tokens``), each
    only when the service reported it.
    """
    if usage is None:
        return None
    input_tokens = max(int(usage.prompt_tokens), 0)
    output_tokens = max(int(usage.completion_tokens), 0)
    result = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    if usage.cached_tokens is not None:
        result["input_token_details"] = InputTokenDetails(
            cache_read=max(int(usage.cached_tokens), 0)
        )
    if usage.reasoning_tokens is not None:
        result["output_token_details"] = OutputTokenDetails(
            reasoning=max(int(usage.reasoning_tokens), 0)
        )
    return result


def response_metadata(answer: ChatCompletion | ChatChunk, model_name: str) -> dict[str, Any]:
    """The response metadata of an answer (or of the final chunk of a stream).

    Keys: ``model_name`` (the model the service names, else ``model_name``: the catalog name or
    the V1 endpoint), ``model_provider`` (``"qianfan"``), ``id``, ``finish_reason`` (``"stop"``,
    ``"length"``, ``"content_filter"`` or ``"tool_calls"``), the safety ``flag`` and
    ``ban_round``, ``request_id``; ``search_results`` and ``rate_limits`` (the ``X-Ratelimit-*``
    figures by name) only when the service sent them.
    """
    meta: dict[str, Any] = {
        "model_name": answer.model or model_name,
        "model_provider": PROVIDER,
        "id": answer.id or None,
        "finish_reason": answer.finish_reason or "stop",
        "flag": answer.flag,
        "ban_round": answer.ban_round,
        "request_id": answer.request_id,
    }
    if answer.search_results:
        meta["search_results"] = answer.search_results
    if answer.rate_limits is not None:
        limits = answer.rate_limits.as_dict()
        if limits:
            meta["rate_limits"] = limits
    return meta
