"""The frameworks' own per-call cost: models that answer at once, with no I/O at all.

``bench/throughput.py`` compares the adapters with raw aiohttp. Part of an adapter's time is
LangChain's or LlamaIndex's own per-call work (run managers, callbacks, instrumentation), which
no integration can avoid. These two models return a fixed answer without any I/O, so their
calls/s are the ceiling for any LangChain chat model's ``abatch`` or LlamaIndex LLM's ``achat``
on this machine.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from llama_index.core.base.llms.types import CompletionResponse, LLMMetadata
from llama_index.core.llms import ChatMessage, CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback

WARMUP = 300


class InstantChatModel(BaseChatModel):
    """A LangChain chat model that answers "ok" at once."""

    @property
    def _llm_type(self) -> str:
        return "instant"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="ok"))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="ok"))])


class InstantLLM(CustomLLM):
    """A LlamaIndex LLM that answers "ok" at once."""

    @property
    def metadata(self) -> LLMMetadata:
        """Default metadata."""
        return LLMMetadata()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Answer at once."""
        return CompletionResponse(text="ok")

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Answer at once."""
        return CompletionResponse(text="ok")

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError


async def langchain_floor(calls: int, level: int) -> float:
    """Calls/s of ``InstantChatModel.abatch`` with ``max_concurrency=level``."""
    model = InstantChatModel()
    await model.abatch(["hi"] * WARMUP, config={"max_concurrency": level})
    start = time.perf_counter()
    await model.abatch(["hi"] * calls, config={"max_concurrency": level})
    return calls / (time.perf_counter() - start)


async def llama_index_floor(calls: int, level: int) -> float:
    """Calls/s of ``InstantLLM.achat`` gathered under a semaphore of ``level``."""
    llm = InstantLLM()
    semaphore = asyncio.Semaphore(level)
    message = [ChatMessage(role="user", content="hi")]

    async def one() -> None:
        async with semaphore:
            await llm.achat(message)

    await asyncio.gather(*(one() for _ in range(WARMUP)))
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def main() -> None:
    """Print both ceilings at 32 in flight."""
    calls, level = 3000, 32
    lc = asyncio.run(langchain_floor(calls, level))
    li = asyncio.run(llama_index_floor(calls, level))
    print(f"no-I/O ceilings at {level} in flight ({calls} calls):")
    print(f"  LangChain BaseChatModel.abatch  {lc:8.0f} calls/s  ({1e6 / lc:5.0f} us per call)")
    print(f"  LlamaIndex LLM.achat (gathered) {li:8.0f} calls/s  ({1e6 / li:5.0f} us per call)")


if __name__ == "__main__":
    main()
