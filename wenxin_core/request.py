"""Building chat requests and reading their responses: the I/O-free half of the clients."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import (
    WenxinConnectionError,
    WenxinError,
    WenxinTimeoutError,
    error_from_body,
    error_from_status,
)
from wenxin_core.messages import MessageLike, OverflowPolicy, normalize_messages
from wenxin_core.params import ChatParams
from wenxin_core.redact import redact_url
from wenxin_core.retry import parse_retry_after
from wenxin_core.types import ChatCompletion, ChatCompletionChunk, Usage

__all__ = [
    "DEFAULT_TIMEOUT",
    "PreparedChat",
    "error_for_response",
    "final_usage",
    "header_map",
    "is_event_stream",
    "parse_completion",
    "prepare_chat",
    "request_id_of",
    "translate_transport_error",
]

DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=10.0)
"""A short connect timeout and a generous one for reading: long replies take minutes."""

_REQUEST_ID_HEADERS = ("x-bce-request-id", "x-baidu-request-id", "x-request-id", "request-id")
_JSON_HEADERS = {"Content-Type": "application/json"}
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Compact UTF-8 JSON, made once (``json.dumps`` with options builds an encoder per call)."""


@dataclass(frozen=True)
class PreparedChat:
    """A validated, encoded chat request, ready to send (and to replay on retry).

    Attributes:
        spec: the model or endpoint it goes to.
        body: the JSON body, UTF-8 encoded.
        stream: whether the body asks for Server-Sent Events.
        dropped_turns: turns dropped by normalisation to fit the budget.

    """

    spec: ModelSpec
    body: bytes
    stream: bool
    dropped_turns: int = 0

    @property
    def path(self) -> str:
        """The chat path relative to the base URL."""
        return self.spec.path

    @property
    def headers(self) -> dict[str, str]:
        """The request headers (auth adds its own)."""
        return _JSON_HEADERS


def prepare_chat(
    spec: ModelSpec,
    messages: Iterable[MessageLike],
    params: ChatParams,
    *,
    system: str | None = None,
    stream: bool = False,
    overflow: OverflowPolicy = "truncate",
) -> PreparedChat:
    """Validate and normalise a call into a :class:`PreparedChat`. Sends nothing.

    Raises:
        WenxinValidationError: a parameter, a message or the length breaks a rule.

    """
    params.check_supported(spec)
    normalized = normalize_messages(messages, spec, system=system, overflow=overflow)
    body: dict[str, Any] = {"messages": normalized.messages}
    if normalized.system is not None:
        body["system"] = normalized.system
    body.update(params.body_fields())
    if stream:
        body["stream"] = True
    encoded = _ENCODER.encode(body).encode("utf-8")
    return PreparedChat(
        spec=spec, body=encoded, stream=stream, dropped_turns=normalized.dropped_turns
    )


def header_map(response: httpx.Response) -> dict[str, str]:
    """The response's headers as a plain lower-cased dict, built once per response.

    ``httpx.Headers`` lookups re-decode every header on each access; reading a handful of
    headers that way costs more than the rest of a call's client-side work.
    """
    cached: dict[str, str] | None = response.__dict__.get("_wenxin_headers")
    if cached is None:
        cached = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in response.headers.raw
        }
        response.__dict__["_wenxin_headers"] = cached
    return cached


def request_id_of(response: httpx.Response) -> str | None:
    """The request id the service put in a header, if any."""
    headers = header_map(response)
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def is_event_stream(response: httpx.Response) -> bool:
    """Whether a response to a stream request should be read as Server-Sent Events.

    Errors come as JSON even for streams (HTTP 200, ``application/json``), and gateway failures
    as non-2xx with any body: those are read whole. Anything else that answers a stream request
    is read as events, whatever its declared type (``text/event-stream`` normally).
    """
    if response.status_code >= 300:
        return False
    content_type = header_map(response).get("content-type", "").lower()
    return "json" not in content_type and "html" not in content_type


def error_for_response(response: httpx.Response, content: bytes) -> WenxinError | None:
    """The typed error a response carries, or ``None`` if it is a success.

    Qianfan errors mostly come with HTTP 200 and ``{"error_code", "error_msg", "id"}``; gateway
    failures are non-2xx with ``X-Bce-Error-Code`` / ``X-Bce-Error-Message`` headers, an empty
    body or an HTML page.
    """
    status = response.status_code
    if status < 400 and b'"error_code"' not in content and content[:1] == b"{":
        return None  # the common case: a JSON answer that is not an error (parsed once, later)
    body: Any = None
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            body = None
    headers = header_map(response)
    retry_after = parse_retry_after(headers.get("retry-after"))
    request_id = request_id_of(response)
    if isinstance(body, dict) and "error_code" in body:
        error = error_from_body(body, status_code=status, request_id=request_id)
        error.retry_after = retry_after
        return error
    if status >= 400:
        excerpt = content[:200].decode("utf-8", errors="replace").strip() if content else ""
        return error_from_status(
            status,
            body_excerpt=" ".join(excerpt.split()),
            gateway_code=headers.get("x-bce-error-code"),
            gateway_message=headers.get("x-bce-error-message"),
            request_id=request_id,
            retry_after=retry_after,
        )
    if not isinstance(body, dict):
        excerpt = content[:200].decode("utf-8", errors="replace")
        return WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not a JSON object "
            f"(HTTP {status}, {headers.get('content-type', 'no type')}): {excerpt!r}",
            status_code=status,
            request_id=request_id,
        )
    return None


def parse_completion(response: httpx.Response, content: bytes, spec: ModelSpec) -> ChatCompletion:
    """Parse a successful JSON chat answer (call :func:`error_for_response` first).

    Raises:
        WenxinError: the body is not a chat completion.

    """
    try:
        completion = ChatCompletion.model_validate_json(content)
    except ValueError as exc:
        raise WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: {exc}",
            status_code=response.status_code,
            request_id=request_id_of(response),
        ) from None
    completion.model = spec.name
    completion.request_id = request_id_of(response) or completion.id or None
    return completion


def final_usage(chunk: ChatCompletionChunk) -> Usage:
    """The final usage of a stream from its ``is_end`` event (completion = total - prompt)."""
    raw = chunk.usage or Usage()
    prompt = raw.prompt_tokens
    total = max(raw.total_tokens, prompt)
    return Usage(prompt_tokens=prompt, completion_tokens=total - prompt, total_tokens=total)


def translate_transport_error(exc: httpx.HTTPError, request: httpx.Request | None) -> WenxinError:
    """Map an httpx exception to a typed error whose message shows no secret."""
    where = f" ({request.method} {redact_url(request.url)})" if request is not None else ""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return WenxinTimeoutError(f"Request timed out: {type(exc).__name__}{where}")
    return WenxinConnectionError(f"Connection failed: {detail}{where}")
