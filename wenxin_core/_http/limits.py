"""The HTTP layer's limits and defaults, in one place (documented in the README).

Every path (sync and async clients, the adapters on top, the token endpoints) applies them.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_DECOMPRESSED_SIZE",
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_TOTAL_TIMEOUT",
    "MAX_FIELD_SIZE",
    "MAX_HEADERS",
    "MAX_LINE_SIZE",
    "USER_AGENT",
    "VERSION",
    "check_http_limits",
]

VERSION = "0.1.0"
"""The package version (``wenxin_core.__version__``), sent in ``User-Agent``."""

USER_AGENT = f"wenxin-integrations/{VERSION}"
"""The ``User-Agent`` of every request."""

DEFAULT_HEADERS: tuple[tuple[str, str], ...] = (
    ("Accept", "application/json, text/event-stream"),
    ("Accept-Encoding", "gzip, deflate"),
    ("User-Agent", USER_AGENT),
)
"""Headers every request carries, sync and async (auth and ``appid`` add their own).

``Accept-Encoding`` names exactly what our body readers decompress (with
:data:`DEFAULT_MAX_DECOMPRESSED_SIZE` as the cap); any other content coding is refused.
"""

DEFAULT_MAX_CONNECTIONS = 100
"""Connections a client's pool keeps open at most (``max_connections=``)."""

DEFAULT_TOTAL_TIMEOUT = 300.0
"""Seconds one attempt may take in all (``total_timeout=``), aiohttp's default total.

It bounds the whole attempt: the token fetch, the request, the headers and every byte of the
answer (a stream's last event included), however slowly the server drips them. ``timeout``
stays per phase (connect, each read, each write, waiting for a pooled connection).
"""

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
"""Bytes one SSE line, and one event's data, may hold (``max_event_size=``): 16 MiB."""

DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1024 * 1024
"""Bytes a compressed body may inflate to (``max_decompressed_size=``): 64 MiB."""

MAX_LINE_SIZE = 8190
"""Async path: longest status or header line (aiohttp's default; the sync path: h11's)."""

MAX_FIELD_SIZE = 8190
"""Async path: longest header field."""

MAX_HEADERS = 128
"""Async path: most header lines in one response (the sync path caps them at 100 KiB in all)."""


def check_http_limits(
    max_connections: int | None,
    total_timeout: float | None,
    max_event_size: int,
    max_decompressed_size: int,
) -> tuple[int | None, float | None, int]:
    """Validate the HTTP options of a client; return the first three (``total_timeout`` a float).

    Raises:
        WenxinValidationError: a limit that is not a positive number (``None`` means no limit
            for ``max_connections`` and ``total_timeout``).

    """
    from wenxin_core.errors import WenxinValidationError

    def positive_int(name: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise WenxinValidationError(name, f"must be a positive whole number, got {value!r}")

    if max_connections is not None:
        positive_int("max_connections", max_connections)
    positive_int("max_event_size", max_event_size)
    positive_int("max_decompressed_size", max_decompressed_size)
    if total_timeout is not None:
        if isinstance(total_timeout, bool) or not isinstance(total_timeout, (int, float)):
            raise WenxinValidationError("total_timeout", "must be seconds (a number) or None")
        if not total_timeout > 0 or total_timeout != total_timeout or total_timeout == float("inf"):
            raise WenxinValidationError("total_timeout", "must be a positive, finite number")
        total_timeout = float(total_timeout)
    return max_connections, total_timeout, max_event_size
