"""Small helpers shared by the LangChain adapter tests."""

from __future__ import annotations

from typing import Any

from langchain_wenxin import ChatWenxin
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

MODEL = "ernie-4.5-turbo-32k"
"""The V2 model most tests use (the adapter's default)."""

V1_MODEL = "Llama-2-13b-chat"
"""The V1 catalog model of the legacy tests."""


def make_llm(server: EmulatorServer, **kwargs: Any) -> ChatWenxin:
    """A ChatWenxin on the emulator's V2 API, with the emulator's API Key."""
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": DEFAULT_API_KEY,
        "base_url": server.v2_base_url,
    }
    params.update(kwargs)
    return ChatWenxin(**params)


def make_v1_llm(server: EmulatorServer, **kwargs: Any) -> ChatWenxin:
    """A ChatWenxin on the emulator's legacy V1 API, with V1 application keys (token mode)."""
    params: dict[str, Any] = {
        "api": "v1",
        "model": V1_MODEL,
        "qianfan_ak": "emulator-api-key",
        "qianfan_sk": "emulator-secret-key",
        "base_url": server.base_url,
    }
    params.update(kwargs)
    return ChatWenxin(**params)
