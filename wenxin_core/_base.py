"""What the sync and async clients share: configuration, request preparation, retry bookkeeping."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import httpx
from pydantic import SecretStr

from wenxin_core import jsonsafe
from wenxin_core._http.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_DECOMPRESSED_SIZE,
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_TOTAL_TIMEOUT,
    check_http_limits,
)
from wenxin_core.auth import AccessTokenAuth, Credentials, build_auth
from wenxin_core.catalog import Api, ModelSpec, resolve_model
from wenxin_core.errors import (
    StreamInterruptedError,
    TokenExpiredError,
    WenxinError,
    WenxinValidationError,
    scrub_error,
)
from wenxin_core.messages import MessageLike, OverflowPolicy
from wenxin_core.ratelimit.engine import check_limiter
from wenxin_core.ratelimit.errors import LimiterWaitError
from wenxin_core.request import DEFAULT_TIMEOUT
from wenxin_core.retry import DEFAULT_MAX_RETRIES, RetryPolicy
from wenxin_core.types import Embeddings, Usage
from wenxin_core.vector_catalog import (
    EmbeddingSpec,
    RerankSpec,
    resolve_embedding_model,
    resolve_rerank_model,
)
from wenxin_core.wire import PreparedChat, PreparedPost, Wire, wire_for
from wenxin_core.wire.v2 import vectors

if TYPE_CHECKING:
    from wenxin_core.ratelimit.base import RateLimiter

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_V2_BASE_URL",
    "EMBED_CONCURRENCY",
    "UNSET",
    "ChatOptions",
    "ClientBase",
    "ClientOptions",
    "RetryState",
    "TimeoutTypes",
    "embeddings_of",
]

logger = logging.getLogger("wenxin_core")

DEFAULT_BASE_URL = "https://aip.baidubce.com"
"""V1's public host (shut on 2026-08-31; private deployments use ``base_url``)."""

EMBED_CONCURRENCY = 4
"""How many embeddings calls one ``embed()`` keeps in flight (its texts split by 16)."""

DEFAULT_V2_BASE_URL = "https://qianfan.baidubce.com/v2"
"""V2's base URL; ``QIANFAN_BASE_URL`` or ``base_url=`` override it."""

TimeoutTypes = float | httpx.Timeout | None
"""A timeout in seconds for every phase, an ``httpx.Timeout``, or ``None`` for none."""


