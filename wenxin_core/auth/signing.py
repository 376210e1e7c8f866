"""bce-auth-v1 request signing (IAM Access Key / Secret Key of the Baidu Cloud account).

The functions here are pure (no clock, no I/O): the emulator calls :func:`build_authorization` to
verify a signature exactly as the client computed it. :class:`BceSigningAuth` is the httpx auth
that stamps ``x-bce-date`` and ``Authorization`` on every request.

Algorithm (see ``qianfan-api.md``)::

    authStringPrefix = "bce-auth-v1/{AK}/{timestamp}/{expiration}"
    signingKey       = hex(HMAC-SHA256(SK, authStringPrefix))
    canonicalRequest = lines(METHOD, encode(path, keep "/"), canonicalQuery, canonicalHeaders)
    signature        = hex(HMAC-SHA256(signingKey, canonicalRequest))
    Authorization    = authStringPrefix/{signedHeaders}/{signature}
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from wenxin_core.redact import register_secret

__all__ = [
    "AUTH_VERSION",
    "DEFAULT_EXPIRATION",
    "BceSigningAuth",
    "build_authorization",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "format_timestamp",
    "normalize_signed_headers",
    "signing_key",
    "uri_encode",
]

AUTH_VERSION = "bce-auth-v1"
"""The version tag that starts every authorization string."""

DEFAULT_EXPIRATION = 1800
"""Seconds a signature stays valid when :class:`BceSigningAuth` is not told otherwise."""

QueryInput = Sequence[tuple[str, str]] | Mapping[str, str]
"""Query parameters: ``(key, value)`` pairs (repeats allowed) or a mapping."""


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """Percent-encode ``value`` as RFC 3986 wants it for bce-auth-v1.

    Every UTF-8 byte except ``A-Z a-z 0-9 - _ . ~`` becomes ``%XX`` with upper-case hex; a space is
    ``%20`` (never ``+``). With ``keep_slash`` the ``/`` is left as is (for the canonical URI).
    """
    return quote(value, safe="/" if keep_slash else "")


def _query_items(query: QueryInput | None) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, Mapping):
        return [(str(k), str(v)) for k, v in query.items()]
    return [(str(k), str(v)) for k, v in query]


def canonical_query(query: QueryInput | None) -> str:
    """Return the canonical query string: ``encode(k)=encode(v)`` pairs, sorted, ``&``-joined.

    The ``authorization`` parameter (any case) is left out; a blank value gives ``key=``.
    """
    parts = [
        f"{uri_encode(key)}={uri_encode(value)}"
        for key, value in _query_items(query)
        if key.lower() != "authorization"
    ]
    return "&".join(sorted(parts))


def normalize_signed_headers(signed_headers: Sequence[str]) -> list[str]:
    """Return the signed header names lower-cased, trimmed, de-duplicated and sorted."""
    names = {name.strip().lower() for name in signed_headers}
    names.discard("")
    return sorted(names)


def canonical_headers(headers: Mapping[str, str], signed_headers: Sequence[str]) -> str:
    """Return the canonical headers: ``encode(name):encode(trim(value))``, sorted, newline-joined.

    Only the headers named in ``signed_headers`` are included (names compared case-insensitively).

    Raises:
        ValueError: a header named in ``signed_headers`` is not in ``headers``.

    """
    lowered = {str(name).strip().lower(): str(value) for name, value in headers.items()}
    lines = []
    for name in normalize_signed_headers(signed_headers):
        if name not in lowered:
            raise ValueError(f"header {name!r} is to be signed but the request does not carry it")
        lines.append(f"{uri_encode(name)}:{uri_encode(lowered[name].strip())}")
    return "\n".join(sorted(lines))


def canonical_request(
    method: str,
    path: str,
    query: QueryInput,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
) -> str:
    """Return the bce-auth-v1 canonical request (method, URI, query, headers on four parts).

    Args:
        method: the HTTP method (upper-cased here).
        path: the decoded URL path; it is encoded with ``/`` kept (an empty path becomes ``/``).
        query: the decoded query parameters; ``authorization`` is excluded.
        headers: the request headers (any case); only ``signed_headers`` are used.
        signed_headers: the names of the headers to sign.

    """
    return "\n".join(
        (
            method.upper(),
            uri_encode(path or "/", keep_slash=True),
            canonical_query(query),
            canonical_headers(headers, signed_headers),
        )
    )


def _plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def signing_key(secret_key: str | SecretStr, auth_string_prefix: str) -> str:
    """Return ``hex(HMAC-SHA256(secret_key, auth_string_prefix))``, the per-request signing key.

    ``secret_key`` may be a ``SecretStr``: it is opened only inside the HMAC call, so no frame
    local ever holds it in plain.
    """
    return hmac.new(
        _plain(secret_key).encode("utf-8"), auth_string_prefix.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def build_authorization(
    access_key: str | SecretStr,
    secret_key: str | SecretStr,
    method: str,
    path: str,
    query: QueryInput,
    headers: Mapping[str, str],
    timestamp: str,
    expiration: int,
    signed_headers: Sequence[str],
) -> str:
    """Return ``bce-auth-v1/{ak}/{timestamp}/{expiration}/{signed;headers}/{signature}``.

    Pure: the same inputs always give the same string, so a server can recompute it to verify.
    ``timestamp`` is the UTC ``YYYY-MM-DDThh:mm:ssZ`` string also sent as ``x-bce-date``.
    The keys may be ``SecretStr`` (what :class:`BceSigningAuth` passes): the canonical request,
    the only step that can fail, is built before any key material is computed.
    """
    canonical = canonical_request(method, path, query, headers, signed_headers)
    prefix = f"{AUTH_VERSION}/{_plain(access_key)}/{timestamp}/{int(expiration)}"
    signature = hmac.new(
        signing_key(secret_key, prefix).encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    names = ";".join(normalize_signed_headers(signed_headers))
    return f"{prefix}/{names}/{signature}"


def format_timestamp(unix: float) -> str:
    """Format a Unix time as the UTC ``YYYY-MM-DDThh:mm:ssZ`` used by bce-auth-v1."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


