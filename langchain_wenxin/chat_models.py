"""``ChatWenxin``: Baidu Qianfan chat models (Llama-2, ERNIE, deployed endpoints) for LangChain.

The class only translates between LangChain and :mod:`wenxin_core`: messages, parameters,
answers, usage and errors. HTTP, authentication, retries, validation and message normalisation
are the core's.
"""

from __future__ import annotations

import inspect
import os
import threading
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.utils import _build_model_kwargs, get_pydantic_field_names
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from langchain_wenxin._metadata import PROVIDER, response_metadata, usage_metadata
from langchain_wenxin.errors import translate_error
from langchain_wenxin.messages import convert_messages
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core import errors as core_errors
from wenxin_core.auth import ENV_VARS, Credentials, build_auth
from wenxin_core.catalog import DEFAULT_MODEL, ModelSpec, resolve_model
from wenxin_core.params import ChatParams
from wenxin_core.request import DEFAULT_TIMEOUT
from wenxin_core.types import ChatCompletion, ChatCompletionChunk

__all__ = ["DEFAULT_MODEL", "MIN_TEMPERATURE", "ChatWenxin"]

MIN_TEMPERATURE = 0.01
"""What ``temperature=0`` is sent as: Qianfan accepts (0, 1], and LangChain's 0 means "greedy"."""

_CREDENTIAL_FIELDS = {
    "qianfan_ak": "api_key",
    "qianfan_sk": "secret_key",
    "qianfan_access_token": "access_token",
    "qianfan_access_key": "access_key",
    "qianfan_iam_secret_key": "iam_secret_key",
}
"""Field name -> the core's argument name (also the field's alias)."""

_CALL_PARAMS = frozenset({"temperature", "top_p", "top_k", "penalty_score", "user_id", "timeout"})
"""Per-call keyword arguments passed to the core under the same name."""

_init_lock = threading.Lock()
"""Guards the lazy creation of an instance's auth and clients (cheap, held only once)."""


@contextmanager
def _core_errors_translated() -> Iterator[None]:
    """Re-raise core errors as their LangChain-flavoured twins (same attributes and cause)."""
    try:
        yield
    except core_errors.WenxinError as exc:
        raise translate_error(exc) from exc.__cause__


