"""LangChain's standard unit tests for ChatWenxin (V2, the default)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_wenxin import DEFAULT_MODEL, ChatWenxin


class TestChatWenxinStandardUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatWenxin]:
        return ChatWenxin

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": DEFAULT_MODEL}

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "ernie-speed-pro-128k"

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "QIANFAN_API_KEY": "env-api-key",
                "QIANFAN_BASE_URL": "http://127.0.0.1:9/v2",
            },
            {"model": DEFAULT_MODEL},
            {"api_key": "env-api-key"},
        )
