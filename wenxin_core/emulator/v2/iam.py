"""V2 authentication: Bearer keys, the ``appid`` header and the BCE-BEARER token endpoint.

``GET /v1/BCE-BEARER/token`` mints BCE-BEARER tokens from a signed request; it checks the
bce-auth-v1 signature exactly as the V1 IAM signing check does
(:func:`wenxin_core.emulator.authn.verify_signature`). Failures answer as BCE does:
``{"requestId", "code", "message"}`` with HTTP 400 or 403.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

from wenxin_core.emulator.authn import verify_signature
from wenxin_core.emulator.config import DEFAULT_BEARER_TTL
from wenxin_core.emulator.state import EmulatorState
from wenxin_core.emulator.v2.errors import V2Error

__all__ = [
    "MAX_BEARER_TTL",
    "MIN_BEARER_TTL",
    "bearer_token_response",
    "check_appid",
    "check_bearer",
    "iso_utc",
]

MIN_BEARER_TTL = 300
"""The shortest ``expireInSeconds`` IAM accepts."""

MAX_BEARER_TTL = 2592000
"""The longest ``expireInSeconds`` IAM accepts (30 days)."""

_SIGNATURE_FAILURES: dict[str, tuple[int, str, str]] = {
    "missing": (403, "AccessDenied", "Access denied: no Authorization header"),
    "malformed": (400, "InvalidHTTPAuthHeader", "The Authorization header is invalid"),
    "unknown_key": (403, "InvalidAccessKeyId", "The access key id does not exist"),
    "expired": (400, "RequestExpired", "The request timestamp is out of the allowed window"),
    "mismatch": (400, "SignatureDoesNotMatch", "The request signature does not match"),
    "unavailable": (500, "InternalError", "Signatures cannot be checked"),
}


def iso_utc(unix: float) -> str:
    """``unix`` as ISO 8601 UTC with a ``Z`` (``2026-01-01T00:00:00Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def _bce_error(request_id: str, status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"requestId": request_id, "code": code, "message": message}


def _ttl(query: Sequence[tuple[str, str]]) -> int | None:
    values = [v for k, v in query if k == "expireInSeconds"]
    if not values:
        return DEFAULT_BEARER_TTL
    text = values[-1]
    if not text.isdigit() or not MIN_BEARER_TTL <= int(text) <= MAX_BEARER_TTL:
        return None
    return int(text)


def bearer_token_response(
    state: EmulatorState,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    request_id: str,
) -> tuple[int, dict[str, Any]]:
    """Answer ``GET /v1/BCE-BEARER/token``: ``(http_status, json_body)``."""
    state.count_bearer_request()
    if method != "GET":
        return _bce_error(request_id, 405, "MethodNotAllowed", "Use GET")
    authorization = headers.get("authorization", "")
    failure = (
        verify_signature(state, authorization, method, path, query, headers)
        if authorization
        else "missing"
    )
    if failure is not None:
        return _bce_error(request_id, *_SIGNATURE_FAILURES[failure])
    ttl = _ttl(query)
    if ttl is None:
        return _bce_error(
            request_id,
            400,
            "InvalidParameterValue",
            f"expireInSeconds must be an integer from {MIN_BEARER_TTL} to {MAX_BEARER_TTL}",
        )
    access_key = authorization.split("/")[1]
    token, created, expires = state.issue_bearer_token(ttl)
    return 200, {
        "userId": hashlib.md5(access_key.encode(), usedforsecurity=False).hexdigest(),
        "token": token,
        "status": "enable",
        "createTime": iso_utc(created),
        "expireTime": iso_utc(expires),
    }


def check_bearer(state: EmulatorState, headers: Mapping[str, str]) -> V2Error | None:
    """The 401 ``invalid_iam_token`` of a V2 call whose key is missing, unknown or expired.

    Accepted: a configured API Key (``config.v2_api_keys``; ``None`` accepts any non-empty key)
    or a live BCE-BEARER token this emulator minted. A minted token that expired (or was made to
    by ``expire_tokens``) is refused even when any key is accepted.
    """
    scheme, _, key = headers.get("authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return V2Error(401, "invalid_iam_token", "Authorization: Bearer <API Key> is required")
    status = state.bearer_status(key)
    if status == "valid":
        return None
    if status == "expired":
        return V2Error(401, "invalid_iam_token", "The IAM token has expired")
    allowed = state.config.v2_api_keys
    if allowed is None or key in allowed:
        return None
    return V2Error(401, "invalid_iam_token", "The API Key or IAM token is invalid")


def check_appid(state: EmulatorState, headers: Mapping[str, str]) -> V2Error | None:
    """The 401 ``invalid_appid`` of an ``appid`` header the config does not list."""
    app_id = headers.get("appid")
    allowed = state.config.app_ids
    if app_id is None or allowed is None or app_id in allowed:
        return None
    return V2Error(401, "invalid_appid", f"appid {app_id!r} does not exist")
