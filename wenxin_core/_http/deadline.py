"""The overall per-attempt deadline (``total_timeout``), on the sync and the async path.

httpx's timeouts are per phase: a body that drips one byte a second never trips a read
timeout. The attempt's deadline bounds all of it, the token fetch included:

* async: a whole-answer call registers with its loop's
  :class:`~wenxin_core._http.deadline_watch.DeadlineWatch` (one timer for every call in
  flight); a stream's send and each of its reads run under ``asyncio.timeout_at``, never
  across a ``yield``;
* sync: the deadline is kept in a context variable while the attempt does I/O, and the
  network streams under httpx's pool (:mod:`wenxin_core._http.sync_backend`, imported with
  the first sync client: it needs httpcore) cut every connect, TLS handshake, read and write
  to the time left.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import TypeVar

import httpx

__all__ = [
    "HAS_TIMEOUT_AT",
    "AsyncBody",
    "Deadline",
    "DeadlineTimeout",
    "SyncBody",
    "loop_time_of",
]

_T = TypeVar("_T")

_CURRENT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "wenxin_deadline", default=None
)


class Deadline:
    """When one attempt must be over: ``total`` seconds from now (``None``: never).

    Attributes:
        total: the attempt's ``total_timeout`` in seconds, or ``None``.
        at: the monotonic time it ends (``inf`` for none).
        fired: whether it cut the attempt short.

    """

    __slots__ = ("at", "fired", "total")

    def __init__(self, total: float | None) -> None:
        self.total = total
        self.at = time.monotonic() + total if total is not None else float("inf")
        self.fired = False

    @classmethod
    def ending(cls, total: float | None, at: float | None) -> Deadline:
        """The deadline of an attempt that started ``total`` seconds before ``at`` (monotonic)."""
        deadline = cls(None)
        deadline.total = total
        deadline.at = float("inf") if at is None else at
        return deadline

    def loop_time(self) -> float | None:
        """The deadline on the running loop's clock, for ``asyncio.timeout_at`` (None: none)."""
        return None if self.total is None else loop_time_of(self.at)

    def passed(self) -> bool:
        """Whether the deadline is over (and so the reason of a failure now)."""
        if self.total is not None and time.monotonic() >= self.at:
            self.fired = True
        return self.fired

    @contextlib.contextmanager
    def sync_scope(self) -> Iterator[None]:
        """Make the sync network streams of this thread respect the deadline meanwhile."""
        if self.total is None:
            yield
            return
        token = _CURRENT.set(self.at)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    async def run(self, awaitable: Awaitable[_T]) -> _T:
        """Await ``awaitable`` until the deadline; then cancel it (:attr:`fired` is set)."""
        if self.total is None:
            return await awaitable
        try:
            if HAS_TIMEOUT_AT:
                async with asyncio.timeout_at(self.loop_time()):
                    return await awaitable
            return await asyncio.wait_for(awaitable, max(0.0, self.at - time.monotonic()))
        except TimeoutError:
            self.passed()
            raise


HAS_TIMEOUT_AT = sys.version_info >= (3, 11)
"""Whether ``asyncio.timeout_at`` exists (Python 3.11+); 3.10 bounds awaits with ``wait_for``."""


def loop_time_of(at: float | None) -> float | None:
    """A monotonic deadline ``at`` on the running loop's clock (``None``: no deadline)."""
    if at is None:
        return None
    return asyncio.get_running_loop().time() + (at - time.monotonic())


def time_left(timeout: float | None) -> float | None:
    """``timeout`` cut to what is left of the current attempt's deadline (None: no deadline).

    Raises:
        TimeoutError: no time is left.

    """
    at = _CURRENT.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise TimeoutError("total_timeout passed")
    return left if timeout is None or left < timeout else timeout


class DeadlineTimeout(httpx.ReadTimeout):
    """Raised by a body reader when the attempt's deadline passed (a read timeout for httpx)."""


class SyncBody(Iterator[bytes]):
    """A response body's pieces, each read within the attempt's deadline."""

    def __init__(self, pieces: Iterator[bytes], deadline: Deadline) -> None:
        self._pieces = pieces
        self.deadline = deadline

    def __iter__(self) -> SyncBody:
        return self

    def __next__(self) -> bytes:
        try:
            with self.deadline.sync_scope():
                return next(self._pieces)
        except httpx.TimeoutException as exc:
            if self.deadline.passed():
                raise DeadlineTimeout(f"total_timeout={self.deadline.total:g}s passed") from exc
            raise


class AsyncBody(AsyncIterator[bytes]):
    """Async twin of :class:`SyncBody`; :meth:`aclose` closes the pieces' generator."""

    def __init__(self, pieces: AsyncIterator[bytes], deadline: Deadline) -> None:
        self._pieces = pieces
        self.deadline = deadline

    def __aiter__(self) -> AsyncBody:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.deadline.run(self._pieces.__anext__())
        except (httpx.TimeoutException, TimeoutError) as exc:
            if self.deadline.passed():
                raise DeadlineTimeout(f"total_timeout={self.deadline.total:g}s passed") from exc
            raise

    async def aclose(self) -> None:
        """Stop reading: close the underlying generator."""
        closer = getattr(self._pieces, "aclose", None)
        if closer is not None:
            await closer()
