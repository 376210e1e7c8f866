"""The typed exceptions of wenxin_core and the mapping from Qianfan's error codes to them.

Every failure the core reports is a :class:`WenxinError`. Errors the service sends carry its
``error_code``, ``error_msg`` and request id; errors raised before a request is sent (bad input)
are :class:`WenxinValidationError` and name the offending field and the rule it broke.
No message built here ever holds a secret: URLs pass through :func:`wenxin_core.redact.redact`.

What an exception keeps is what a user needs (status, code, message, request id, redacted URL,
partial text), never what holds a credential: :func:`scrub_error` makes an error safe before
it reaches a caller (the request it carried for a replay scrubbed and dropped, every chained
cause sanitised, the locals of our own frames that hold a live secret cleared), and
:func:`scrub_request` takes the credential off a request once its exchange is over.
"""

from __future__ import annotations

import contextlib
import json
import types
from collections.abc import Mapping
from typing import Any

import httpx

from wenxin_core.redact import REDACTED, contains_secret, redact

__all__ = [
    "AuthenticationError",
    "BodyLimitError",
    "ContentPolicyError",
    "ContextOverflowError",
    "DeadlineExceededError",
    "InvalidIamTokenError",
    "InvalidMessagesError",
    "InvalidRequestError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceBusyError",
    "StreamInterruptedError",
    "TLSVerificationError",
    "TokenExpiredError",
    "UnknownModelError",
    "UnsupportedParameterError",
    "WenxinConnectionError",
    "WenxinError",
    "WenxinProtocolError",
    "WenxinTimeoutError",
    "WenxinValidationError",
    "error_class_for_code",
    "error_from_body",
    "error_from_status",
    "scrub_error",
    "scrub_request",
]


class WenxinError(Exception):
    """Base class of every error raised by wenxin_core.

    Attributes:
        message: the human-readable text (already redacted).
        error_code: Qianfan's numeric ``error_code`` (or a gateway code string), if any.
        error_msg: Qianfan's ``error_msg`` as sent, if any.
        request_id: the service's request id (``id`` in the body or a request-id header).
        status_code: the HTTP status of the response, if there was one.
        retry_after: seconds the service asked to wait (``Retry-After``), when it said so.

    """

    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        error_code: int | str | None = None,
        error_msg: str | None = None,
        request_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.message = redact(message)
        self.error_code = redact(error_code) if isinstance(error_code, str) else error_code
        self.error_msg = redact(error_msg) if error_msg is not None else None
        self.request_id = redact(request_id) if request_id else request_id
        self.status_code = status_code
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.error_code is not None and f"error_code={self.error_code}" not in self.message:
            parts.append(f"error_code={self.error_code}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return parts[0] if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={getattr(self, 'message', '')!r}, "
            f"error_code={getattr(self, 'error_code', None)!r}, "
            f"request_id={getattr(self, 'request_id', None)!r}, "
            f"status_code={getattr(self, 'status_code', None)!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Keep the error picklable (multiprocessing, caches) with its public attributes.

        The engine's private bookkeeping (``_request``, kept only until the retry loop takes
        it) is never pickled.
        """
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return (_rebuild_error, (type(self), getattr(self, "message", ""), state))


def _rebuild_error(cls: type[WenxinError], message: str, state: dict[str, Any]) -> WenxinError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class BodyLimitError(WenxinError):
    """A JSON body went over a documented bound: its size or its nesting depth.

    :mod:`wenxin_core.jsonsafe` decodes every body and event the service sends within
    :data:`~wenxin_core.jsonsafe.MAX_JSON_BYTES` (64 MiB) and
    :data:`~wenxin_core.jsonsafe.MAX_JSON_DEPTH` (512 levels); a body over either is this
    error, never a ``RecursionError``. Not retried: the same server would send it again.

    Attributes:
        limit: the bound that was exceeded (bytes, or levels of nesting).
        kind: ``"size"`` or ``"depth"``.

    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        kind: str,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.limit = limit
        self.kind = kind
        super().__init__(message, status_code=status_code, request_id=request_id)


class WenxinValidationError(WenxinError, ValueError):
    """Bad input caught locally, before any request was sent.

    Attributes:
        field: the offending field (``"temperature"``, ``"messages[2].role"``, ``"model"``, ...).
        rule: the rule it broke, in words (``"must be in (0, 1]"``).

    """

    def __init__(self, field: str, rule: str, *, message: str | None = None) -> None:
        self.field = field
        self.rule = rule
        super().__init__(message or f"Invalid value for '{field}': {rule}")


class UnknownModelError(WenxinValidationError):
    """The model name is not in the catalog (use ``endpoint=`` for a self-deployed service)."""


