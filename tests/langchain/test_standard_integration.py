"""LangChain's standard integration tests for ChatWenxin, over real HTTP against the V2 emulator.

The model is ``deepseek-v3.2``: it has tool calling, ``tool_choice``, ``json_object`` and
``json_schema`` in the catalog and takes tool results as the last turn (ERNIE 4.5 demands a user
turn last, so it cannot continue after tool results: the agent-loop tests need one that can).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_wenxin import ChatWenxin
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

TOOL_MODEL = "deepseek-v3.2"
"""A tool-calling model with tool_choice, JSON mode and json_schema, not user-last-turn-only."""

UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]


JOKE_JSON = json.dumps({"setup": "Why do cats sit on keyboards?", "punchline": "To mouse."})
"""The JSON a model answers LangChain's json-mode prompt with (the emulator is scripted to it)."""


class TestChatWenxinStandardIntegration(ChatModelIntegrationTests):
    base_url: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _emulator(
        self, wenxin_emulator: EmulatorServer, request: pytest.FixtureRequest
    ) -> Iterator[None]:
        type(self).base_url = wenxin_emulator.v2_base_url
        if request.node.originalname != "test_json_mode":
            yield
            return
        # LangChain's json-mode prompt asks for "a JSON with 'setup' and 'punchline' keys"; the
        # emulator's json_object answer is {"answer": <text>} (it reads no key names from free
        # text), so the model's JSON is scripted for the test's four calls. response_format
        # json_object is still sent (checked below) and the answers go through the parsers.
        wenxin_emulator.script(JOKE_JSON, times=4)
        yield
        sent = [r["body"].get("response_format") for r in wenxin_emulator.requests]
        assert sent == [{"type": "json_object"}] * 4

    @property
    def chat_model_class(self) -> type[ChatWenxin]:
        return ChatWenxin

    @property
    def chat_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the emulator fixture did not run"
        return {"model": TOOL_MODEL, "api_key": DEFAULT_API_KEY, "base_url": self.base_url}

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
