"""Redaction of secrets from text that may reach a user: URLs, log lines, error messages."""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact", "redact_url"]

REDACTED = "***"

_SECRET_PARAMS = ("access_token", "client_secret", "client_id")
_QUERY_SECRET = re.compile(
    r"(?P<key>(?:" + "|".join(_SECRET_PARAMS) + r"))=(?P<value>[^&\s'\"#)\]>,;]*)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(bce-auth-v1/[^/\s]+/[^/\s]+/\d+/[^/\s]*/)([0-9a-f]{64})", re.IGNORECASE
)


def redact(text: str) -> str:
    """Replace the values of ``access_token=``, ``client_secret=`` and ``client_id=`` with ``***``.

    Also masks the signature of a ``bce-auth-v1`` authorization string. Safe on any text.
    """
    if not text:
        return text
    out = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}={REDACTED}", text)
    return _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, out)


def redact_url(url: object) -> str:
    """Return ``str(url)`` with secret query parameters masked."""
    return redact(str(url))
