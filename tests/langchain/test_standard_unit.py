"""LangChain's standard unit tests for ChatWenxin."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_wenxin import ChatWenxin


class TestChatWenxinStandardUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatWenxin]:
        return ChatWenxin

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "Llama-2-13b-chat"}

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def model_override_value(self) -> str:
        return "Llama-2-7B-Chat"

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "QIANFAN_AK": "env-api-key",
                "QIANFAN_SK": "env-secret-key",
                "QIANFAN_BASE_URL": "http://127.0.0.1:9",
            },
            {"model": "Llama-2-13b-chat"},
            {"qianfan_ak": "env-api-key", "qianfan_sk": "env-secret-key"},
        )
