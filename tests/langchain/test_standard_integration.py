"""LangChain's standard integration tests for ChatWenxin, over real HTTP against the V2 emulator."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_wenxin import DEFAULT_MODEL, ChatWenxin
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]


class TestChatWenxinStandardIntegration(ChatModelIntegrationTests):
    base_url: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _emulator(self, wenxin_emulator: EmulatorServer) -> None:
        type(self).base_url = wenxin_emulator.v2_base_url

    @property
    def chat_model_class(self) -> type[ChatWenxin]:
        return ChatWenxin

    @property
    def chat_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the emulator fixture did not run"
        return {"model": DEFAULT_MODEL, "api_key": DEFAULT_API_KEY, "base_url": self.base_url}

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def model_override_value(self) -> str:
        return "ernie-speed-pro-128k"

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[UsageDetail]]:
        details: list[UsageDetail] = ["reasoning_output", "cache_read_input"]
        return {"invoke": details, "stream": details}

    def _answer(self, model: ChatWenxin, prompt: str, *, stream: bool) -> AIMessage:
        if not stream:
            return model.invoke(prompt)
        full: AIMessageChunk | None = None
        for chunk in model.stream(prompt):
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        model = ChatWenxin(**{**self.chat_model_params, "model": "ernie-x1.1"})
        return self._answer(model, "Think about why the sky is blue.", stream=stream)

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        model = ChatWenxin(**self.chat_model_params)
        return self._answer(model, "Hello " * 50, stream=stream)