class ChatWenxin(BaseChatModel):
    """Baidu Qianfan (文心千帆) chat models as a LangChain chat model.

    Setup:
        Credentials come from the arguments or the environment, in one of two modes:

        - the application's API Key / Secret Key: ``api_key`` / ``secret_key``
          (``QIANFAN_AK`` / ``QIANFAN_SK``), or a ready ``access_token``
          (``QIANFAN_ACCESS_TOKEN``);
        - the account's IAM Access Key / Secret Key: ``access_key`` / ``iam_secret_key``
          (``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``), for bce-auth-v1 signing.

        If any credential is passed as an argument, the environment's credentials are not read
        (the core's rule). ``base_url`` defaults to ``QIANFAN_BASE_URL``, else Baidu's host.

    Key init args:
        model: a catalog model name, case-insensitive (``"Llama-2-13b-chat"``,
            ``"ERNIE-3.5-8K"``...). There is no default: give ``model`` or ``endpoint``.
        endpoint: the endpoint suffix of a self-deployed service (how Dolly-12B is served);
            with ``model`` too, a deployment of that catalog model.
        temperature, top_p, top_k, penalty_score, stop, user_id: sampling options (also per
            call). ``temperature=0`` is sent as :data:`MIN_TEMPERATURE`.
        max_tokens: the output limit (``max_output_tokens``); only ERNIE models take one: on
            others it is not sent and a warning says so (per call it is rejected).
        streaming: make ``invoke`` stream under the hood (callbacks get every chunk).
        model_kwargs: model-specific body fields (``disable_search``...); unknown keyword
            arguments land here with a warning.
        timeout, max_retries, overflow: passed to the core client.
        http_client, http_async_client: ``httpx.Client`` / ``httpx.AsyncClient`` to use.

    Example:
        .. code-block:: python

            from langchain_wenxin import ChatWenxin

            llm = ChatWenxin(model="Llama-2-13b-chat", api_key="...", secret_key="...")
            llm.invoke("Hello").content
            for chunk in llm.stream("Tell me a story"):
                print(chunk.content, end="")

    Errors are :mod:`langchain_wenxin.errors` classes: each subclasses the core's error and the
    matching ``langchain_core.exceptions`` class (``ModelRateLimitError``...).

    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    model: str | None = Field(default=None, alias="model_name")
    """Catalog model name (case-insensitive); ``Llama-2-13b-chat`` when no endpoint is given."""
    endpoint: str | None = None
    """Endpoint suffix of a self-deployed service."""

    qianfan_ak: SecretStr | None = Field(default=None, alias="api_key")
    """The application's API Key (``QIANFAN_AK``)."""
    qianfan_sk: SecretStr | None = Field(default=None, alias="secret_key")
    """The application's Secret Key (``QIANFAN_SK``)."""
    qianfan_access_token: SecretStr | None = Field(default=None, alias="access_token")
    """A ready access token (``QIANFAN_ACCESS_TOKEN``)."""
    qianfan_access_key: SecretStr | None = Field(default=None, alias="access_key")
    """The account's IAM Access Key (``QIANFAN_ACCESS_KEY``)."""
    qianfan_iam_secret_key: SecretStr | None = Field(default=None, alias="iam_secret_key")
    """The account's IAM Secret Key (``QIANFAN_SECRET_KEY``)."""
    base_url: str | None = None
    """API host; default ``QIANFAN_BASE_URL``, else ``https://aip.baidubce.com``."""

    timeout: float | None = None
    """Seconds per attempt; ``None``: the core's default (10 s connect, 300 s read)."""
    max_retries: int = 2
    """Retries after the first attempt, for transient failures."""
    overflow: Literal["truncate", "error"] = "truncate"
    """Over the model's input budget: drop the oldest turns (warning) or raise."""

    temperature: float | None = None
    """Sampling temperature, (0, 1]; 0 is sent as :data:`MIN_TEMPERATURE`."""
    top_p: float | None = None
    """Nucleus sampling, [0, 1]."""
    top_k: int | None = None
    """Top-k sampling (Llama and other open models)."""
    penalty_score: float | None = None
    """Repetition penalty, [1, 2]."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop strings (at most 4, each at most 20 characters)."""
    user_id: str | None = None
    """The end user's id, for the service's abuse monitoring."""
    max_tokens: int | None = Field(default=None, alias="max_output_tokens")
    """Output token limit, for models that accept ``max_output_tokens`` (ERNIE)."""
    streaming: bool = False
    """Whether ``invoke`` streams under the hood."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Model-specific body fields, sent as they are (checked by the core)."""

    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` for the sync calls (left open)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` for the async calls (left open)."""

    _auth: httpx.Auth | None = PrivateAttr(default=None)
    _base: str | None = PrivateAttr(default=None)
    _client: WenxinClient | None = PrivateAttr(default=None)
    _async_client: AsyncWenxinClient | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        """Build the model; a core validation error surfaces as its own class, not wrapped."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            for error in exc.errors():
                original = (error.get("ctx") or {}).get("error")
                if isinstance(original, core_errors.WenxinError):
                    raise translate_error(original) from None
            raise

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: Any) -> Any:
        """Move unknown keyword arguments into ``model_kwargs``, with a warning."""
        if not isinstance(values, dict):
            return values
        return _build_model_kwargs(dict(values), get_pydantic_field_names(cls))

    @model_validator(mode="after")
    def _check(self) -> Self:
        """Resolve the model, check the sampling options and ``max_tokens``, read credentials."""
        if self.model is None and self.endpoint is None:
            object.__setattr__(self, "model", DEFAULT_MODEL)
        spec = resolve_model(self.model, self.endpoint)
        # Sampling options fail here, at construction, not at the first call.
        ChatParams.build(
            temperature=MIN_TEMPERATURE if self.temperature == 0 else self.temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            penalty_score=self.penalty_score,
            stop=self.stop or None,
            user_id=self.user_id,
        )
        if all(getattr(self, name) is None for name in _CREDENTIAL_FIELDS):
            # The core's rule: arguments win entirely, else every credential comes from env.
            for name, arg in _CREDENTIAL_FIELDS.items():
                value = os.environ.get(ENV_VARS[arg], "").strip()
                if value:
                    object.__setattr__(self, name, SecretStr(value))
        if self.max_tokens is not None and not spec.accepts_max_output_tokens:
            warnings.warn(
                f"max_tokens={self.max_tokens} is not supported by {spec.name} (it has no "
                "max_output_tokens field); it will not be sent",
                UserWarning,
                stacklevel=2,
            )
        return self

    # -- LangChain plumbing -------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "wenxin-chat"

    @property
    def _spec(self) -> ModelSpec:
        return resolve_model(self.model, self.endpoint)

    @property
    def model_label(self) -> str:
        """The catalog name of the model, or the endpoint of a self-deployed service."""
        return self._spec.name

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "endpoint": self.endpoint,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "penalty_score": self.penalty_score,
            "stop": self.stop,
            "max_tokens": self.max_tokens,
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

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Credential fields and the environment variables ``loads`` reads them from."""
        return {name: ENV_VARS[arg] for name, arg in _CREDENTIAL_FIELDS.items()}

    def _resolve_model_profile(self) -> ModelProfile | None:
        spec = self._spec
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

    # -- the core clients ---------------------------------------------------------------

    def _shared_auth(self) -> tuple[httpx.Auth, str]:
        """One auth (one token cache) for the sync and async clients, built on first use."""
        if self._auth is None or self._base is None:
            credentials = Credentials.resolve(
                **{arg: getattr(self, name) for name, arg in _CREDENTIAL_FIELDS.items()},
                base_url=self.base_url,
            )
            self._auth = build_auth(credentials)
            self._base = credentials.base_url
        return self._auth, self._base

    def _client_kwargs(self) -> dict[str, Any]:
        auth, base = self._shared_auth()
        return {
            "endpoint": self.endpoint,
            "base_url": base,
            "timeout": DEFAULT_TIMEOUT if self.timeout is None else self.timeout,
            "max_retries": self.max_retries,
            "overflow": self.overflow,
            "auth": auth,
        }

    @property
    def client(self) -> WenxinClient:
        """The core's sync client (made on first use)."""
        if self._client is None:
            with _init_lock, _core_errors_translated():
                if self._client is None:
                    self._client = WenxinClient(
                        self.model, http_client=self.http_client, **self._client_kwargs()
                    )
        return self._client

    @property
    def async_client(self) -> AsyncWenxinClient:
        """The core's async client (made on first use; shares the sync client's auth)."""
        if self._async_client is None:
            with _init_lock, _core_errors_translated():
                if self._async_client is None:
                    self._async_client = AsyncWenxinClient(
                        self.model, http_client=self.http_async_client, **self._client_kwargs()
                    )
        return self._async_client

    # -- translation --------------------------------------------------------------------

    def _call_args(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The core's call arguments for one LangChain call (instance values, then per call)."""
        extra = dict(kwargs)
        extra.pop("stream", None)
        model = extra.pop("model", None)
        endpoint = extra.pop("endpoint", None)
        spec = resolve_model(model, endpoint) if model or endpoint else self._spec
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
                ("user_id", self.user_id),
            )
            if value is not None
        }
        for name in _CALL_PARAMS:
            if name in extra:
                args[name] = extra.pop(name)
        if args.get("temperature") == 0:
            args["temperature"] = MIN_TEMPERATURE
        call_stop = stop if stop is not None else extra.pop("stop", None)
        call_stop = call_stop if call_stop is not None else self.stop
        if call_stop:
            args["stop"] = list(call_stop)
        if "max_tokens" in extra or "max_output_tokens" in extra:
            per_call = extra.pop("max_tokens", None)
            per_call_alt = extra.pop("max_output_tokens", None)
            args["max_output_tokens"] = per_call if per_call is not None else per_call_alt
        elif self.max_tokens is not None and spec.accepts_max_output_tokens:
            args["max_output_tokens"] = self.max_tokens
        elif self.max_tokens is not None:
            warnings.warn(
                f"max_tokens={self.max_tokens} is not supported by {spec.name}; not sent",
                UserWarning,
                stacklevel=4,
            )
        body = {**self.model_kwargs, **extra}
        if body:
            args["extra_body"] = body
        return args

    def _chat_result(self, completion: ChatCompletion) -> ChatResult:
        message = AIMessage(
            content=completion.result,
            id=completion.id or None,
            usage_metadata=usage_metadata(completion.usage),
            response_metadata=response_metadata(completion, self.model_label),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunk(self, chunk: ChatCompletionChunk) -> ChatGenerationChunk:
        if not chunk.is_end:
            return ChatGenerationChunk(
                message=AIMessageChunk(content=chunk.result, id=chunk.id or None)
            )
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=chunk.result,
                id=chunk.id or None,
                usage_metadata=usage_metadata(chunk.usage),
                response_metadata=response_metadata(chunk, self.model_label),
                chunk_position="last",
            )
        )

    # -- the four entry points ----------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with _core_errors_translated():
            args = self._call_args(stop, kwargs)
            completion = self.client.chat(convert_messages(messages), **args)
        return self._chat_result(completion)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with _core_errors_translated():
            args = self._call_args(stop, kwargs)
            completion = await self.async_client.chat(convert_messages(messages), **args)
        return self._chat_result(completion)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with _core_errors_translated():
            args = self._call_args(stop, kwargs)
            with self.client.stream(convert_messages(messages), **args) as stream:
                for item in stream:
                    chunk = self._chunk(item)
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
        with _core_errors_translated():
            args = self._call_args(stop, kwargs)
            stream = self.async_client.stream(convert_messages(messages), **args)
            async with stream:
                async for item in stream:
                    chunk = self._chunk(item)
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync client's own connections (an injected ``http_client`` stays open)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close both clients' own connections (injected httpx clients stay open)."""
        self.close()
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None


# LangChain inspects the signature of ``_generate``/``_agenerate`` on every call to see whether
# it takes ``run_manager``; a precomputed ``__signature__`` (which ``inspect.signature`` returns
# as is) saves that work on each call.
for _method in (ChatWenxin._generate, ChatWenxin._agenerate):
    _method.__dict__["__signature__"] = inspect.signature(_method)