class UnsupportedParameterError(WenxinValidationError):
    """A parameter the chosen model does not accept (e.g. ``top_k`` on ERNIE)."""


class InvalidMessagesError(WenxinValidationError):
    """The conversation cannot be sent: no user turn, ends with an assistant turn, bad content."""


class ContextOverflowError(WenxinValidationError):
    """The conversation exceeds the model's input budget and truncation was disabled.

    Attributes:
        limit: the character budget of the model.
        length: the number of characters that would have been sent.

    """

    def __init__(self, field: str, rule: str, *, limit: int, length: int) -> None:
        self.limit = limit
        self.length = length
        super().__init__(field, rule)


class AuthenticationError(WenxinError):
    """Credentials were missing, wrong, or of the wrong kind (application vs IAM keys)."""


class MissingCredentialsError(AuthenticationError):
    """No usable credentials were given as arguments or found in the environment."""


class TokenExpiredError(AuthenticationError):
    """The access token was rejected (110/111); the client refreshes it once and replays."""


class InvalidIamTokenError(TokenExpiredError):
    """V2 answered HTTP 401 ``invalid_iam_token``: a bad or expired key.

    With IAM keys the client mints a new bearer token once and replays; with an API key it is
    final.
    """


class PermissionDeniedError(WenxinError):
    """The application may not use this model or service (6, 336004, HTTP 403)."""


class ContentPolicyError(PermissionDeniedError):
    """V2 refused the content (HTTP 403 ``system_unsafe``, ``user_setting_unsafe``...)."""


class RateLimitError(WenxinError):
    """A request-rate or token-rate limit was hit (4, 18, 336501, 336502, HTTP 429).

    Attributes:
        rate_limits: the service's ``X-Ratelimit-*`` figures on the refusal (V2), if sent.

    """

    rate_limits: Any = None


class QuotaExceededError(RateLimitError):
    """A daily or total quota is exhausted (17, 19): waiting a few seconds will not help."""


class InvalidRequestError(WenxinError):
    """The service rejected the request as malformed or invalid (336001-336006, 4xx)."""


class NotFoundError(InvalidRequestError):
    """The endpoint does not exist (3, 336005, HTTP 404): a wrong model or endpoint name."""


class ServerError(WenxinError):
    """The service failed (1, 2, 15, 336000, HTTP 5xx); retried with backoff."""


class ServiceBusyError(ServerError):
    """The service is overloaded (336100); retried with backoff."""


class WenxinConnectionError(WenxinError):
    """The connection could not be made or was lost before a response arrived."""


class WenxinTimeoutError(WenxinError):
    """A connect, read, write or pool timeout expired (the timeout applies per attempt)."""


class StreamInterruptedError(WenxinError):
    """A stream closed before its ``is_end: true`` event.

    Attributes:
        partial_text: the text received before the stream broke off.
        chunks_received: how many events arrived.

    """

    def __init__(
        self,
        message: str,
        *,
        partial_text: str = "",
        chunks_received: int = 0,
        request_id: str | None = None,
    ) -> None:
        self.partial_text = partial_text
        self.chunks_received = chunks_received
        super().__init__(message, request_id=request_id)


class WenxinProtocolError(WenxinConnectionError):
    """The server broke HTTP/1.1 (malformed status line or header, bad chunked framing...).

    Also a body shorter than announced, or an answer nobody asked for.

    A connection error (retried like one); the connection it came on is never reused.
    """


class ResponseTooLargeError(WenxinProtocolError):
    """A response went over one of the client's size limits and was refused before it grew.

    Header lines and header count (8 KiB a line, 128 headers on the async path; 100 KiB of
    headers on the sync path), one SSE line or one event (``max_event_size``, 16 MiB by
    default), a compressed body once decompressed (``max_decompressed_size``). Not retried:
    the same server would most likely send the same answer again.

    Attributes:
        limit: the limit that was exceeded, in bytes (when known).

    """

    def __init__(self, message: str, *, limit: int | None = None) -> None:
        self.limit = limit
        super().__init__(message)


class TLSVerificationError(WenxinConnectionError):
    """The server's TLS certificate did not verify (self-signed, expired, wrong host...).

    Never retried: another attempt meets the same certificate.
    """


class DeadlineExceededError(WenxinTimeoutError):
    """An attempt ran past ``total_timeout``, its overall limit.

    The limit runs from sending the request (a token fetch included) to the last byte of the
    answer or stream.

    A timeout like the per-phase ones, so retried like them while retries remain.
    """


