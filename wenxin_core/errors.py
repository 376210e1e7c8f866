"""The typed exceptions of wenxin_core and the mapping from Qianfan's error codes to them.

Every failure the core reports is a :class:`WenxinError`. Errors the service sends carry its
``error_code``, ``error_msg`` and request id; errors raised before a request is sent (bad input)
are :class:`WenxinValidationError` and name the offending field and the rule it broke.
No message built here ever holds a secret: URLs pass through :func:`wenxin_core.redact.redact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wenxin_core.redact import redact

__all__ = [
    "AuthenticationError",
    "ContentPolicyError",
    "ContextOverflowError",
    "InvalidIamTokenError",
    "InvalidMessagesError",
    "InvalidRequestError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "ServerError",
    "ServiceBusyError",
    "StreamInterruptedError",
    "TokenExpiredError",
    "UnknownModelError",
    "UnsupportedParameterError",
    "WenxinConnectionError",
    "WenxinError",
    "WenxinTimeoutError",
    "WenxinValidationError",
    "error_class_for_code",
    "error_from_body",
    "error_from_status",
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
        self.error_code = error_code
        self.error_msg = redact(error_msg) if error_msg is not None else None
        self.request_id = request_id
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
            f"{type(self).__name__}(message={self.message!r}, error_code={self.error_code!r}, "
            f"request_id={self.request_id!r}, status_code={self.status_code!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Keep the error picklable (multiprocessing, caches) with all its attributes."""
        return (_rebuild_error, (type(self), self.message, dict(self.__dict__)))


def _rebuild_error(cls: type[WenxinError], message: str, state: dict[str, Any]) -> WenxinError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


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
