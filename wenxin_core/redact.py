"""Redaction of secrets from text that may reach a user: URLs, log lines, error messages."""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactingFilter", "install_log_redaction", "redact", "redact_url"]

REDACTED = "***"

_SECRET_PARAMS = ("access_token", "client_secret", "client_id")
_QUERY_SECRET = re.compile(
    r"(?P<key>(?:" + "|".join(_SECRET_PARAMS) + r"))=(?P<value>[^&\s'\"#)\]>,;]*)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(bce-auth-v1/[^/\s]+/[^/\s]+/\d+/[^/\s]*/)([0-9a-f]{64})", re.IGNORECASE
)


_BEARER = re.compile(r"(?<![-\w])([Bb]earer\s+)[^\s'\",;]+")
_V3_KEY = re.compile(r"bce-v3/ALTAK-[^/\s'\",;]+/[^\s'\",;]+")
"""A V2 API key or BCE-BEARER token (``bce-v3/ALTAK-xxxx/yyyy``), wherever it stands."""


def redact(text: str) -> str:
    """Replace the values of ``access_token=``, ``client_secret=`` and ``client_id=`` with ``***``.

    Also masks the signature of a ``bce-auth-v1`` authorization string, the value after
    ``Bearer``, and any bare V2 key or token (``bce-v3/ALTAK-.../...``). Safe on any text.
    """
    if not text:
        return text
    out = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}={REDACTED}", text)
    out = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, out)
    if "earer" in out:
        out = _BEARER.sub(lambda m: m.group(1) + REDACTED, out)
    if "bce-v3/" in out:
        out = _V3_KEY.sub(REDACTED, out)
    return out


def redact_url(url: object) -> str:
    """Return ``str(url)`` with secret query parameters masked."""
    return redact(str(url))


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message and arguments.

    httpx logs every request URL at INFO (``HTTP Request: POST ...?access_token=...``), and
    the token request's URL carries ``client_secret``; :func:`install_log_redaction` puts this
    filter on the ``httpx`` and ``httpcore`` loggers so no log line shows them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(str(arg)) if _may_hold_secret(arg) else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: redact(str(arg)) if _may_hold_secret(arg) else arg
                for key, arg in record.args.items()
            }
        return True


def _may_hold_secret(value: object) -> bool:
    return not isinstance(value, (int, float, bool, type(None), bytes))


_INSTALLED = False


def install_log_redaction() -> None:
    """Add :class:`RedactingFilter` to the ``httpx`` and ``httpcore`` loggers (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    redacting = RedactingFilter()
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).addFilter(redacting)