_CODE_TO_CLASS: dict[int, type[WenxinError]] = {
    1: ServerError,
    2: ServerError,
    3: NotFoundError,
    4: RateLimitError,
    6: PermissionDeniedError,
    13: AuthenticationError,
    14: AuthenticationError,
    15: ServerError,
    17: QuotaExceededError,
    18: RateLimitError,
    19: QuotaExceededError,
    100: AuthenticationError,
    110: TokenExpiredError,
    111: TokenExpiredError,
    336000: ServerError,
    336001: InvalidRequestError,
    336002: InvalidRequestError,
    336003: InvalidRequestError,
    336004: PermissionDeniedError,
    336005: NotFoundError,
    336006: InvalidRequestError,
    336007: InvalidRequestError,
    336100: ServiceBusyError,
    336101: InvalidRequestError,
    336501: RateLimitError,
    336502: RateLimitError,
}

_HINTS: dict[int, str] = {
    3: "the endpoint does not exist: check the model name, or pass endpoint= for a "
    "self-deployed service (the suffix only, not a full URL)",
    6: "this application may not use this model: enable the service in the Qianfan console",
    14: "IAM signing failed: QIANFAN_ACCESS_KEY/QIANFAN_SECRET_KEY must be the account's IAM keys, "
    "not the application's API Key/Secret Key (QIANFAN_AK/QIANFAN_SK)",
    17: "daily quota reached: on Qianfan this usually means billing is not enabled",
    336006: "messages must alternate user/assistant, start and end with user (odd count)",
}


def error_class_for_code(code: int | None) -> type[WenxinError]:
    """Return the exception class for a Qianfan ``error_code`` (``WenxinError`` if unknown)."""
    if code is None:
        return WenxinError
    return _CODE_TO_CLASS.get(code, WenxinError)


def _status_class(status: int) -> type[WenxinError]:
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return InvalidRequestError
    return WenxinError


def error_from_body(
    body: Mapping[str, Any],
    *,
    status_code: int | None = None,
    request_id: str | None = None,
) -> WenxinError:
    """Build the typed error for a Qianfan error body ``{"error_code", "error_msg", "id"}``."""
    raw_code = body.get("error_code")
    code: int | None
    try:
        code = int(raw_code) if raw_code is not None else None
    except (TypeError, ValueError):
        code = None
    msg = str(body.get("error_msg", "")) or "unknown error"
    rid = str(body.get("id")) if body.get("id") else request_id
    cls = error_class_for_code(code)
    if cls is WenxinError and status_code is not None:
        cls = _status_class(status_code)
    text = f"Qianfan error {code}: {msg}"
    if code in _HINTS:
        text += f" ({_HINTS[code]})"
    return cls(text, error_code=code, error_msg=msg, request_id=rid, status_code=status_code)


