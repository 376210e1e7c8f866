"""Authentication as the service does it: the OAuth token endpoint, access tokens, bce-auth-v1."""

from __future__ import annotations

import calendar
import hmac
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from wenxin_core.emulator.state import EmulatorState
from wenxin_core.emulator.validation import QianfanError

__all__ = ["SignatureFailure", "check_chat_auth", "token_response", "verify_signature"]

_log = logging.getLogger("wenxin_core.emulator")


def token_response(state: EmulatorState, query: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """Answer ``/oauth/2.0/token``: ``(http_status, json_body)``."""
    state.count_token_request()
    if query.get("grant_type") != "client_credentials":
        return 400, {
            "error": "unsupported_grant_type",
            "error_description": "The authorization grant type is not supported",
        }
    client_id = query.get("client_id", "")
    client_secret = query.get("client_secret", "")
    allowed = state.config.api_keys
    if not client_id or (allowed is not None and client_id not in allowed):
        return 401, {"error": "invalid_client", "error_description": "unknown client id"}
    expected = allowed[client_id] if allowed is not None else None
    if not client_secret or (
        expected is not None and not hmac.compare_digest(client_secret, expected)
    ):
        return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
    token, ttl = state.issue_token()
    return 200, {
        "refresh_token": "25." + secrets.token_hex(16),
        "expires_in": ttl,
        "session_key": secrets.token_urlsafe(24),
        "access_token": token,
        "scope": "public brain_all_scope wenxinworkshop_mgr ai_custom_yiyan_com",
        "session_secret": secrets.token_hex(16),
    }


def _parse_timestamp(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


SignatureFailure = str
"""Why a bce-auth-v1 signature failed: ``malformed``, ``unknown_key``, ``expired``,
``mismatch`` or ``unavailable`` (the signing module is missing)."""


def verify_signature(
    state: EmulatorState,
    authorization: str,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
) -> SignatureFailure | None:
    """Check a bce-auth-v1 ``authorization`` against ``iam_keys``; ``None`` when it is valid.

    The signature is recomputed with ``wenxin_core.auth.signing`` over the request as received
    (method, path, query, the signed headers) and compared in constant time.
    """
    parts = authorization.split("/")
    if len(parts) != 6 or parts[0] != "bce-auth-v1":
        return "malformed"
    _, access_key, timestamp, expiration_text, signed, _signature = parts
    secret_key = state.config.iam_keys.get(access_key)
    issued = _parse_timestamp(timestamp)
    if issued is None or not expiration_text.isdigit():
        return "malformed"
    if secret_key is None:
        return "unknown_key"
    expiration = int(expiration_text)
    now = time.time()
    if issued > now + state.config.signature_skew or now > issued + expiration:
        return "expired"
    try:
        from wenxin_core.auth.signing import build_authorization
    except ImportError:  # pragma: no cover - the signing module ships with wenxin_core
        _log.warning("wenxin_core.auth.signing is unavailable: IAM signatures are rejected")
        return "unavailable"
    try:
        expected = build_authorization(
            access_key,
            secret_key,
            method,
            path,
            list(query),
            headers,
            timestamp,
            expiration,
            signed.split(";"),
        )
    except ValueError:  # a signed header the request does not carry
        return "malformed"
    if not hmac.compare_digest(expected.encode(), authorization.encode()):
        return "mismatch"
    return None


def check_chat_auth(
    state: EmulatorState,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
) -> QianfanError | None:
    """The auth error of a chat request (``None`` when it may proceed).

    A ``bce-auth-v1`` Authorization header is verified against ``iam_keys``; otherwise the
    ``access_token`` query parameter must be a valid token (issued and unexpired, or fixed).
    """
    authorization = headers.get("authorization", "")
    if authorization.startswith("bce-auth-v1/"):
        failure = verify_signature(state, authorization, method, path, query, headers)
        return None if failure is None else QianfanError(14, "IAM Certification failed")
    token: str | None = None
    for key, value in query:
        if key == "access_token":
            token = value
    if token is None:
        return (
            QianfanError(100, "Invalid parameter")
            if not authorization
            else QianfanError(14, "IAM Certification failed")
        )
    status = state.token_status(token)
    if status == "valid":
        return None
    if status == "expired":
        return QianfanError(111, "Access token expired")
    return QianfanError(110, "Access token invalid or no longer valid")
