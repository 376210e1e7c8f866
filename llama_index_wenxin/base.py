"""``Wenxin``: Baidu Qianfan chat models as a LlamaIndex ``LLM``.

The class only translates between LlamaIndex and :mod:`wenxin_core`: messages and options go to
the core's clients, answers come back as ``ChatResponse`` / ``CompletionResponse`` with the
service's usage. Authentication, validation, message normalisation, retries, SSE decoding and the
typed errors are the core's.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.instrumentation.span import active_span_id
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.output_parsers.pydantic import PydanticOutputParser
from llama_index.core.program.llm_program import LLMTextCompletionProgram
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import BasePydanticProgram, Model
from llama_index_instrumentation import get_dispatcher
from pydantic import AliasChoices

from llama_index_wenxin._service import ConnectionFields
from llama_index_wenxin.chat_events import (
    chat_ended,
    chat_failed,
    chat_started,
    close_chat_trace,
    open_chat_trace,
    trace_failed,
)
from llama_index_wenxin.config import check_options, client_options, resolve_spec
from llama_index_wenxin.messages import to_wire_messages
from llama_index_wenxin.metadata import context_window_for, default_num_output
from llama_index_wenxin.options import default_options, request_options
from llama_index_wenxin.responses import chat_response, to_completion_response
from llama_index_wenxin.spans import (
    bound_signature,
    drop_span,
    enter_span,
    exit_span,
    spanned_inline,
)
from llama_index_wenxin.streaming import StreamState, amapped, mapped
from llama_index_wenxin.tools import (
    check_continuation,
    keep_first_tool_call,
    prepare_tool_request,
    tool_selections,
)
from wenxin_core.catalog import DEFAULT_MODEL, DEFAULT_V1_MODEL, Api, ModelSpec

if TYPE_CHECKING:
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.tools.types import BaseTool

__all__ = ["DEFAULT_MODEL", "DEFAULT_V1_MODEL", "Wenxin"]

dispatcher = get_dispatcher(__name__)


def _structured_started(
    output_cls: type[Model], prompt: PromptTemplate, prompt_args: dict[str, Any]
) -> None:
    """Fire LlamaIndex's structured-predict start event (our own programs' path)."""
    dispatcher.event(
        LLMStructuredPredictStartEvent(
            output_cls=output_cls, template=prompt, template_args=prompt_args
        )
    )


def _structured_ended(result: Model | list[Model]) -> Model:
    """Fire the structured-predict end event for ``result`` (one object) and return it."""
    assert not isinstance(result, list)
    dispatcher.event(LLMStructuredPredictEndEvent(output=result))
    return result


class Wenxin(ConnectionFields, FunctionCallingLLM):
    """A Baidu Qianfan (文心千帆) chat model: the ERNIE family, DeepSeek, Qwen3... or a service.

    Qianfan V2 (``https://qianfan.baidubce.com/v2``, OpenAI-compatible) is the default;
    ``api="v1"`` keeps the legacy V1 interface for private deployments (Baidu shut the public V1
    service on 2026-08-31).

    Credentials come from the arguments or, when none is given, from the environment:

    - V2: ``api_key`` (``QIANFAN_API_KEY``, the console API Key), or the account's IAM pair
      ``access_key`` / ``secret_key`` (``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``), which
      mints a bearer token at ``iam_base_url``; ``app_id`` (``QIANFAN_APP_ID``) bills one
      application.
    - V1: ``qianfan_ak`` / ``qianfan_sk`` (``QIANFAN_AK`` / ``QIANFAN_SK``), ``access_token``
      (``QIANFAN_ACCESS_TOKEN``), or the IAM pair (bce-auth-v1 signing).

    ``QIANFAN_BASE_URL`` (or ``base_url``) overrides the host. Secrets are ``SecretStr`` and
    never appear in a repr, ``to_dict`` or an error.

    Sampling options set here are the defaults of every call; any of them (and any
    model-specific body field) can be passed per call as a keyword argument.

    Tool calling: ``Wenxin`` is a ``FunctionCallingLLM`` (``chat_with_tools`` and its stream
    and async twins, ``predict_and_call``, ``FunctionAgent``); ``metadata
    .is_function_calling_model`` is the catalog's answer for the model. Structured output
    (``structured_predict``, ``as_structured_llm``) uses a forced tool call where the model
    has one, else ``response_format`` (``json_schema``, else ``json_object``), else parsed
    text. The default model, ERNIE 4.5 Turbo, calls tools but Qianfan refuses it a
    conversation that ends with tool results, so it cannot run an agent loop (the second step
    raises ``InvalidMessagesError`` saying so): pick an agent model such as
    ``"deepseek-v3.2"`` or ``"ernie-5.1"``.

    Examples:
        ```python
        from llama_index.core import Settings
        from llama_index_wenxin import Wenxin

        Settings.llm = Wenxin(model="ernie-4.5-turbo-32k", temperature=0.7)
        print(Settings.llm.complete("Say hello").text)

        # A redeployed Llama-2 or Dolly service is called by its API name:
        Wenxin(model="<service API name>")

        # An agent with tools:
        from llama_index.core.agent.workflow import FunctionAgent

        agent = FunctionAgent(tools=[multiply], llm=Wenxin(model="deepseek-v3.2"))
        print(await agent.run("What is 6 times 7?"))
        ```

    """

    _shared_on_copy: ClassVar[frozenset[str]] = frozenset(
        {"callback_manager", "rate_limiter", "http_client", "async_http_client", "output_parser"}
    )
    """Fields a deep copy shares with the original instead of copying."""

    model: str | None = Field(
        default=None,
        description=f"V2 model id or deployed service name (default {DEFAULT_MODEL!r}); on V1 "
        f"a catalog name (default {DEFAULT_V1_MODEL!r} when no endpoint is given).",
    )
    api: Api = Field(default="v2", description="'v2' (the live service) or 'v1' (legacy).")
    endpoint: str | None = Field(
        default=None,
        description="V1 only: endpoint suffix of a self-deployed service, or of a deployment "
        "of the catalog model given as model.",
    )
    overflow: Literal["truncate", "error"] = Field(
        default="truncate",
        description="Over the model's input budget: drop the oldest turns, or raise.",
    )
    temperature: float | None = Field(default=None, description="Sampling temperature, (0, 1].")
    top_p: float | None = Field(default=None, description="Nucleus sampling, [0, 1].")
    penalty_score: float | None = Field(default=None, description="Repetition penalty, [1, 2].")
    stop: list[str] | None = Field(default=None, description="Up to 4 stop strings.")
    max_tokens: int | None = Field(
        default=None,
        validation_alias=AliasChoices("max_tokens", "max_output_tokens"),
        description="Output limit in tokens (also reserved for the answer in prompts).",
    )
    seed: int | None = Field(default=None, description="Sampling seed (V2).")
    frequency_penalty: float | None = Field(default=None, description="Frequency penalty (V2).")
    presence_penalty: float | None = Field(default=None, description="Presence penalty (V2).")
    user_id: str | None = Field(default=None, description="End user id, for abuse monitoring.")
    top_k: int | None = Field(default=None, description="V1 only: top-k sampling (open models).")
    reasoning: bool | dict[str, Any] | None = Field(
        default=None,
        description="Reasoning models: True/False, or {'enabled', 'budget', 'effort'}.",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Model-specific body fields sent with every call (checked by the core).",
    )
    capabilities: dict[str, Any] | None = Field(
        default=None,
        description="Overrides of the catalog's capabilities (ModelSpec fields such as "
        "context_window, max_output_tokens, tools), for an id the catalog does not know.",
    )
    context_window: int | None = Field(
        default=None, gt=0, description="Override of the catalog-derived context window."
    )
    num_output: int | None = Field(
        default=None, gt=0, description="Override of the output budget reserved in prompts."
    )

    _spec: ModelSpec = PrivateAttr()
    _payload: tuple[tuple[int | None, ...], dict[str, Any]] | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        """Validate the fields, then resolve the model and the credentials.

        Raises:
            UnknownModelError: a V1 ``model`` is not in the catalog (V2 ids always pass).
            MissingCredentialsError: no usable credentials in the arguments or the
                environment, or credentials of the other API (the message names both).
            WenxinValidationError: a V1-era credential keyword (``iam_secret_key``...),
                ``endpoint`` (V2) or ``top_k`` (V2) given, ``base_url``
                malformed, a capability unknown, or a sampling option breaking its rule (e.g.
                ``temperature`` outside (0, 1]).
            UnsupportedParameterError: a sampling option the model does not accept.

        """
        super().__init__(**data)
        if self.model is None and (self.api == "v2" or self.endpoint is None):
            self.model = DEFAULT_MODEL if self.api == "v2" else DEFAULT_V1_MODEL
        self._spec = resolve_spec(self.model, self.endpoint, self.api, self.capabilities)
        self._connect(
            self.model if self.api == "v2" or self.model else None,
            client_options(self, self._credentials_given()),
        )
        check_options(
            self._spec, self._default_options(), self._clients.sync, self.additional_kwargs
        )

    @classmethod
    def class_name(cls) -> str:
        """Stable name used in serialisation."""
        return "Wenxin_LLM"

    @property
    def model_spec(self) -> ModelSpec:
        """The catalog's spec of the model (with ``capabilities`` applied)."""
        return self._spec

    @property
    def metadata(self) -> LLMMetadata:
        """What the catalog says of the model: context window, output budget, tool calling."""
        spec = self._spec
        num_output = self.num_output or default_num_output(spec, self.max_tokens)
        return LLMMetadata(
            context_window=self.context_window or context_window_for(spec, num_output),
            num_output=num_output,
            is_chat_model=True,
            is_function_calling_model=spec.tools,
            model_name=spec.name,
            system_role=MessageRole.SYSTEM,
        )

    def to_payload(self) -> dict[str, Any]:
        """The model's observability payload (class name and metadata, never a credential).

        LlamaIndex builds it for the events of every call; it is made once per configuration
        (the fields the metadata depends on) and handed out as a copy.
        """
        key = (self.context_window, self.num_output, self.max_tokens)
        private = self.__pydantic_private__  # not self._payload: see ``_client_pair``
        cached: tuple[tuple[int | None, ...], dict[str, Any]] | None = (
            private.get("_payload") if private is not None else None
        )
        if cached is None or cached[0] != key:
            cached = self._payload = (key, super().to_payload())
        return dict(cached[1])

    # -- translation helpers --------------------------------------------------------------

    def _default_options(self) -> dict[str, Any]:
        return default_options(vars(self))  # the fields' values, by name

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        defaults = self._default_options()
        if not kwargs and not self.additional_kwargs:
            return defaults  # what request_options returns then, without its copies
        return request_options(defaults, self.additional_kwargs, kwargs)

    def _wire(self, messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
        return to_wire_messages(messages, self.system_prompt, tools=self.api == "v2")

    def _prompt_messages(self, prompt: str, formatted: bool) -> list[ChatMessage]:
        """The one user turn of a completion (``completion_to_prompt`` unless formatted)."""
        if not formatted and self.completion_to_prompt is not None:
            prompt = self.completion_to_prompt(prompt)
        messages = [ChatMessage(role=MessageRole.USER, content=prompt)]
        if self.system_prompt and not (formatted and prompt.startswith(self.system_prompt)):
            messages.insert(0, ChatMessage(role=MessageRole.SYSTEM, content=self.system_prompt))
        return messages

    # -- undecorated internals: one HTTP call each ----------------------------------------

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        completion = self._client_pair().sync.chat(self._wire(messages), **self._options(kwargs))
        return chat_response(completion)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        wire = self._wire(messages)
        options = self._options(kwargs)
        stream = self._client_pair().sync.stream(wire, **options)

        def gen() -> Generator[ChatResponse, None, None]:
            state = StreamState()
            with stream:
                for chunk in stream:
                    yield state.response(chunk)

        return gen()

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client = self._client_pair().async_
        completion = await client.chat(self._wire(messages), **self._options(kwargs))
        return chat_response(completion)

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        wire = self._wire(messages)
        options = self._options(kwargs)
        stream = self._client_pair().async_.stream(wire, **options)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            state = StreamState()
            async with stream:
                async for chunk in stream:
                    yield state.response(chunk)

        return gen()

    # -- the eight LlamaIndex endpoints ---------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send the conversation; return the whole answer with the service's usage."""
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the answer; the last response carries the final usage."""
        return self._stream_chat(messages, **kwargs)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Send ``prompt`` as one user turn (one HTTP call, one LLM event)."""
        return to_completion_response(
            self._chat(self._prompt_messages(prompt, formatted), **kwargs)
        )

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream the answer to ``prompt``; the last response carries the final usage."""
        responses = self._stream_chat(self._prompt_messages(prompt, formatted), **kwargs)
        return mapped(responses, to_completion_response)

    @spanned_inline
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async :meth:`chat`.

        Opens its instrumentation span (see :mod:`.spans`) and fires the events of
        ``llm_chat_callback`` (see :mod:`.chat_events`) itself, without the wrappers: one
        coroutine and no context manager held across the request.
        """
        span_id, bound, token = enter_span(
            dispatcher, _ACHAT_SIGNATURE, self, "achat", messages, kwargs
        )
        try:
            manager = open_chat_trace(self)
            try:
                active = active_span_id.get()  # the span's id, unless a span handler set another
                event_id = chat_started(self, manager, messages, kwargs, active)
                if self.rate_limiter is not None:
                    await self.rate_limiter.async_acquire()
                try:
                    client = self._client_pair().async_
                    completion = await client.chat(self._wire(messages), **self._options(kwargs))
                    response = chat_response(completion)
                except BaseException as error:
                    chat_failed(manager, event_id, error)
                    raise
                chat_ended(manager, event_id, messages, response, active)
            except Exception as error:
                trace_failed(manager, error)
                raise
            finally:
                close_chat_trace(manager)
        except BaseException as error:
            drop_span(dispatcher, span_id, bound, self, error)
            raise
        else:
            exit_span(dispatcher, span_id, bound, self, response)
            return response
        finally:
            active_span_id.reset(token)

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Async :meth:`stream_chat`."""
        return await self._astream_chat(messages, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async :meth:`complete`."""
        response = await self._achat(self._prompt_messages(prompt, formatted), **kwargs)
        return to_completion_response(response)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async :meth:`stream_complete`."""
        responses = await self._astream_chat(self._prompt_messages(prompt, formatted), **kwargs)
        return amapped(responses, to_completion_response)

    # -- tool calling (FunctionCallingLLM) ------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat`` arguments of a call with ``tools``.

        ``tool_choice`` is ``"auto"``, ``"none"``, ``"required"``, a tool's name or the
        OpenAI object form; ``tool_required`` (without a choice) sends ``"required"``;
        ``parallel_tool_calls`` is sent as ``allow_parallel_tool_calls``. The caller's
        ``chat_history`` is not changed.

        Raises:
            WenxinValidationError: ``tool_choice`` names a tool not offered.
            InvalidMessagesError: the conversation ends with tool results and the model
                (ERNIE 4.5, ERNIE X1 Turbo) only takes a user turn last.

        """
        request = prepare_tool_request(
            tools,
            user_msg,
            chat_history,
            allow_parallel_tool_calls=allow_parallel_tool_calls,
            tool_required=tool_required,
            tool_choice=tool_choice,
            kwargs=kwargs,
        )
        if self.api == "v2":
            check_continuation(self._spec, request["messages"])
        return request

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call unless parallel calls are allowed."""
        return response if allow_parallel_tool_calls else keep_first_tool_call(response)

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls of ``response`` (arguments parsed; partial ones mid-stream).

        Raises:
            ValueError: no tool call and ``error_on_no_tool_call`` (the default) is set.

        """
        return tool_selections(response, error_on_no_tool_call)

    def stream_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponseGen:
        """Stream a call with ``tools``; each response holds the calls so far, by index.

        The last response's tool calls are the whole calls, as :meth:`chat_with_tools` gives
        them (only the first one unless ``allow_parallel_tool_calls``).
        """
        responses = super().stream_chat_with_tools(
            tools,
            user_msg=user_msg,
            chat_history=chat_history,
            verbose=verbose,
            allow_parallel_tool_calls=allow_parallel_tool_calls,
            tool_required=tool_required,
            **kwargs,
        )
        if allow_parallel_tool_calls:
            return responses
        return mapped(responses, keep_first_tool_call)

    async def astream_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> ChatResponseAsyncGen:
        """Async :meth:`stream_chat_with_tools`."""
        responses = await super().astream_chat_with_tools(
            tools,
            user_msg=user_msg,
            chat_history=chat_history,
            verbose=verbose,
            allow_parallel_tool_calls=allow_parallel_tool_calls,
            tool_required=tool_required,
            **kwargs,
        )
        if allow_parallel_tool_calls:
            return responses
        return amapped(responses, keep_first_tool_call)

    # -- structured output ----------------------------------------------------------------

    def _structured_program(
        self, output_cls: type[Model], prompt: PromptTemplate
    ) -> BasePydanticProgram[Model] | None:
        """The program of the model's structured-output method; ``None``: LlamaIndex's own.

        LlamaIndex's own is a forced tool call for a model with tools and ``tool_choice``
        (or whatever a non-default ``pydantic_program_mode`` says).
        """
        from llama_index_wenxin.structured import ResponseFormatProgram, structured_method

        method = structured_method(self._spec, self.pydantic_program_mode)
        if method is None or method == "tools":
            return None
        if method == "text":
            return LLMTextCompletionProgram.from_defaults(
                output_parser=PydanticOutputParser(output_cls=output_cls),
                prompt=prompt,
                llm=self,
            )
        return ResponseFormatProgram(output_cls, self, prompt, method)

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Predict an ``output_cls`` by the model's method (see :mod:`.structured`).

        A forced tool call where the model has tools and ``tool_choice``, else
        ``response_format`` (``json_schema``, else ``json_object``), else parsed text: one
        chat call either way.
        """
        program = self._structured_program(output_cls, prompt)
        if program is None:
            own: Model = super().structured_predict(
                output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args
            )
            return own
        _structured_started(output_cls, prompt, prompt_args)
        return _structured_ended(program(llm_kwargs=llm_kwargs, **prompt_args))

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async :meth:`structured_predict`."""
        program = self._structured_program(output_cls, prompt)
        if program is None:
            own: Model = await super().astructured_predict(
                output_cls, prompt, llm_kwargs=llm_kwargs, **prompt_args
            )
            return own
        _structured_started(output_cls, prompt, prompt_args)
        return _structured_ended(await program.acall(llm_kwargs=llm_kwargs, **prompt_args))

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        """The partial objects of ``stream_structured_predict``, by the model's method."""
        program = self._structured_program(output_cls, prompt)
        if program is None:
            return super()._structured_stream_call(output_cls, prompt, llm_kwargs, **prompt_args)
        return program.stream_call(llm_kwargs=llm_kwargs, **prompt_args)

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        """Async :meth:`_structured_stream_call`."""
        program = self._structured_program(output_cls, prompt)
        if program is None:
            return await super()._structured_astream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        return await program.astream_call(llm_kwargs=llm_kwargs, **prompt_args)


def _precompute_span_signatures(cls: type, names: tuple[str, ...]) -> None:
    """Give each instrumented method a ready ``__signature__``.

    LlamaIndex's instrumentation span wraps these methods and calls ``inspect.signature`` on the
    wrapped function on every call (to bind its arguments); a precomputed ``__signature__``,
    which ``inspect.signature`` returns as is, saves that work on each call.
    """
    for name in names:
        wrapped = getattr(vars(cls).get(name), "__wrapped__", None)
        if inspect.isfunction(wrapped) and "__signature__" not in wrapped.__dict__:
            wrapped.__dict__["__signature__"] = inspect.signature(wrapped)


_precompute_span_signatures(
    Wenxin,
    (
        "chat",
        "stream_chat",
        "astream_chat",
        "complete",
        "acomplete",
        "stream_complete",
        "astream_complete",
        "_prepare_chat_with_tools",
        "structured_predict",
        "astructured_predict",
    ),
)

_ACHAT_SIGNATURE = bound_signature(Wenxin.achat)
"""What LlamaIndex's span binds ``achat``'s arguments to (``Wenxin.achat`` opens its own)."""