def error_from_status(
    status_code: int,
    *,
    body_excerpt: str = "",
    gateway_code: str | None = None,
    gateway_message: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> WenxinError:
    """Build the typed error for a non-2xx response that carries no Qianfan error body."""
    cls = _status_class(status_code)
    if gateway_code in {"IamSignatureInvalid", "SignatureDoesNotMatch", "AccessDenied"}:
        cls = AuthenticationError
    text = f"HTTP {status_code}"
    if gateway_code:
        text += f" {gateway_code}"
    if gateway_message:
        text += f": {gateway_message}"
    if body_excerpt:
        text += f" - {body_excerpt[:200]}"
    err = cls(
        text,
        error_code=gateway_code,
        error_msg=gateway_message or body_excerpt[:200] or None,
        request_id=request_id,
        status_code=status_code,
    )
    err.retry_after = retry_after
    return err


# --- Keeping secrets out of what an exception reaches -------------------------------------

_SECRET_HEADERS = ("authorization", "proxy-authorization", "x-bce-security-token", "cookie")
_SECRET_QUERY = (b"access_token=", b"client_secret=", b"client_id=")
_OUR_MODULES = ("wenxin_core", "langchain_wenxin", "llama_index_wenxin")


def scrub_request(request: httpx.Request | None) -> None:
    """Take the credential off ``request`` in place, once its exchange is over.

    The ``Authorization`` header (and the other credential headers) become ``***`` and the URL
    loses its token, keys and signature (``access_token=***``). Every object that still
    refers to the request (a response, an httpx exception, a traceback's locals) then shows
    no secret. Never call it on a request that is still to be sent.
    """
    if request is None:
        return
    headers = request.headers
    for name in _SECRET_HEADERS:
        if name in headers and headers[name] != REDACTED:
            headers[name] = REDACTED
    query = request.url.query
    if query and any(part in query for part in _SECRET_QUERY):
        request.url = httpx.URL(redact(str(request.url)))


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception chained under it (causes and contexts), cycles cut."""
    seen: list[BaseException] = []
    stack: list[BaseException] = [error]
    while stack and len(seen) < 64:
        exc = stack.pop()
        if any(exc is e for e in seen):
            continue
        seen.append(exc)
        for linked in (exc.__context__, exc.__cause__):
            if linked is not None:
                stack.append(linked)
    return seen


def _sanitize_foreign(exc: BaseException) -> None:
    """Make an exception of another library (httpx, httpcore, json...) safe to keep as a cause.

    Its type and (redacted) message stay, as the description of what happened; the request
    it refers to is scrubbed, a decoding error forgets the document it was decoding, and its
    traceback (the library's frames, whose locals hold copies of headers and URLs) is dropped.
    """
    exc.__traceback__ = None
    if isinstance(exc, httpx.HTTPError):
        scrub_request(getattr(exc, "_request", None))
    if isinstance(exc, httpx.HTTPStatusError):
        scrub_request(exc.response.request)
    if isinstance(exc, json.JSONDecodeError):
        exc.doc = ""
    if exc.args and any(isinstance(arg, str) for arg in exc.args):
        exc.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in exc.args)


_OPAQUE = (
    int,
    float,
    bool,
    type(None),
    type,
    types.ModuleType,
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.FrameType,
    types.TracebackType,
    httpx.Client,
    httpx.AsyncClient,
    httpx.BaseTransport,
    httpx.AsyncBaseTransport,
)
"""What the leak check does not look into: scalars, code, and the live pools of a client."""


def _holds_secret(value: object, depth: int = 0, seen: set[int] | None = None) -> bool:
    """Whether a local variable reaches a live secret in plain (bounded walk, no ``SecretStr``).

    Looks through strings and bytes, containers, requests and responses (and what they keep
    inside, e.g. the transport's copy of the request headers) and objects' attributes, a few
    levels deep; a ``SecretStr`` counts as safe.
    """
    if isinstance(value, (str, bytes)):
        return contains_secret(value)
    if isinstance(value, (bytearray, memoryview)):
        return contains_secret(bytes(value))
    if depth >= 8 or isinstance(value, _OPAQUE) or type(value).__name__ == "SecretStr":
        return False
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, httpx.Request) and any(
        name in value.headers and value.headers[name] != REDACTED for name in _SECRET_HEADERS
    ):
        return True
    items: list[object]
    if isinstance(value, Mapping):
        items = [v for pair in list(value.items())[:256] for v in pair]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)[:256]
    else:
        state = getattr(value, "__dict__", None)
        items = list(state.values())[:256] if isinstance(state, dict) else []
        for slot in getattr(type(value), "__slots__", ()):
            if isinstance(slot, str):
                items.append(getattr(value, slot, None))
    return any(_holds_secret(item, depth + 1, seen) for item in items)


def _clear_leaky_frames(tb: types.TracebackType | None) -> None:
    """Clear the locals of our own finished frames that hold a live secret in plain."""
    while tb is not None:
        frame = tb.tb_frame
        name = frame.f_globals.get("__name__", "")
        if name.split(".", 1)[0] in _OUR_MODULES and any(
            _holds_secret(value) for value in list(frame.f_locals.values())
        ):
            with contextlib.suppress(RuntimeError):  # still executing: not ours to clear
                frame.clear()
        tb = tb.tb_next


def scrub_error(error: BaseException, request: httpx.Request | None = None) -> BaseException:
    """Make ``error`` safe to hand to a caller, in place, and return it.

    * ``request`` (the attempt's request, when the caller has it), the request the engine kept
      for a replay (``_request``) and the requests of chained httpx exceptions are scrubbed in
      place (:func:`scrub_request`): every response, exception and frame that refers to them
      then shows no credential;
    * every exception chained under it (``__cause__``/``__context__``) that is not ours is
      sanitised: its type and redacted message stay as the description of what happened, its
      traceback (the library's frames, whose locals hold copies of headers and URLs) is
      dropped, a JSON decoding error forgets its document;
    * our own finished frames in the tracebacks of our errors whose locals still hold a live
      secret in plain (a token echoed in a body) are cleared.

    Call it where an error leaves the engine (the retry loop giving up, a stream failing);
    safe to call more than once and on any exception.
    """
    scrub_request(request)
    chain = _chain(error)
    for exc in chain:
        if isinstance(exc, WenxinError):
            scrub_request(exc.__dict__.pop("_request", None))
        elif isinstance(exc, httpx.HTTPError):
            scrub_request(getattr(exc, "_request", None))
    for exc in chain:
        if isinstance(exc, WenxinError):
            _clear_leaky_frames(exc.__traceback__)
        else:
            _sanitize_foreign(exc)
    return error
