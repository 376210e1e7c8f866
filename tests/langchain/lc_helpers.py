"""Small helpers shared by the LangChain adapter tests."""

from __future__ import annotations

from typing import Any

from langchain_wenxin import ChatWenxin
from wenxin_core.emulator.server import EmulatorServer

MODEL = "Llama-2-13b-chat"


def make_llm(server: EmulatorServer, **kwargs: Any) -> ChatWenxin:
    """A ChatWenxin on the emulator, with application keys (token mode)."""
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": "emulator-api-key",
        "secret_key": "emulator-secret-key",
        "base_url": server.base_url,
    }
    params.update(kwargs)
    return ChatWenxin(**params)
