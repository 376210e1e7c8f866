"""V2 errors: HTTP status + ``error.code`` onto the typed hierarchy, and the quota headers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import httpx

from wenxin_core.errors import (
    AuthenticationError,
    ContentPolicyError,
    InvalidIamTokenError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceBusyError,
    WenxinError,
)
from wenxin_core.redact import redact_url
from wenxin_core.request import header_map, request_id_of
from wenxin_core.retry import parse_retry_after
from wenxin_core.types import RateLimits
from wenxin_core.wire.base import error_body_of

__all__ = ["error_for_response", "error_from_payload", "rate_limits_of"]

_BY_CODE: dict[str, type[WenxinError]] = {
    "invalid_iam_token": InvalidIamTokenError,
    "invalid_appid": PermissionDeniedError,
    "no_parameter_permission": PermissionDeniedError,
    "account_overdue": PermissionDeniedError,
    "model_offline": PermissionDeniedError,
    "system_unsafe": ContentPolicyError,
    "user_setting_unsafe": ContentPolicyError,
    "functions_unsafe": ContentPolicyError,
    "internal_error": ServerError,
    "dispatch_internal_error": ServerError,
}
"""Codes whose class does not follow from the status alone."""

_HINTS: dict[str, str] = {
    "invalid_iam_token": "the API key or bearer token is wrong or expired (V2 takes the "
    "console's API Key as api_key, or the account's IAM access_key + secret_key)",
    "invalid_messages": "the history breaks Qianfan's order rules",
    "invalid_model": "unknown model id or service name for this account (list_models() and "
    "GET /v2/models show what it can use)",
    "invalid_appid": "app_id is not an application of this account",
}

_RATE_HEADERS = (
    ("limit_requests", "x-ratelimit-limit-requests"),
    ("remaining_requests", "x-ratelimit-remaining-requests"),
    ("limit_input_tokens", "x-ratelimit-limit-input-tokens"),
    ("remaining_input_tokens", "x-ratelimit-remaining-input-tokens"),
    ("limit_output_tokens", "x-ratelimit-limit-output-tokens"),
    ("remaining_output_tokens", "x-ratelimit-remaining-output-tokens"),
)
_RATE_INDEX = {name.encode(): index for index, (_, name) in enumerate(_RATE_HEADERS)}
"""Each header's place among :class:`RateLimits`' fields (their order in ``_RATE_HEADERS``)."""


def _as_count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


def rate_limits_of(response: httpx.Response) -> RateLimits | None:
    """The ``X-Ratelimit-*`` figures of a response, or ``None`` when it sent none."""
    found: list[bytes | None] | None = None
    for _, key, value in response.headers._list:  # one pass, no dict of every header
        if key.startswith(b"x-ratelimit-"):
            index = _RATE_INDEX.get(key)
            if index is not None:
                if found is None:
                    found = [None] * len(_RATE_HEADERS)
                found[index] = value  # the last of repeated headers wins
    if found is None:
        return None
    return RateLimits(*[None if raw is None else _count_of(raw) for raw in found])


def _count_of(raw: bytes) -> int | None:
    """A header's count: a short plain integer at once, else by :func:`_as_count`'s rules.

    Up to 15 digits ``int`` and ``float`` agree exactly; longer figures take the float rules.
    """
    if len(raw) <= 15 and raw.isdigit():
        return int(raw)
    return _as_count(raw.decode("latin-1"))


def _class_for(status: int, code: str | None) -> type[WenxinError]:
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status == 401:
        return PermissionDeniedError if code == "invalid_model" else AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status in (502, 503, 504):
        return ServiceBusyError
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return InvalidRequestError
    return WenxinError


def error_from_payload(
    payload: Mapping[str, Any],
    *,
    status_code: int,
    request_id: str | None,
    rate_limits: RateLimits | None = None,
) -> WenxinError:
    """The typed error of a V2 error body ``{"error": {"code", "message", "type"}, "id"}``."""
    error = payload.get("error")
    detail: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    code = detail.get("code")
    code_text = str(code) if code not in (None, "") else None
    message = str(detail.get("message") or (error if isinstance(error, str) else "") or "")
    message = message or "unknown error"
    rid = request_id or (str(payload["id"]) if payload.get("id") else None)
    cls = _class_for(status_code, code_text)
    text = f"Qianfan V2 error (HTTP {status_code}"
    text += f" {code_text}): {message}" if code_text else f"): {message}"
    if code_text in _HINTS:
        text += f" ({_HINTS[code_text]})"
    err = cls(
        text, error_code=code_text, error_msg=message, request_id=rid, status_code=status_code
    )
    if isinstance(err, RateLimitError):
        err.rate_limits = rate_limits
    return err


def error_for_response(response: httpx.Response, content: bytes) -> WenxinError | None:
    """The typed error a V2 response carries, or ``None`` if it is a success."""
    status = response.status_code
    if status < 400 and content[:1] == b"{" and b'"error"' not in content[:64]:
        return None  # the common case: a JSON answer (parsed once, later)
    body, limited = error_body_of(response, content)
    request_id = request_id_of(response)
    limits = rate_limits_of(response)
    if isinstance(body, dict) and isinstance(body.get("error"), (dict, str)):
        err = error_from_payload(
            body, status_code=status, request_id=request_id, rate_limits=limits
        )
        err.retry_after = parse_retry_after(header_map(response).get("retry-after"))
        return err
    if status >= 400:
        excerpt = content[:200].decode("utf-8", errors="replace").strip() if content else ""
        cls = _class_for(status, None)
        err = cls(
            f"HTTP {status} from {redact_url(response.request.url)}"
            + (f": {' '.join(excerpt.split())}" if excerpt else ""),
            error_msg=excerpt or None,
            request_id=request_id,
            status_code=status,
        )
        if isinstance(err, RateLimitError):
            err.rate_limits = limits
        err.retry_after = parse_retry_after(header_map(response).get("retry-after"))
        return err
    if limited is not None:
        return limited
    if not isinstance(body, dict):
        excerpt = content[:200].decode("utf-8", errors="replace")
        return WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not a JSON object "
            f"(HTTP {status}): {excerpt!r}",
            status_code=status,
            request_id=request_id,
        )
    return None
