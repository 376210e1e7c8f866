"""``usage_metadata`` and ``response_metadata`` of a LangChain message, from a core answer."""

from __future__ import annotations

from typing import Any

from langchain_core.messages.ai import UsageMetadata

from wenxin_core.types import ChatCompletion, Usage

__all__ = ["PROVIDER", "response_metadata", "usage_metadata"]

PROVIDER = "qianfan"
"""``model_provider`` / ``ls_provider`` of every message and trace."""


def usage_metadata(usage: Usage | None) -> UsageMetadata | None:
    """LangChain's usage dict for the core's final usage (``total = input + output``)."""
    if usage is None:
        return None
    input_tokens = max(int(usage.prompt_tokens), 0)
    output_tokens = max(int(usage.completion_tokens), 0)
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def response_metadata(completion: ChatCompletion, model_name: str) -> dict[str, Any]:
    """The response metadata of an answer (or of the final chunk of a stream).

    ``model_name`` is the catalog name (or the endpoint of a self-deployed service);
    ``finish_reason`` is normalised (``"stop"``, or ``"length"`` when ``is_truncated``).
    """
    return {
        "model_name": completion.model or model_name,
        "model_provider": PROVIDER,
        "id": completion.id or None,
        "finish_reason": completion.stop_reason,
        "is_truncated": completion.is_truncated,
        "need_clear_history": completion.need_clear_history,
        "ban_round": completion.ban_round,
    }
