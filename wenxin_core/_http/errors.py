"""The typed errors of the HTTP layer, and the one mapping from any transport failure to them.

Every failure below the protocol (a connection refused or reset, a malformed or oversized
response, a TLS certificate that does not verify, a deadline that passed) reaches callers as a
:class:`~wenxin_core.errors.WenxinError` subclass, whatever stack raised it: httpx's own
transports (sync and async), ``httpx-aiohttp`` over aiohttp, or our own readers. The mapping
looks through the exception's cause chain for the root cause, so an aiohttp error wrapped by an
httpx one is typed by what really happened (a server that hung up is never a "timeout").
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

import httpx

from wenxin_core.errors import (
    DeadlineExceededError,
    ResponseTooLargeError,
    StreamInterruptedError,
    TLSVerificationError,
    WenxinConnectionError,
    WenxinError,
    WenxinProtocolError,
    WenxinTimeoutError,
    scrub_error,
)
from wenxin_core.redact import redact_url

__all__ = [
    "DeadlineExceededError",
    "ResponseTooLargeError",
    "TLSVerificationError",
    "WenxinProtocolError",
    "attempt_error",
    "is_transport_failure",
    "stream_failure",
    "transport_error",
]


_TOO_LARGE_HINTS = (
    "receive buffer too long",  # h11: more than 100 KiB of headers
    "got more than",  # aiohttp: a line or field over its limit
    "line too long",
    "too many headers",
    "header too large",
    "header value is too large",
    "header overflow",
    "headers too large",
)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes/contexts, outermost first (cycles cut)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen) and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _aiohttp_kind(exc: BaseException) -> str | None:
    """The kind of an aiohttp exception (without importing aiohttp when it is not loaded)."""
    module = type(exc).__module__
    if not module.startswith("aiohttp"):
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"ClientConnectorCertificateError", "ServerFingerprintMismatch"}:
        return "tls"
    if names & {"LineTooLong", "BadHttpMessage", "BadStatusLine", "InvalidHeader"}:
        return "protocol"
    if "ConnectionTimeoutError" in names:
        return "connect-timeout"
    if names & {"SocketTimeoutError", "ServerTimeoutError"}:
        return "timeout"
    if names & {"ClientPayloadError", "ServerDisconnectedError", "ClientResponseError"}:
        return "protocol"
    return "connection"


def transport_error(
    exc: BaseException, request: httpx.Request | None, *, deadline: float | None = None
) -> WenxinError:
    """The typed error for a failure of the transport while sending ``request``.

    Args:
        exc: what the transport raised (an httpx, aiohttp, ssl or asyncio exception).
        request: the request, named (method and redacted URL) in the message.
        deadline: the attempt's ``total_timeout`` in seconds, when it is what fired.

    """
    if isinstance(exc, WenxinError):
        return exc
    where = f" ({request.method} {redact_url(request.url)})" if request is not None else ""
    if deadline is not None:
        return DeadlineExceededError(
            f"Request exceeded total_timeout={deadline:g}s for the attempt{where}"
        )
    chain = _chain(exc)
    texts = " | ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or any(
        _aiohttp_kind(e) == "tls" for e in chain
    ):
        return TLSVerificationError(f"TLS certificate verification failed: {_detail(chain)}{where}")
    if any(hint in texts for hint in _TOO_LARGE_HINTS):
        return ResponseTooLargeError(f"Response headers over the size limit{where}")
    kinds = [k for k in (_aiohttp_kind(e) for e in chain) if k is not None]
    if kinds:
        kind = kinds[-1]  # the root cause
        if kind in ("timeout", "connect-timeout"):
            return WenxinTimeoutError(f"Request timed out: {_timeout_name(chain)}{where}")
        if kind == "protocol":
            return WenxinProtocolError(f"Malformed response: {_detail(chain)}{where}")
        return WenxinConnectionError(f"Connection failed: {_detail(chain)}{where}")
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return WenxinTimeoutError(f"Request timed out: {_timeout_name(chain)}{where}")
    if any(_is_wire_protocol_error(e) for e in chain[1:]):
        # A parser's verdict on the bytes (h11 under httpcore), not just a label.
        return WenxinProtocolError(f"Malformed response: {_detail(chain)}{where}")
    return WenxinConnectionError(f"Connection failed: {_detail(chain)}{where}")


def _is_wire_protocol_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("httpcore", "h11")) and "ProtocolError" in type(exc).__name__


def _detail(chain: list[BaseException]) -> str:
    """A short description of the failure: the outermost message, first line, bounded."""
    for exc in chain:
        text = str(exc).strip()
        if text:
            return text.splitlines()[0][:200]
    return type(chain[0]).__name__


def _timeout_name(chain: list[BaseException]) -> str:
    """The name of the timeout: the httpx one if any, else the outermost."""
    for exc in chain:
        if isinstance(exc, httpx.TimeoutException):
            return type(exc).__name__
    return type(chain[0]).__name__


def is_transport_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the HTTP stack (to be mapped by :func:`transport_error`)."""
    if isinstance(exc, (httpx.HTTPError, ssl.SSLError, ConnectionError, TimeoutError)):
        return True
    return _aiohttp_kind(exc) is not None and isinstance(exc, Exception)


def attempt_error(
    exc: BaseException, request: httpx.Request | None, deadline: _HasDeadline
) -> WenxinError | None:
    """The typed error for a failure of one attempt, or ``None`` to let ``exc`` through.

    Our own typed errors (an oversized body, an auth failure) pass as they are; a transport
    failure is typed by :func:`transport_error`, as the deadline's when it had passed.
    """
    if isinstance(exc, WenxinError):
        return None
    if deadline.passed():
        failure = transport_error(exc, request, deadline=deadline.total)
    elif is_transport_failure(exc):
        failure = transport_error(exc, request)
    else:
        return None
    scrub_error(exc, request)  # typed: the cause the caller chains keeps no credential
    return failure


class _HasDeadline(Protocol):
    total: float | None

    def passed(self) -> bool: ...


def stream_failure(reader: Any, exc: BaseException) -> WenxinError:
    """The typed error for a stream whose body failed to read (``exc``) after it was opened.

    The attempt's deadline passing is a :class:`DeadlineExceededError` before the first event,
    else a :class:`~wenxin_core.errors.StreamInterruptedError` that keeps the partial text;
    anything else is what the protocol's reader says (``reader.interrupted``).
    """
    from wenxin_core._http.deadline import DeadlineTimeout

    if isinstance(exc, DeadlineTimeout):
        if reader.count == 0:
            return DeadlineExceededError(f"Stream exceeded {exc} before its first event")
        return StreamInterruptedError(
            f"Stream interrupted after {reader.count} events: {exc}",
            partial_text=reader.text,
            chunks_received=reader.count,
        )
    result: WenxinError = reader.interrupted(str(exc) or type(exc).__name__, exc)
    scrub_error(exc)  # the cause the caller chains (and the request it names) keeps no secret
    return result
