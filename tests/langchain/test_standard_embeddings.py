"""LangChain's standard embeddings suites for WenxinEmbeddings (integration: the V2 emulator)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_wenxin import WenxinEmbeddings
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer


class TestWenxinEmbeddingsStandardUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[WenxinEmbeddings]:
        return WenxinEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "embedding-v1", "api_key": "unit-api-key"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"QIANFAN_API_KEY": "env-api-key", "QIANFAN_BASE_URL": "http://127.0.0.1:9/v2"},
            {"model": "bge-large-zh"},
            {"api_key": "env-api-key", "model": "bge-large-zh"},
        )


class TestWenxinEmbeddingsStandardIntegration(EmbeddingsIntegrationTests):
    base_url: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _emulator(self, wenxin_emulator: EmulatorServer) -> None:
        type(self).base_url = wenxin_emulator.v2_base_url

    @property
    def embeddings_class(self) -> type[WenxinEmbeddings]:
        return WenxinEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the emulator fixture did not run"
        return {"model": "embedding-v1", "api_key": DEFAULT_API_KEY, "base_url": self.base_url}