class ChatOptions(TypedDict, total=False):
    """The per-call options of ``chat()`` and ``stream()``; all optional.

    ``model`` overrides the client's for one call (V1: ``endpoint`` too); ``system`` is added
    before any system turn of the messages; the sampling options are checked against the model
    (``top_k`` is V1 only; ``seed``, the penalties, ``tools``, ``tool_choice``,
    ``parallel_tool_calls``, ``response_format``, ``reasoning`` and ``web_search`` are V2 only);
    ``extra_body`` carries model-specific body fields; ``timeout`` (seconds, an
    ``httpx.Timeout``, or ``None`` for none) replaces the client's for each attempt.
    """

    model: str | None
    endpoint: str | None
    system: str | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    penalty_score: float | None
    stop: Sequence[str] | None
    user_id: str | None
    max_output_tokens: int | None
    seed: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    tools: Sequence[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    response_format: Mapping[str, Any] | None
    reasoning: bool | Mapping[str, Any] | None
    web_search: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    timeout: TimeoutTypes


class ClientOptions(TypedDict, total=False):
    """The constructor options both clients share (see :class:`WenxinClient`)."""

    api: Api
    endpoint: str | None
    api_key: str | SecretStr | None
    access_key: str | SecretStr | None
    secret_key: str | SecretStr | None
    app_id: str | None
    iam_base_url: str | None
    qianfan_ak: str | SecretStr | None
    qianfan_sk: str | SecretStr | None
    access_token: str | SecretStr | None
    base_url: str | None
    timeout: TimeoutTypes
    max_retries: int
    rate_limit: RateLimiter | None
    overflow: OverflowPolicy
    auth: httpx.Auth | None
    capabilities: Mapping[str, Any] | None
    max_connections: int | None
    total_timeout: float | None
    max_event_size: int
    max_decompressed_size: int


class RetryState:
    """Counts the attempts of one call and decides what to do after each failure."""

    def __init__(self, policy: RetryPolicy, auth: httpx.Auth) -> None:
        self._policy = policy
        self._auth = auth
        self.retries = 0
        self.token_replayed = False

    def next_delay(self, error: WenxinError, request: httpx.Request | None = None) -> float | None:
        """Seconds to wait before trying again, or ``None`` to give up and raise ``error``.

        A rejected access token (110/111) is refreshed once and the request replayed at once;
        that replay is not counted as a retry. An error given up on is scrubbed first
        (:func:`~wenxin_core.errors.scrub_error`): it reaches the caller holding no secret.
        """
        delay = self._decide(error, request)
        if delay is None:
            scrub_error(error, request)
        return delay

    def _decide(self, error: WenxinError, request: httpx.Request | None) -> float | None:
        if isinstance(error, LimiterWaitError):
            return None  # our limiter's budget frees too late for this call: never retried
        if isinstance(error, TokenExpiredError):
            if (
                not self.token_replayed
                and request is not None
                and getattr(self._auth, "refreshable", isinstance(self._auth, AccessTokenAuth))
            ):
                self.token_replayed = True
                self._auth.rejected(request)  # type: ignore[attr-defined]
                logger.debug("access token rejected (error %s); refreshing once", error.error_code)
                return 0.0
            return None
        retryable = self._policy.should_retry(error, self.retries) or (
            isinstance(error, StreamInterruptedError)
            and error.chunks_received == 0
            and self.retries < self._policy.max_retries
        )
        if not retryable:
            return None
        delay = self._policy.delay(error, self.retries)
        self.retries += 1
        logger.debug(
            "retry %d/%d in %.2fs after %s: %s",
            self.retries,
            self._policy.max_retries,
            delay,
            type(error).__name__,
            error,
        )
        return delay


class ClientBase:
    """Configuration shared by :class:`WenxinClient` and :class:`AsyncWenxinClient`."""

    def __init__(
        self,
        model: str | None = None,
        *,
        api: Api = "v2",
        endpoint: str | None = None,
        api_key: str | SecretStr | None = None,
        access_key: str | SecretStr | None = None,
        secret_key: str | SecretStr | None = None,
        app_id: str | None = None,
        iam_base_url: str | None = None,
        qianfan_ak: str | SecretStr | None = None,
        qianfan_sk: str | SecretStr | None = None,
        access_token: str | SecretStr | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_limit: RateLimiter | None = None,
        overflow: OverflowPolicy = "truncate",
        auth: httpx.Auth | None = None,
        capabilities: Mapping[str, Any] | None = None,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        max_decompressed_size: int = DEFAULT_MAX_DECOMPRESSED_SIZE,
    ) -> None:
        if api not in ("v1", "v2"):
            raise WenxinValidationError("api", "must be 'v2' (the live service) or 'v1' (legacy)")
        if max_retries < 0:
            raise WenxinValidationError("max_retries", "must be a non-negative integer")
        if overflow not in ("truncate", "error"):
            raise WenxinValidationError("overflow", "must be 'truncate' or 'error'")
        self.api: Api = api
        self.wire: Wire = wire_for(api)
        self.capabilities = dict(capabilities) if capabilities else None
        self.spec: ModelSpec | None = (
            self._resolve(model, endpoint) if model is not None or endpoint is not None else None
        )
        self.app_id = app_id
        if auth is None:
            credentials = Credentials.resolve(
                api=api,
                api_key=api_key,
                access_key=access_key,
                secret_key=secret_key,
                app_id=app_id,
                iam_base_url=iam_base_url,
                qianfan_ak=qianfan_ak,
                qianfan_sk=qianfan_sk,
                access_token=access_token,
                base_url=base_url,
            )
            auth = build_auth(credentials)
            resolved_base = credentials.base_url
            self.app_id = credentials.app_id
        else:
            default = DEFAULT_BASE_URL if api == "v1" else DEFAULT_V2_BASE_URL
            resolved_base = base_url or os.environ.get("QIANFAN_BASE_URL") or default
            if self.app_id is None and api == "v2":
                self.app_id = os.environ.get("QIANFAN_APP_ID") or None
        self.base_url = resolved_base.rstrip("/")
        self.auth = auth
        if not (timeout is None or isinstance(timeout, (int, float, httpx.Timeout))) or (
            isinstance(timeout, (int, float)) and (isinstance(timeout, bool) or timeout <= 0)
        ):
            raise WenxinValidationError(
                "timeout", f"must be seconds above 0, an httpx.Timeout or None (got {timeout!r})"
            )
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self.rate_limit = check_limiter(rate_limit)
        self.overflow: OverflowPolicy = overflow
        self.extra_headers: dict[str, str] = (
            {"appid": self.app_id} if self.app_id and api == "v2" else {}
        )
        self._request_headers = {"Content-Type": "application/json", **self.extra_headers}
        self._urls: dict[str, httpx.URL] = {}
        self.max_connections, self.total_timeout, self.max_event_size = check_http_limits(
            max_connections, total_timeout, max_event_size, max_decompressed_size
        )
        self.max_decompressed_size = max_decompressed_size

    def __repr__(self) -> str:
        name = getattr(getattr(self, "spec", None), "name", None)
        base = getattr(self, "base_url", None)
        api = getattr(self, "api", None)
        return f"{type(self).__name__}(model={name!r}, api={api!r}, base_url={base!r})"

    def _resolve(self, model: str | None, endpoint: str | None) -> ModelSpec:
        spec = resolve_model(model, endpoint, api=self.api)
        if self.capabilities:
            spec = spec.with_overrides(self.capabilities)
        return spec

    def resolve_spec(self, model: str | None, endpoint: str | None) -> ModelSpec:
        """The spec for a call: per-call ``model``/``endpoint`` over the client's own."""
        if model is None and endpoint is None:
            if self.spec is None:
                raise WenxinValidationError(
                    "model",
                    "no model given: pass model= (e.g. 'ernie-4.5-turbo-32k', or your "
                    "service's API name) to the client or to the call",
                )
            return self.spec
        return self._resolve(model, endpoint)

    def prepare(
        self, messages: Iterable[MessageLike], *, stream: bool, options: Mapping[str, Any]
    ) -> tuple[PreparedChat, httpx.Timeout]:
        """Validate a call and encode its request; return it with its per-attempt timeout.

        Raises before anything is sent: an unknown option, a parameter out of range or not
        accepted by the model, or a conversation that cannot be sent.
        """
        values: Mapping[str, Any] = options
        timeout, system, extra_body = self.timeout, None, None
        if not options:  # the common call: the client's own settings, nothing to copy
            spec = self.resolve_spec(None, None)
        else:
            values = dict(options)
            timeout = self.timeout_for(values.pop("timeout", UNSET))
            model = values.pop("model", None)
            endpoint = values.pop("endpoint", None)
            system = values.pop("system", None)
            extra_body = values.pop("extra_body", None)
            self.wire.check_options(values)
            spec = self.resolve_spec(model, endpoint)
        prepared = self.wire.prepare(
            spec,
            messages,
            values,
            system=system,
            extra_body=extra_body,
            stream=stream,
            overflow=self.overflow,
        )
        return prepared, timeout

    def url_for(self, prepared: PreparedChat | PreparedPost) -> httpx.URL:
        """The absolute URL of a prepared call (parsed once per path)."""
        url = self._urls.get(prepared.path)
        if url is None:
            url = self._urls[prepared.path] = httpx.URL(self.base_url + prepared.path)
        return url

    def embedding_calls(
        self, texts: Sequence[str], model: str, truncate: bool
    ) -> tuple[EmbeddingSpec, list[tuple[PreparedPost, int]]]:
        """The checked embeddings calls of ``texts``: each body and how many texts it carries."""
        self._require_v2("embed")
        spec = resolve_embedding_model(model)
        batches = vectors.embedding_batches(spec, texts, truncate=truncate)
        return spec, [
            (PreparedPost(vectors.EMBEDDINGS_PATH, vectors.embedding_body(spec, b)), len(b))
            for b in batches
        ]

    def rerank_call(
        self,
        query: str,
        documents: Sequence[str],
        model: str,
        top_n: int | None,
        truncate: bool,
    ) -> tuple[RerankSpec, PreparedPost, list[str]]:
        """The checked rerank call: its spec, its request and the documents as sent."""
        self._require_v2("rerank")
        spec = resolve_rerank_model(model)
        body, docs = vectors.rerank_body(spec, query, documents, top_n=top_n, truncate=truncate)
        return spec, PreparedPost(vectors.RERANK_PATH, body), docs

    def _require_v2(self, what: str) -> None:
        if self.api != "v2":
            raise WenxinValidationError("api", f"{what}() is served by the V2 API only")

    def models_url(self) -> str:
        """The V2 model-list URL (raises on a V1 client)."""
        if self.api != "v2":
            raise WenxinValidationError("api", "models() lists V2 model ids; V1 has no list")
        return self.base_url + "/models"

    def parse_models(self, response: httpx.Response, content: bytes) -> list[str]:
        """The ids of a ``GET /models`` answer (OpenAI list shape), or its typed error."""
        error = self.wire.error_for_response(response, content)
        if error is not None:
            raise scrub_error(error, response.request)
        try:
            data = jsonsafe.loads(content)["data"]
            return [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]
        except (ValueError, KeyError, TypeError):
            raise WenxinError(
                "Unexpected answer to GET /models: not a model list",
                status_code=response.status_code,
            ) from None

    def timeout_for(self, timeout: TimeoutTypes | object) -> httpx.Timeout:
        """The per-attempt timeout of a call (the client's unless the call gives one)."""
        if timeout is _UNSET:
            return self.timeout
        if isinstance(timeout, httpx.Timeout):
            return timeout
        if timeout is None or isinstance(timeout, (int, float)):
            return httpx.Timeout(timeout)
        raise WenxinValidationError("timeout", "must be seconds, an httpx.Timeout or None")


def embeddings_of(model: str, results: Sequence[tuple[list[list[float]], Usage]]) -> Embeddings:
    """One :class:`Embeddings` from the answers of its calls (in input order, usage summed)."""
    usage = Usage()
    vectors: list[list[float]] = []
    for batch, batch_usage in results:
        vectors.extend(batch)
        usage.prompt_tokens += batch_usage.prompt_tokens
        usage.completion_tokens += batch_usage.completion_tokens
        usage.total_tokens += batch_usage.total_tokens
    return Embeddings(vectors=vectors, model=model, usage=usage, calls=len(results))


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Any = _Unset()
UNSET: Any = _UNSET
"""Marker for "argument not given" where ``None`` has a meaning (``timeout=None``: no timeout)."""
