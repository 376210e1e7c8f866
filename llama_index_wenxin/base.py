"""``Wenxin``: Baidu Qianfan chat models as a LlamaIndex ``LLM``.

The class only translates between LlamaIndex and :mod:`wenxin_core`: messages and options go to
the core's clients, answers come back as ``ChatResponse`` / ``CompletionResponse`` with the
service's usage. Authentication, validation, message normalisation, retries, SSE decoding and the
typed errors are the core's.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import AsyncGenerator, Generator, Sequence
from typing import Any, Literal

import httpx
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
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.llm import LLM
from pydantic import AliasChoices

from llama_index_wenxin.clients import ClientPair
from llama_index_wenxin.messages import to_wire_messages
from llama_index_wenxin.metadata import context_window_for, default_num_output
from llama_index_wenxin.options import SAMPLING_FIELDS, request_options
from llama_index_wenxin.responses import (
    chat_response,
    stream_chat_response,
    to_completion_response,
)
from wenxin_core.auth import Credentials
from wenxin_core.catalog import DEFAULT_MODEL, ModelSpec, resolve_model
from wenxin_core.params import ChatParams

__all__ = ["DEFAULT_MODEL", "Wenxin"]

"""The model used when neither ``model`` nor ``endpoint`` is given."""

_SHARED_ON_COPY = frozenset(
    {"callback_manager", "rate_limiter", "http_client", "async_http_client", "output_parser"}
)
"""Fields a deep copy shares with the original instead of copying."""


def _secret_field(description: str, *aliases: str) -> Any:
    """A credential field: a ``SecretStr``, never serialised, never shown in a repr."""
    return Field(
        default=None,
        description=description,
        exclude=True,
        repr=False,
        validation_alias=AliasChoices(*aliases) if aliases else None,
    )


class Wenxin(LLM):
    """A Baidu Qianfan (文心千帆) chat model: Llama-2, the ERNIE family or a deployed endpoint.

    Credentials come from the arguments or, when none is given, from the environment:
    ``QIANFAN_AK`` / ``QIANFAN_SK`` (an application's API Key / Secret Key, exchanged for an
    access token), ``QIANFAN_ACCESS_TOKEN``, or ``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``
    (the account's IAM keys, bce-auth-v1 signing). ``QIANFAN_BASE_URL`` overrides the host.

    Sampling options set here are the defaults of every call; any of them (and any
    model-specific body field) can be passed per call as a keyword argument.

    Examples:
        ```python
        from llama_index.core import Settings
        from llama_index_wenxin import Wenxin

        Settings.llm = Wenxin(model="Llama-2-13b-chat", temperature=0.7)
        print(Settings.llm.complete("Say hello").text)
        ```

    """

    model: str | None = Field(
        default=None,
        description="Catalog model name, e.g. 'Llama-2-13b-chat' or 'ERNIE-3.5-8K' "
        f"(case-insensitive). Defaults to {DEFAULT_MODEL!r} when no endpoint is given.",
    )
    endpoint: str | None = Field(
        default=None,
        description="Endpoint suffix of a self-deployed service (e.g. Dolly-12B), or of a "
        "deployment of the catalog model given as model.",
    )
    api_key: SecretStr | None = _secret_field(
        "Application API Key (env QIANFAN_AK).", "api_key", "qianfan_ak"
    )
    secret_key: SecretStr | None = _secret_field(
        "Application Secret Key (env QIANFAN_SK).", "secret_key", "qianfan_sk"
    )
    access_token: SecretStr | None = _secret_field(
        "A ready-made access token (env QIANFAN_ACCESS_TOKEN)."
    )
    access_key: SecretStr | None = _secret_field(
        "Account IAM Access Key, bce-auth-v1 signing (env QIANFAN_ACCESS_KEY).",
        "access_key",
        "qianfan_access_key",
    )
    iam_secret_key: SecretStr | None = _secret_field(
        "Account IAM Secret Key, bce-auth-v1 signing (env QIANFAN_SECRET_KEY).",
        "iam_secret_key",
        "qianfan_secret_key",
    )
    base_url: str | None = Field(
        default=None, description="Service base URL (env QIANFAN_BASE_URL)."
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Per-attempt timeout in seconds; None keeps the core's default "
        "(10 s to connect, 300 s to read).",
    )
    max_retries: int = Field(default=2, ge=0, description="Retries of retryable failures.")
    overflow: Literal["truncate", "error"] = Field(
        default="truncate",
        description="Over the model's input budget: drop the oldest turns, or raise.",
    )
    temperature: float | None = Field(default=None, description="Sampling temperature, (0, 1].")
    top_p: float | None = Field(default=None, description="Nucleus sampling, [0, 1].")
    top_k: int | None = Field(default=None, description="Top-k sampling (open models).")
    penalty_score: float | None = Field(default=None, description="Repetition penalty, [1, 2].")
    stop: list[str] | None = Field(default=None, description="Up to 4 stop strings.")
    user_id: str | None = Field(default=None, description="End user id, for abuse monitoring.")
    max_output_tokens: int | None = Field(
        default=None, description="Output limit (models that accept max_output_tokens)."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Model-specific body fields sent with every call (checked by the core).",
    )
    context_window: int | None = Field(
        default=None, gt=0, description="Override of the catalog-derived context window."
    )
    num_output: int | None = Field(
        default=None, gt=0, description="Override of the output budget reserved in prompts."
    )
    http_client: httpx.Client | None = Field(
        default=None, exclude=True, repr=False, description="An httpx.Client to send requests."
    )
    async_http_client: httpx.AsyncClient | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="An httpx.AsyncClient to send async requests.",
    )

    _spec: ModelSpec = PrivateAttr()
    _clients: ClientPair = PrivateAttr()
    _payload: tuple[tuple[int | None, ...], dict[str, Any]] | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        """Validate the fields, then resolve the model and the credentials.

        Raises:
            UnknownModelError: ``model`` is not in the catalog (the message lists the names).
            MissingCredentialsError: no usable credentials in the arguments or the environment.
            WenxinValidationError: ``endpoint`` or ``base_url`` is malformed, or a sampling
                option breaks its rule (e.g. ``temperature`` outside (0, 1]).

        """
        super().__init__(**data)
        if self.model is None and self.endpoint is None:
            self.model = DEFAULT_MODEL
        self._spec = resolve_model(self.model, self.endpoint)
        # Sampling options fail here, at construction, not at the first call.
        ChatParams.build(
            temperature=self.temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            penalty_score=self.penalty_score,
            stop=self.stop or None,
            user_id=self.user_id,
            max_output_tokens=self.max_output_tokens,
        )
        credentials = Credentials.resolve(
            api_key=self.api_key,
            secret_key=self.secret_key,
            access_token=self.access_token,
            access_key=self.access_key,
            iam_secret_key=self.iam_secret_key,
            base_url=self.base_url,
        )
        self._clients = ClientPair(
            credentials,
            model=self.model,
            endpoint=self.endpoint,
            timeout=self.timeout,
            max_retries=self.max_retries,
            overflow=self.overflow,
            http_client=self.http_client,
            async_http_client=self.async_http_client,
        )

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Wenxin:
        """A deep copy of the configuration that shares the HTTP clients and callbacks.

        The core clients (connection pools, token cache, locks) cannot be copied and need not
        be: they are thread-safe and hold no per-conversation state.
        """
        values: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            values[name] = value if name in _SHARED_ON_COPY else copy.deepcopy(value, memo)
        clone = type(self).model_construct(**values)
        clone._spec = self._spec
        clone._clients = self._clients
        return clone

    @classmethod
    def class_name(cls) -> str:
        """Stable name used in serialisation."""
        return "Wenxin_LLM"

    @property
    def metadata(self) -> LLMMetadata:
        """Context window and output budget from the catalog; a chat model without tools."""
        num_output = self.num_output or default_num_output(self._spec, self.max_output_tokens)
        return LLMMetadata(
            context_window=self.context_window or context_window_for(self._spec, num_output),
            num_output=num_output,
            is_chat_model=True,
            is_function_calling_model=False,
            model_name=self._spec.name,
            system_role=MessageRole.SYSTEM,
        )

    def to_payload(self) -> dict[str, Any]:
        """The model's observability payload (class name and metadata, never a credential).

        LlamaIndex builds it for the events of every call; it is made once per configuration
        (the fields the metadata depends on) and handed out as a copy.
        """
        key = (self.context_window, self.num_output, self.max_output_tokens)
        cached = self._payload
        if cached is None or cached[0] != key:
            cached = self._payload = (key, super().to_payload())
        return dict(cached[1])

    # -- translation helpers --------------------------------------------------------------

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        defaults = {name: getattr(self, name) for name in SAMPLING_FIELDS}
        return request_options(defaults, self.additional_kwargs, kwargs)

    def _wire(self, messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
        return to_wire_messages(messages, self.system_prompt)

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
        completion = self._clients.sync.chat(self._wire(messages), **self._options(kwargs))
        return chat_response(completion)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        wire = self._wire(messages)
        options = self._options(kwargs)
        stream = self._clients.sync.stream(wire, **options)

        def gen() -> Generator[ChatResponse, None, None]:
            text = ""
            with stream:
                for chunk in stream:
                    text += chunk.result
                    yield stream_chat_response(chunk, text, chunk.usage if chunk.is_end else None)

        return gen()

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client = self._clients.async_
        completion = await client.chat(self._wire(messages), **self._options(kwargs))
        return chat_response(completion)

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        wire = self._wire(messages)
        options = self._options(kwargs)
        stream = self._clients.async_.stream(wire, **options)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            text = ""
            async with stream:
                async for chunk in stream:
                    text += chunk.result
                    yield stream_chat_response(chunk, text, chunk.usage if chunk.is_end else None)

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

        def gen() -> Generator[CompletionResponse, None, None]:
            for response in responses:
                yield to_completion_response(response)

        return gen()

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async :meth:`chat`."""
        return await self._achat(messages, **kwargs)

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

        async def gen() -> AsyncGenerator[CompletionResponse, None]:
            async for response in responses:
                yield to_completion_response(response)

        return gen()

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP clients this model created (not those passed in)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the sync and async HTTP clients this model created."""
        await self._clients.aclose()


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
        "achat",
        "stream_chat",
        "astream_chat",
        "complete",
        "acomplete",
        "stream_complete",
        "astream_complete",
    ),
)
