"""``ChatWenxin``: Baidu Qianfan chat models (ERNIE, DeepSeek, Qwen, your services) for LangChain.

The class only translates between LangChain and :mod:`wenxin_core`: messages
(:mod:`langchain_wenxin.messages`), options (:mod:`langchain_wenxin._options`), answers
(:mod:`langchain_wenxin._replies`), credentials (:mod:`langchain_wenxin._settings`) and errors
(:mod:`langchain_wenxin.errors`). HTTP, authentication, retries, the wire protocols (V2, and V1
behind ``api="v1"``) and message normalisation are the core's.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import ConfigDict, Field, PrivateAttr, model_validator
from typing_extensions import Self

from langchain_wenxin._batch import DirectCall, FastBatch
from langchain_wenxin._clients import CoreClients, private_values
from langchain_wenxin._metadata import PROVIDER
from langchain_wenxin._options import CALL_OPTIONS, MIN_TEMPERATURE, check_model_options
from langchain_wenxin._replies import ai_message, chat_result, generation_chunk
from langchain_wenxin.errors import core_errors_translated
from langchain_wenxin.messages import convert_messages
from wenxin_core.catalog import DEFAULT_MODEL, DEFAULT_V1_MODEL, ModelSpec, resolve_model
from wenxin_core.types import ChatCompletion

if TYPE_CHECKING:  # imported where tools and structured output are bound: not with the model
    from langchain_wenxin._structured import Method
    from langchain_wenxin._tools import ToolLike

__all__ = ["DEFAULT_MODEL", "DEFAULT_V1_MODEL", "MIN_TEMPERATURE", "ChatWenxin"]


class ChatWenxin(CoreClients, BaseChatModel):
    """Baidu Qianfan (文心千帆) chat models as a LangChain chat model.

    Qianfan V2 (``https://qianfan.baidubce.com/v2``, OpenAI-compatible) is the default; Baidu
    shut the public V1 interface on 2026-08-31, which stays reachable with ``api="v1"`` (private
    deployments).

    Setup:
        Credentials come from the arguments or, when none is given, the environment (the core's
        rule: arguments win entirely):

        - V2: the console API Key ``api_key`` (``QIANFAN_API_KEY``), sent as a Bearer token; or
          the account's IAM pair ``access_key`` / ``secret_key`` (``QIANFAN_ACCESS_KEY`` /
          ``QIANFAN_SECRET_KEY``), which mints a token at ``iam_base_url``. ``app_id``
          (``QIANFAN_APP_ID``) bills a V2 application.
        - V1 (``api="v1"``): the application's ``qianfan_ak`` / ``qianfan_sk`` (``QIANFAN_AK`` /
          ``QIANFAN_SK``), a ready ``access_token`` (``QIANFAN_ACCESS_TOKEN``), or the IAM pair
          (bce-auth-v1 signing).

        ``base_url`` defaults to ``QIANFAN_BASE_URL``, else Baidu's host for the interface.

    Key init args:
        model: a V2 model id (``"ernie-4.5-turbo-32k"``, the default; ``"ernie-x1.1"``,
            ``"deepseek-v3.2"``...) or the API name of your own deployed service (a Llama-2 or
            Dolly redeployed on V2: ``model="<service API name>"``). An id the catalog does not
            know passes through with conservative capabilities; ``capabilities`` overrides them.
        api: ``"v2"`` (default) or ``"v1"``; on V1 ``model`` is a catalog name and ``endpoint``
            a self-deployed service's suffix.
        temperature, top_p, penalty_score, stop, seed, frequency_penalty, presence_penalty,
            user_id, max_tokens: sampling options (also per call). ``temperature=0`` is sent as
            :data:`MIN_TEMPERATURE`. An option the model does not accept fails at construction
            (:class:`~langchain_wenxin.errors.UnsupportedParameterError`). ``top_k``: V1 only.
        reasoning: the one reasoning switch: ``True`` / ``False`` or
            ``{"enabled": bool, "budget": int, "effort": "low"|"medium"|"high"}``; the core maps
            it to each model's own fields. The reasoning text arrives in
            ``additional_kwargs["reasoning_content"]`` (a ``reasoning`` block with
            ``output_version="v1"``).
        streaming: make ``invoke`` stream under the hood (callbacks get every chunk).
        model_kwargs: model-specific body fields (``web_search``...); unknown keyword
            arguments land here with a warning.
        timeout, max_retries, overflow: passed to the core client.
        http_client, http_async_client: ``httpx.Client`` / ``httpx.AsyncClient`` to use.

    Example:
        .. code-block:: python

            from langchain_wenxin import ChatWenxin

            llm = ChatWenxin(model="ernie-4.5-turbo-32k", api_key="bce-v3/ALTAK-...")
            llm.invoke("Hello").content
            for chunk in llm.stream("Tell me a story"):
                print(chunk.content, end="")

    Errors are :mod:`langchain_wenxin.errors` classes: each subclasses the core's error and the
    matching ``langchain_core.exceptions`` class (``ModelRateLimitError``...). The credential
    fields and their rule are :class:`~langchain_wenxin._settings.CredentialFields`'s, the
    connection fields and core clients :class:`~langchain_wenxin._clients.CoreClients`'s.

    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    model: str | None = Field(default=None, alias="model_name")
    """The model id (V2) or catalog name (V1); ``DEFAULT_MODEL`` on V2 when not given."""
    api: Literal["v2", "v1"] = "v2"
    """The wire protocol: ``"v2"`` (the live service) or ``"v1"`` (legacy deployments)."""
    endpoint: str | None = None
    """V1 only: the endpoint suffix of a self-deployed V1 service."""

    overflow: Literal["truncate", "error"] = "truncate"
    """Over the model's input budget: drop the oldest turns (warning) or raise."""

    temperature: float | None = None
    """Sampling temperature, (0, 1]; 0 is sent as :data:`MIN_TEMPERATURE`."""
    top_p: float | None = None
    """Nucleus sampling, [0, 1]."""
    top_k: int | None = None
    """V1 only: top-k sampling (Llama and other open models)."""
    penalty_score: float | None = None
    """Repetition penalty, [1, 2]."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop strings (at most 4, each at most 20 characters)."""
    max_tokens: int | None = Field(default=None, alias="max_output_tokens")
    """Output token limit (V2: at most the model's ``max_output_tokens``)."""
    seed: int | None = None
    """V2: sampling seed."""
    frequency_penalty: float | None = None
    """V2: OpenAI-like frequency penalty."""
    presence_penalty: float | None = None
    """V2: OpenAI-like presence penalty."""
    user_id: str | None = None
    """The end user's id, for the service's abuse monitoring."""
    reasoning: bool | dict[str, Any] | None = None
    """V2: thinking on/off, or ``{"enabled", "budget", "effort"}`` (reasoning models only)."""
    capabilities: dict[str, Any] | None = None
    """V2: overrides of the catalog's capabilities (``ModelSpec`` fields) for an unknown id."""
    streaming: bool = False
    """Whether ``invoke`` streams under the hood."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Model-specific body fields, sent as they are (checked by the core)."""

    _spec_key: tuple[Any, ...] | None = PrivateAttr(default=None)
    _spec_value: ModelSpec | None = PrivateAttr(default=None)

    # Declared here, not only in CredentialFields: each pydantic class gets a type-checker
    # __init__ made from its fields unless it declares one, and ``**data: Any`` is the contract.
    def __init__(self, **data: Any) -> None:
        """Build the model; a core error surfaces as its own class, not wrapped."""
        super().__init__(**data)

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: Any) -> Any:
        """Default ``model``; move unknown keyword arguments into ``model_kwargs`` (warning)."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        if values.get("model") is None and values.get("model_name") is None:
            values.pop("model_name", None)
            if values.get("api", "v2") != "v1":
                values["model"] = DEFAULT_MODEL
            elif values.get("endpoint") is None:
                values["model"] = DEFAULT_V1_MODEL
        return _build_model_kwargs(values, get_pydantic_field_names(cls))

    @model_validator(mode="after")
    def _check(self) -> Self:
        """Resolve the model and check its options (the credentials: ``CredentialFields``)."""
        spec = self._spec  # an unknown V1 name or a V2 endpoint fails here
        check_model_options(spec, self._option_values())
        if self.api == "v1" and self.max_tokens is not None and not spec.accepts_max_output_tokens:
            warnings.warn(
                f"max_tokens={self.max_tokens} is not supported by {spec.name} (it has no "
                "max_output_tokens field); it will not be sent",
                UserWarning,
                stacklevel=2,
            )
        return self

    def _option_values(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "penalty_score": self.penalty_score,
            "stop": self.stop,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
            "user_id": self.user_id,
            "reasoning": self.reasoning,
            "max_tokens": self.max_tokens,
        }

    # -- LangChain plumbing -------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "wenxin-chat"

    @property
    def _spec(self) -> ModelSpec:
        """The catalog spec of the configured model (with ``capabilities``), cached."""
        key = (self.api, self.model, self.endpoint, repr(self.capabilities))
        private = private_values(self)  # not ``self._spec_key``: see ``async_client``
        cached: ModelSpec | None = private.get("_spec_value")
        if cached is not None and private.get("_spec_key") == key:
            return cached
        spec = resolve_model(self.model, self.endpoint, api=self.api)
        if self.capabilities:
            spec = spec.with_overrides(self.capabilities)
        self._spec_value, self._spec_key = spec, key
        return spec

    @property
    def model_spec(self) -> ModelSpec:
        """The model's catalog :class:`~wenxin_core.catalog.ModelSpec` (``capabilities`` applied).

        Its ``tools``, ``tool_choice``, ``json_object`` and ``json_schema`` say what
        :meth:`bind_tools` and :meth:`with_structured_output` may send.
        """
        return self._spec

    @property
    def model_label(self) -> str:
        """The model's id (V2), catalog name (V1) or the endpoint of a V1 deployed service."""
        return self._spec.name

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "api": self.api,
            "endpoint": self.endpoint,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "penalty_score": self.penalty_score,
            "stop": self.stop,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
            "reasoning": self.reasoning,
            "model_kwargs": self.model_kwargs,
        }

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # BaseChatModel's result (identifying params, ``_type``, ``stop``, then kwargs) without
        # its per-call detour through the deprecated ``dict()`` under ``catch_warnings``.
        return {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """ChatWenxin can be serialised with ``dumpd``/``dumps`` (secrets left out)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path of this class: ``["langchain_wenxin", "chat_models"]``."""
        return ["langchain_wenxin", "chat_models"]

    def _resolve_model_profile(self) -> ModelProfile | None:
        spec = self._spec
        if spec.api == "v1":
            profile = ModelProfile(
                text_inputs=True,
                text_outputs=True,
                image_inputs=False,
                audio_inputs=False,
                video_inputs=False,
                pdf_inputs=False,
                tool_calling=False,
                structured_output=False,
            )
            if spec.max_input_tokens:
                profile["max_input_tokens"] = spec.max_input_tokens
            return profile
        profile = ModelProfile(
            text_inputs=True,
            text_outputs=True,
            image_inputs=spec.vision,
            audio_inputs=False,
            video_inputs=False,
            pdf_inputs=False,
            tool_calling=spec.tools,
            tool_choice=spec.tool_choice,
            tool_call_streaming=spec.tools,
            # Native structured output (create_agent's provider strategy binds a json_schema
            # response_format); a tools-only model gets the tool strategy instead.
            structured_output=spec.json_schema,
            reasoning_output=spec.is_reasoning_model,
            temperature="temperature" in spec.sampling,
        )
        if spec.context_window:
            profile["max_input_tokens"] = spec.context_window
        if spec.max_output_tokens:
            profile["max_output_tokens"] = spec.max_output_tokens
        return profile

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=str(kwargs.get("model") or kwargs.get("endpoint") or self.model_label),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if isinstance(temperature, (int, float)):
            params["ls_temperature"] = float(temperature)
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if isinstance(max_tokens, int):
            params["ls_max_tokens"] = max_tokens
        ls_stop = stop if stop is not None else self.stop
        if ls_stop:
            params["ls_stop"] = list(ls_stop)
        return params

    # -- tools and structured output ----------------------------------------------------

    def check_bound_options(self, **options: Any) -> None:
        """Check tool and structured-output options against the model's catalog capabilities.

        ``options``: ``tools``, ``tool_choice``, ``parallel_tool_calls``, ``response_format``
        (V2 values; ``None`` is unset). The core applies the same rules to each call.

        Raises:
            UnsupportedParameterError: the model does not take one of them.
            WenxinValidationError: a value of the wrong shape.

        """
        from langchain_wenxin._tools import check_tool_options

        with core_errors_translated():
            check_tool_options(self._spec, options)

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        response_format: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools to the model: each call offers them (V2 ``tools``).

        Args:
            tools: OpenAI tool dicts, pydantic models, functions or ``BaseTool`` objects,
                converted with LangChain's ``convert_to_openai_tool``.
            tool_choice: ``"auto"``, ``"none"``, ``"any"`` / ``"required"`` / ``True`` (sent as
                ``"required"``: some tool must be called), a bound tool's name or an
                OpenAI-style ``{"type": "function", "function": {"name": ...}}`` (sent as the
                object form: that tool must be called). ``None``: the service's default.
            parallel_tool_calls: whether one answer may call several tools (V2 default true).
            strict: convert the schemas strictly (``additionalProperties: false``...).
            response_format: a ``response_format`` to send as well (V2's form, or a schema
                for ``json_schema``); ``create_agent`` binds one for its provider strategy.
            kwargs: more call options bound as they are.

        Raises:
            UnsupportedParameterError: the model has no tool calling, does not honour
                ``tool_choice`` (anything but ``"auto"``) or takes no such
                ``response_format`` (catalog capabilities); also on ``api="v1"``.
            ValueError: a ``tool_choice`` of no known shape, or naming an unbound tool.

        """
        from langchain_wenxin._tools import (
            format_response_format,
            format_tool_choice,
            format_tools,
            tool_names,
        )

        formatted = format_tools(tools, strict=strict)
        choice = format_tool_choice(tool_choice, tool_names(formatted))
        bound: dict[str, Any] = {"tools": formatted}
        if choice is not None:
            bound["tool_choice"] = choice
        if parallel_tool_calls is not None:
            bound["parallel_tool_calls"] = parallel_tool_calls
        if response_format is not None:
            bound["response_format"] = format_response_format(response_format, strict=strict)
        self.check_bound_options(**bound)
        return super().bind(**bound, **kwargs)

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | None = None,
        *,
        method: Method | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable that answers with ``schema``'s objects (pydantic) or dicts.

        Args:
            schema: a pydantic model, TypedDict, JSON Schema dict or OpenAI tool/function
                dict (``None`` only with ``method="json_mode"``).
            method: ``"json_schema"`` (``response_format`` json_schema), ``"function_calling"``
                (the schema as the one tool, forced where the model honours ``tool_choice``)
                or ``"json_mode"`` (``response_format`` json_object: the prompt must ask for
                JSON). ``None``: the first of these the model has (catalog capabilities),
                so a model without ``json_schema`` never receives one.
            include_raw: answer ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}``
                instead of raising on a parsing error.
            strict: strict schema conversion (not with ``json_mode``).
            kwargs: more call options bound as they are.

        Raises:
            UnsupportedParameterError: the model does not take what the method sends.
            ValueError: an unknown method, or no schema for a method that needs one.

        """
        from langchain_wenxin._structured import structured_runnable

        with core_errors_translated():
            return structured_runnable(
                self, schema, method=method, include_raw=include_raw, strict=strict, kwargs=kwargs
            )

    # -- the core clients ---------------------------------------------------------------

    def _credentials_api(self) -> Literal["v2", "v1"]:
        """The credentials read and resolved are those of ``api``."""
        return self.api

    def _client_kwargs(self) -> dict[str, Any]:
        """The core client's arguments: the connection's, then the model and its options."""
        kwargs = super()._client_kwargs()
        kwargs.update(model=self.model, api=self.api, overflow=self.overflow)
        if self.endpoint is not None:
            kwargs["endpoint"] = self.endpoint
        if self.capabilities:
            kwargs["capabilities"] = self.capabilities
        return kwargs

    # -- translation --------------------------------------------------------------------

    def _call_args(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The core's call arguments for one LangChain call (instance values, then per call)."""
        extra = dict(kwargs)
        extra.pop("stream", None)
        model = extra.pop("model", None)
        endpoint = extra.pop("endpoint", None)
        # Only what is set: the core treats a missing option as unset, and skips work for it.
        args: dict[str, Any] = {
            name: value
            for name, value in (
                ("model", model),
                ("endpoint", endpoint),
                ("temperature", self.temperature),
                ("top_p", self.top_p),
                ("top_k", self.top_k),
                ("penalty_score", self.penalty_score),
                ("seed", self.seed),
                ("frequency_penalty", self.frequency_penalty),
                ("presence_penalty", self.presence_penalty),
                ("user_id", self.user_id),
                ("reasoning", self.reasoning),
            )
            if value is not None
        }
        for name in CALL_OPTIONS.intersection(extra):
            args[name] = extra.pop(name)
        if args.get("temperature") == 0:
            args["temperature"] = MIN_TEMPERATURE
        call_stop = stop if stop is not None else extra.pop("stop", None)
        call_stop = call_stop if call_stop is not None else self.stop
        if call_stop:
            args["stop"] = list(call_stop)
        self._max_tokens_arg(args, extra, model, endpoint)
        body = {**self.model_kwargs, **extra}
        if body:
            args["extra_body"] = body
        return args

    def _max_tokens_arg(
        self, args: dict[str, Any], extra: dict[str, Any], model: Any, endpoint: Any
    ) -> None:
        """Set ``max_output_tokens``: the call's, else the instance's (V1: when accepted)."""
        if "max_tokens" in extra or "max_output_tokens" in extra:
            per_call = extra.pop("max_tokens", None)
            per_call_alt = extra.pop("max_output_tokens", None)
            args["max_output_tokens"] = per_call if per_call is not None else per_call_alt
            return
        if self.max_tokens is None:
            return
        if self.api == "v2":
            args["max_output_tokens"] = self.max_tokens
            return
        spec = resolve_model(model, endpoint) if model or endpoint else self._spec
        if spec.accepts_max_output_tokens:
            args["max_output_tokens"] = self.max_tokens
        else:
            warnings.warn(
                f"max_tokens={self.max_tokens} is not supported by {spec.name}; not sent",
                UserWarning,
                stacklevel=5,
            )

    def _label(self, args: Mapping[str, Any]) -> str:
        """The model name reported when the service names none (a per-call model wins)."""
        return str(args.get("model") or args.get("endpoint") or self.model_label)

    # -- batches ------------------------------------------------------------------------

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any | None,
    ) -> list[AIMessage]:
        """Run ``ainvoke`` over ``inputs`` concurrently, as LangChain's default does, faster.

        Outputs, callbacks (per item, with each config's tags, metadata, run name and run id),
        the cache, the rate limiter, ``return_exceptions`` and ``max_concurrency`` (a bound on
        the items in flight) behave as under ``Runnable.abatch``; the callback managers and the
        call's parameters are worked out once instead of once per item
        (:mod:`langchain_wenxin._batch`). Cases it does not reproduce exactly take the default.
        """
        batch = FastBatch.plan(self, inputs, config, kwargs, own_ainvoke=ChatWenxin.ainvoke)
        if batch is None:
            return await super().abatch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        return await batch.run(return_exceptions=return_exceptions)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Answer ``input`` as LangChain's ``BaseChatModel.ainvoke`` does, with less work.

        The call runs as one item of :meth:`abatch`'s path (``langchain_wenxin._batch``): the
        same callbacks, cache, rate limiter and errors as ``ainvoke -> agenerate_prompt ->
        agenerate``, without the task ``agenerate`` makes for the model call, and with the
        core called directly where ``_agenerate_with_cache`` would only call ``_agenerate``.
        Cases it does not reproduce exactly take the default.
        """
        batch = FastBatch.plan(self, [input], config, {"stop": stop, **kwargs})
        if batch is None:
            return await super().ainvoke(input, config, stop=stop, **kwargs)
        pending = batch.start(0)
        del batch  # the call needs none of it while it waits
        return cast("AIMessage", await pending)

    def _direct_call(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> DirectCall | None:
        """The core call of ``_agenerate(messages, stop=stop, **kwargs)``, or None.

        None where a batch must go through ``_agenerate`` itself: a subclass's own
        ``_agenerate`` or ``_agenerate_with_cache``, or V1 (whose arguments may warn per call).
        """
        cls = type(self)
        if (
            cls._agenerate is not ChatWenxin._agenerate
            or cls._agenerate_with_cache is not BaseChatModel._agenerate_with_cache
            or self.api != "v2"
        ):
            return None
        args = self._call_args(stop, kwargs)
        return DirectCall(self, args, self._label(args))

    def _core_chat(
        self, messages: list[BaseMessage], args: Mapping[str, Any]
    ) -> Awaitable[ChatCompletion]:
        """The core's chat call of ``messages`` (converted) with ``args``; core errors raw."""
        return self.async_client.chat(convert_messages(messages, api=self.api), **args)

    # -- the four entry points ----------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with core_errors_translated():
            args = self._call_args(stop, kwargs)
            completion = self.client.chat(convert_messages(messages, api=self.api), **args)
        return chat_result(ai_message(completion, self._label(args)))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with core_errors_translated():
            args = self._call_args(stop, kwargs)
            completion = await self._core_chat(messages, args)
        return chat_result(ai_message(completion, self._label(args)))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with core_errors_translated():
            args = self._call_args(stop, kwargs)
            label = self._label(args)
            with self.client.stream(convert_messages(messages, api=self.api), **args) as stream:
                for item in stream:
                    chunk = generation_chunk(item, label)
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        with core_errors_translated():
            args = self._call_args(stop, kwargs)
            label = self._label(args)
            stream = self.async_client.stream(convert_messages(messages, api=self.api), **args)
            async with stream:
                async for item in stream:
                    chunk = generation_chunk(item, label)
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk


# LangChain inspects the signature of ``_generate``/``_agenerate`` on every call to see whether
# it takes ``run_manager``; a precomputed ``__signature__`` (which ``inspect.signature`` returns
# as is) saves that work on each call.
for _method in (ChatWenxin._generate, ChatWenxin._agenerate):
    _method.__dict__["__signature__"] = inspect.signature(_method)
