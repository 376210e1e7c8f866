"""LangChain's standard integration tests for ChatWenxin, over real HTTP against the emulator."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_wenxin import ChatWenxin
from wenxin_core.emulator.server import EmulatorServer


class TestChatWenxinStandardIntegration(ChatModelIntegrationTests):
    base_url: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _emulator(self, wenxin_emulator: EmulatorServer) -> None:
        type(self).base_url = wenxin_emulator.base_url

    @property
    def chat_model_class(self) -> type[ChatWenxin]:
        return ChatWenxin

    @property
    def chat_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the emulator fixture did not run"
        return {
            "model": "Llama-2-13b-chat",
            "api_key": "emulator-api-key",
            "secret_key": "emulator-secret-key",
            "base_url": self.base_url,
        }

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def model_override_value(self) -> str:
        return "Llama-2-7B-Chat"
