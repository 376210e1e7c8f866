"""Structured output for ``Wenxin``: which method a model takes, and the JSON-mode program.

``structured_predict``, its stream and async twins and ``as_structured_llm`` pick, per model
(the catalog's capabilities, see :func:`structured_method`):

1. a forced tool call (LlamaIndex's own ``FunctionCallingProgram``) when the model calls tools
   and honours ``tool_choice``;
2. else ``response_format`` ``{"type": "json_schema", ...}`` when the model has it;
3. else ``response_format`` ``{"type": "json_object"}``, with the schema in the prompt (the
   service wants the prompt to ask for JSON);
4. else text completion parsed as JSON (LlamaIndex's ``LLMTextCompletionProgram``).

So a model never receives an option it does not take (a model without ``json_schema`` never
gets one). A ``pydantic_program_mode`` other than ``DEFAULT`` is LlamaIndex's choice, as set.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.output_parsers.pydantic import PydanticOutputParser
from llama_index.core.program.streaming_utils import process_streaming_content_incremental
from llama_index.core.prompts.base import BasePromptTemplate
from llama_index.core.types import BasePydanticProgram, Model, PydanticProgramMode

from wenxin_core.catalog import ModelSpec

if TYPE_CHECKING:
    from llama_index.core.llms.llm import LLM
    from llama_index.core.program.utils import FlexibleModel

__all__ = [
    "JSON_INSTRUCTION",
    "ResponseFormatProgram",
    "StructuredMethod",
    "response_format_for",
    "structured_method",
]

StructuredMethod = Literal["tools", "json_schema", "json_object", "text"]
"""How a model produces structured output (see the module docstring)."""

JSON_INSTRUCTION = (
    "Answer with one JSON object and nothing else (no prose, no code fence). "
    "It must match this JSON schema:\n{schema}"
)
"""The system instruction sent with ``json_object`` (the service needs the prompt to ask)."""

_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def structured_method(spec: ModelSpec, mode: PydanticProgramMode) -> StructuredMethod | None:
    """The structured-output method of ``spec``, or ``None`` when ``mode`` is not ``DEFAULT``.

    A ``pydantic_program_mode`` the user set is LlamaIndex's to honour.
    """
    if mode != PydanticProgramMode.DEFAULT:
        return None
    if spec.tools and spec.tool_choice:
        return "tools"
    if spec.json_schema:
        return "json_schema"
    if spec.json_object:
        return "json_object"
    # Tools without tool_choice cannot force the call LlamaIndex's FunctionCallingProgram
    # requires: text parsed as JSON is what is left.
    return "text"


def response_format_for(output_cls: type[Model], method: StructuredMethod) -> dict[str, Any]:
    """The ``response_format`` of ``method`` for ``output_cls``."""
    if method == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {
                "name": _NAME.sub("_", output_cls.__name__),
                "schema": output_cls.model_json_schema(),
            },
        }
    return {"type": "json_object"}


class ResponseFormatProgram(BasePydanticProgram[Model]):
    """Structured output through ``response_format`` (``json_schema`` or ``json_object``).

    One chat call per prediction (one LLM event); the answer's text is parsed as
    ``output_cls`` (a JSON object found in the text, so a stray code fence does no harm).

    Args:
        output_cls: the pydantic model to produce.
        llm: the LLM to call.
        prompt: the prompt template, formatted with the call's arguments.
        method: ``"json_schema"`` or ``"json_object"``.

    """

    def __init__(
        self,
        output_cls: type[Model],
        llm: LLM,
        prompt: BasePromptTemplate,
        method: Literal["json_schema", "json_object"],
    ) -> None:
        self._output_cls = output_cls
        self._llm = llm
        self._prompt = prompt
        self._method: Literal["json_schema", "json_object"] = method
        self._parser = PydanticOutputParser(output_cls=output_cls)

    @property
    def output_cls(self) -> type[Model]:
        """The pydantic model produced."""
        return self._output_cls

    def _request(
        self, llm_kwargs: dict[str, Any] | None, prompt_args: dict[str, Any]
    ) -> tuple[list[ChatMessage], dict[str, Any]]:
        """The messages and the chat options of one prediction."""
        messages = self._prompt.format_messages(llm=self._llm, **prompt_args)
        messages = self._llm._extend_messages(messages)
        if self._method == "json_object":
            schema = json.dumps(self._output_cls.model_json_schema(), ensure_ascii=False)
            instruction = JSON_INSTRUCTION.format(schema=schema)
            messages = [*messages, ChatMessage(role=MessageRole.SYSTEM, content=instruction)]
        options = dict(llm_kwargs or {})
        for name in ("tools", "tool_choice", "tool_required", "allow_parallel_tool_calls"):
            options.pop(name, None)
        options["response_format"] = response_format_for(self._output_cls, self._method)
        return messages, options

    def _parse(self, text: str | None) -> Model:
        parsed: Model = self._parser.parse(text or "")
        return parsed

    def __call__(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Model:
        """Predict one ``output_cls`` (``kwargs`` format the prompt)."""
        messages, options = self._request(llm_kwargs, kwargs)
        return self._parse(self._llm.chat(messages, **options).message.content)

    async def acall(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Model:
        """Async :meth:`__call__`."""
        messages, options = self._request(llm_kwargs, kwargs)
        response = await self._llm.achat(messages, **options)
        return self._parse(response.message.content)

    def stream_call(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Generator[Model | FlexibleModel, None, None]:
        """Stream partial objects as the JSON text arrives."""
        messages, options = self._request(llm_kwargs, kwargs)
        current: Model | FlexibleModel | None = None
        for response in self._llm.stream_chat(messages, **options):
            current = process_streaming_content_incremental(response, self._output_cls, current)
            yield current

    async def astream_call(
        self, *args: Any, llm_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncGenerator[Model | FlexibleModel, None]:
        """Async :meth:`stream_call` (awaited, it returns the generator, as LlamaIndex's do)."""
        messages, options = self._request(llm_kwargs, kwargs)
        responses = await self._llm.astream_chat(messages, **options)

        async def gen() -> AsyncGenerator[Model | FlexibleModel, None]:
            current: Model | FlexibleModel | None = None
            async for response in responses:
                current = process_streaming_content_incremental(response, self._output_cls, current)
                yield current

        return gen()
