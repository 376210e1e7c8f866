"""Redaction of secrets from text that may reach a user: URLs, log lines, error messages.

Two layers: patterns (``access_token=...``, ``Bearer ...``, ``bce-v3/ALTAK-...``, bce-auth-v1
signatures) mask secrets of a known shape, and a registry of the *live* secret values this
process holds (keys given to a client, tokens it minted or fetched: :func:`register_secret`)
masks a bare echo of any of them, whatever its shape, wherever it appears.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from urllib.parse import quote

from pydantic import SecretStr

__all__ = [
    "MAX_REGISTERED_SECRETS",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "RedactingFilter",
    "contains_secret",
    "install_log_redaction",
    "redact",
    "redact_url",
    "register_secret",
]

REDACTED = "***"

MIN_SECRET_LENGTH = 8
"""Values shorter than this are not registered: masking every ``"abc"`` would garble text."""

MAX_REGISTERED_SECRETS = 256
"""The registry keeps the most recent values (keys and tokens); older ones fall out."""

_registry: OrderedDict[str, None] = OrderedDict()
_registry_lock = threading.Lock()
_forms: tuple[str, ...] = ()
"""Every registered value and its URL/JSON-escaped forms, longest first (copy-on-write)."""


def register_secret(value: str | SecretStr | None) -> None:
    """Remember a live secret value so :func:`redact` masks any bare echo of it.

    The auths register the keys they are built with and every token they mint or fetch. The
    value is kept in process memory only (never in an object an exception can reach); its
    percent-encoded and JSON-escaped forms are masked too. Values shorter than
    :data:`MIN_SECRET_LENGTH` are ignored.
    """
    global _forms
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not raw or len(raw) < MIN_SECRET_LENGTH:
        return
    with _registry_lock:
        if raw in _registry:
            _registry.move_to_end(raw)
            return
        _registry[raw] = None
        while len(_registry) > MAX_REGISTERED_SECRETS:
            _registry.popitem(last=False)
        forms: set[str] = set()
        for secret in _registry:
            forms.update((secret, quote(secret, safe=""), secret.replace("/", "\\/")))
        _forms = tuple(sorted(forms, key=len, reverse=True))


def contains_secret(text: str | bytes) -> bool:
    """Whether ``text`` holds any registered secret value (or one of its escaped forms)."""
    forms = _forms
    if isinstance(text, bytes):
        return any(form.encode("utf-8", "replace") in text for form in forms)
    return any(form in text for form in forms)


def _mask_registered(text: str) -> str:
    for form in _forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


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
    ``Bearer``, any bare V2 key or token (``bce-v3/ALTAK-.../...``) and any bare echo of a
    registered secret (:func:`register_secret`). Safe on any text.
    """
    if not text:
        return text
    out = _mask_registered(text) if _forms else text
    out = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}={REDACTED}", out)
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
_REDACTED_LOGGERS = (
    "httpx",
    "httpcore",
    "aiohttp.client",
    "wenxin_core",
    "langchain_wenxin",
    "llama_index_wenxin",
)


def install_log_redaction() -> None:
    """Add :class:`RedactingFilter` to the HTTP stack's loggers and our own (once).

    ``httpx``, ``httpcore``, ``aiohttp.client`` and ``wenxin_core``, ``langchain_wenxin``,
    ``llama_index_wenxin``: a filter on a logger applies to the records logged through it.
    """
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    redacting = RedactingFilter()
    for name in _REDACTED_LOGGERS:
        logging.getLogger(name).addFilter(redacting)
