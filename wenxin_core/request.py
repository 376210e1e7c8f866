"""Response reading shared by every protocol, the default timeout, transport errors typed.

Headers, the request id and the content type are read the same way on V1 and V2.
"""

from __future__ import annotations

import httpx

from wenxin_core.errors import WenxinConnectionError, WenxinError, WenxinTimeoutError
from wenxin_core.redact import redact_url

__all__ = [
    "DEFAULT_TIMEOUT",
    "header_map",
    "is_event_stream",
    "request_id_of",
    "translate_transport_error",
]

DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=10.0)
"""A short connect timeout and a generous one for reading: long replies take minutes."""

_REQUEST_ID_HEADERS = ("x-bce-request-id", "x-baidu-request-id", "x-request-id", "request-id")
_REQUEST_ID_KEYS = tuple(name.encode() for name in _REQUEST_ID_HEADERS)


def header_map(response: httpx.Response) -> dict[str, str]:
    """The response's headers as a plain lower-cased dict, built once per response.

    ``httpx.Headers`` lookups re-decode every header on each access; reading a handful of
    headers that way costs more than the rest of a call's client-side work.
    """
    cached: dict[str, str] | None = response.__dict__.get("_wenxin_headers")
    if cached is None:
        cached = {  # httpx keeps (raw, lower-cased, value) byte triples: no copy, no lower()
            key.decode("latin-1"): value.decode("latin-1")
            for _, key, value in response.headers._list
        }
        response.__dict__["_wenxin_headers"] = cached
    return cached


def request_id_of(response: httpx.Response) -> str | None:
    """The request id the service put in a header, if any (the first name that has one)."""
    found: dict[bytes, bytes] = {}
    for _, key, value in response.headers._list:  # one pass, no dict of every header
        if key in _REQUEST_ID_KEYS:
            found[key] = value  # the last of repeated headers, as header_map keeps it
    for key in _REQUEST_ID_KEYS:
        raw = found.get(key)
        if raw:
            return raw.decode("latin-1")
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


def translate_transport_error(exc: httpx.HTTPError, request: httpx.Request | None) -> WenxinError:
    """Map an httpx exception to a typed error whose message shows no secret."""
    where = f" ({request.method} {redact_url(request.url)})" if request is not None else ""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return WenxinTimeoutError(f"Request timed out: {type(exc).__name__}{where}")
    return WenxinConnectionError(f"Connection failed: {detail}{where}")
