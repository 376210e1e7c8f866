"""The frameworks' own per-call cost: models that answer at once, with no I/O at all.

``bench/throughput.py`` compares the adapters with raw aiohttp. Part of an adapter's time is
LangChain's or LlamaIndex's own per-call work (run managers, callbacks, instrumentation), which
no integration can avoid. These two models return a fixed answer without any I/O, so their
calls/s are the ceiling for any LangChain chat model's ``abatch`` or LlamaIndex LLM's ``achat``
on this machine. ``ChatWenxin.abatch``'s own path (:mod:`langchain_wenxin._batch`: one callback
manager per batch, a pool of ``max_concurrency`` workers) is measured on the same model too.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

from _common import Timing, gathered, timed
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from llama_index.core.base.llms.types import ChatResponse, CompletionResponse, LLMMetadata
from llama_index.core.llms import LLM, ChatMessage
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback

from langchain_wenxin._batch import FastBatch

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


class InstantLLM(LLM):
    """A LlamaIndex LLM that answers "ok" at once (an ``LLM`` subclass, like ``Wenxin``)."""

    @property
    def metadata(self) -> LLMMetadata:
        """Default metadata."""
        return LLMMetadata()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Answer at once."""
        return ChatResponse(message=ChatMessage(role="assistant", content="ok"))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Answer at once."""
        return ChatResponse(message=ChatMessage(role="assistant", content="ok"))

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

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError

    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        """Not needed here."""
        raise NotImplementedError


async def langchain_floor(calls: int, level: int) -> Timing:
    """``InstantChatModel.abatch`` with ``max_concurrency=level``."""
    model = InstantChatModel()

    async def run(n: int) -> Any:
        return await model.abatch(["hi"] * n, config={"max_concurrency": level})

    return await timed(run, calls, WARMUP)


async def langchain_fast_floor(calls: int, level: int) -> Timing:
    """The same batches through ``ChatWenxin.abatch``'s path (``FastBatch``), for any model."""
    model = InstantChatModel()

    async def run(n: int) -> Any:
        batch = FastBatch.plan(model, ["hi"] * n, {"max_concurrency": level}, {})
        assert batch is not None, "the fast path declined a plain batch"
        return await batch.run(return_exceptions=False)

    return await timed(run, calls, WARMUP)


async def llama_index_floor(calls: int, level: int) -> Timing:
    """``InstantLLM.achat`` gathered under a semaphore of ``level``."""
    llm = InstantLLM()
    message = [ChatMessage(role="user", content="hi")]
    return await timed(gathered(lambda: llm.achat(message), level), calls, WARMUP)


def main() -> None:
    """Print both ceilings."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--level", type=int, default=32)
    args = parser.parse_args()
    lc = asyncio.run(langchain_floor(args.calls, args.level))
    lc_fast = asyncio.run(langchain_fast_floor(args.calls, args.level))
    li = asyncio.run(llama_index_floor(args.calls, args.level))
    print(f"no-I/O ceilings at {args.level} in flight ({args.calls} calls):")
    for name, ceiling in (
        ("LangChain BaseChatModel.abatch", lc),
        ("BaseChatModel via FastBatch", lc_fast),
        ("LlamaIndex LLM.achat (gathered)", li),
    ):
        print(f"  {name:32}{ceiling.rate:8.0f} calls/s  ({ceiling.cpu_us:5.0f} us of CPU per call)")


if __name__ == "__main__":
    main()
