"""The thinnest model each framework allows, over raw httpx: the floor for an adapter's stream.

``ThinChatModel`` (a LangChain ``BaseChatModel``) and ``ThinLLM`` (a LlamaIndex ``LLM``) send the
pre-encoded request of :mod:`_common` with raw httpx and parse the stream with ``iter_lines`` +
``json.loads``; they do what a correct model of the framework must do per chunk (LangChain: one
``ChatGenerationChunk`` and one ``on_llm_new_token``; LlamaIndex: one ``ChatResponse`` with the
text so far and the delta) and nothing else. An adapter's per-chunk cost over theirs is what the
adapter itself adds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from _common import chunk_text, iter_raw_sse, raw_chat
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from llama_index.core.base.llms.types import (
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    LLMMetadata,
)
from llama_index.core.llms import LLM, ChatMessage
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import ConfigDict, PrivateAttr

__all__ = ["ThinChatModel", "ThinLLM"]


class ThinChatModel(BaseChatModel):
    """A LangChain chat model that POSTs the fixed bench request with raw httpx."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    url: str
    """The V2 chat URL."""
    _client: httpx.Client = PrivateAttr(default_factory=httpx.Client)

    @property
    def _llm_type(self) -> str:
        return "thin-httpx"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = raw_chat(self._client, self.url)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for event in iter_raw_sse(self._client, self.url):
            text = chunk_text(event)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager is not None:
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class ThinLLM(LLM):
    """A LlamaIndex LLM (an ``LLM`` subclass, like ``Wenxin``) over raw httpx; sync only."""

    url: str
    """The V2 chat URL."""
    _client: httpx.Client = PrivateAttr(default_factory=httpx.Client)

    @property
    def metadata(self) -> LLMMetadata:
        """Default metadata, as a chat model."""
        return LLMMetadata(is_chat_model=True)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """One raw httpx call."""
        text = raw_chat(self._client, self.url)
        return ChatResponse(message=ChatMessage(role="assistant", content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """One raw httpx stream: a ``ChatResponse`` per chunk (text so far and the delta)."""

        def gen() -> ChatResponseGen:
            text = ""
            for event in iter_raw_sse(self._client, self.url):
                delta = chunk_text(event)
                text += delta
                yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """One raw httpx call."""
        return CompletionResponse(text=raw_chat(self._client, self.url))

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()