class BceSigningAuth(httpx.Auth):
    """httpx auth that signs each request with bce-auth-v1 (the account's IAM AK/SK).

    For every request it sets ``x-bce-date`` to the current UTC time and an ``Authorization``
    header signing ``host`` (exactly the ``Host`` value httpx sends, port included when it is not
    the default), ``x-bce-date`` and ``content-type`` when present. The body is not signed, so a
    replayed request is simply signed again with a fresh timestamp.

    Args:
        access_key: the IAM Access Key (``QIANFAN_ACCESS_KEY``).
        secret_key: the IAM Secret Key (``QIANFAN_SECRET_KEY``).
        expiration: seconds each signature is valid.
        clock: returns the Unix time (injectable for tests).

    """

    requires_request_body = False
    requires_response_body = False
    refreshable = False
    """Never: a signature has no token to refresh, so a rejection is final."""

    def __init__(
        self,
        access_key: SecretStr,
        secret_key: SecretStr,
        *,
        expiration: int = DEFAULT_EXPIRATION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if expiration <= 0:
            raise ValueError("expiration must be a positive number of seconds")
        register_secret(access_key)
        register_secret(secret_key)
        self._access_key = access_key
        self._secret_key = secret_key
        self.expiration = int(expiration)
        self._clock = clock

    def sign(self, request: httpx.Request) -> None:
        """Set ``x-bce-date`` and ``Authorization`` on ``request`` in place."""
        timestamp = format_timestamp(self._clock())
        request.headers["x-bce-date"] = timestamp
        if "host" not in request.headers:
            request.headers["Host"] = request.url.netloc.decode("ascii")
        signed = ["host", "x-bce-date"]
        if "content-type" in request.headers:
            signed.append("content-type")
        request.headers["Authorization"] = build_authorization(
            self._access_key,
            self._secret_key,
            request.method,
            request.url.path,
            request.url.params.multi_items(),
            request.headers,
            timestamp,
            self.expiration,
            signed,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign the request and send it."""
        self.apply_now(request)
        yield request

    def apply_now(self, request: httpx.Request) -> bool:
        """Sign ``request`` (what the flow does, without the flow); always True."""
        self.sign(request)
        return True

    def __repr__(self) -> str:
        return f"BceSigningAuth(access_key=SecretStr('**********'), expiration={self.expiration})"
