"""httpcore's sync network backend with every stream cut to the attempt's deadline.

Imported with the first sync httpx client (it subclasses httpcore's classes, which the core
does not import otherwise): every connect, TLS handshake, read and write gets at most the
time left of the attempt's ``total_timeout`` (:mod:`wenxin_core._http.deadline`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore

from wenxin_core._http.deadline import time_left

__all__ = ["DeadlineBackend", "install_deadline_backend"]


def _clamp(timeout: float | None) -> float | None:
    """``timeout`` cut to what is left of the current deadline; raise if none is left."""
    try:
        return time_left(timeout)
    except TimeoutError:
        raise httpcore.ReadTimeout("total_timeout passed") from None


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation stops at the current deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read at most ``max_bytes``, within the deadline."""
        return self._stream.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write ``buffer``, within the deadline."""
        self._stream.write(buffer, _clamp(timeout))

    def close(self) -> None:
        """Close the stream."""
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS, within the deadline."""
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _clamp(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        """What the wrapped stream says (``is_readable``, ``ssl_object``, ...)."""
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync network backend, with every stream cut to the attempt's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend | None = None) -> None:
        self._backend = backend or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Open a TCP connection, within the deadline."""
        return _DeadlineStream(
            self._backend.connect_tcp(host, port, _clamp(timeout), local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Open a Unix socket connection, within the deadline."""
        return _DeadlineStream(
            self._backend.connect_unix_socket(path, _clamp(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's connect retries)."""
        self._backend.sleep(seconds)


def install_deadline_backend(pool: object) -> bool:
    """Put :class:`DeadlineBackend` under an httpx sync transport's httpcore pool.

    httpx has no public switch for its pool's network backend; returns False (and changes
    nothing) when the pool has none to replace.
    """
    inner = getattr(pool, "_pool", None)
    backend = getattr(inner, "_network_backend", None)
    if backend is None or isinstance(backend, DeadlineBackend):
        return backend is not None
    inner._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return True
