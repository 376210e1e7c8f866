"""The async client's own connection pools: one per event loop that uses the client.

An aiohttp connection pool (and httpx's own async one) belongs to the event loop it was made
in. A client used from several loops (successive ``asyncio.run`` calls, a test framework's
loop per test, LlamaIndex running a coroutine in a worker thread) gets one pool per loop. A
pool is closed inside its own loop when that loop shuts down (``asyncio.run`` and other
runners call ``loop.shutdown_asyncgens()``, which closes the pool's closer generator), by
:meth:`LoopPools.aclose`, or, for a loop that ended without shutting down its async
generators, released without awaiting when noticed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import httpx

from wenxin_core._http.limits import DEFAULT_MAX_CONNECTIONS
from wenxin_core.transport import make_async_http_client, release_async_http_client

__all__ = ["LoopPool", "LoopPools"]


async def _close_at_loop_shutdown(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Yield once; when closed (by ``aclose`` or at loop shutdown), close ``client``."""
    try:
        yield
    finally:
        await client.aclose()


@dataclass
class LoopPool:
    """One event loop's ``httpx.AsyncClient`` and the transport under it.

    ``transport`` is what the lean send path sends to; ``None`` when proxies are configured
    (then requests go through ``http.send``, which picks the proxy's transport per URL).
    """

    loop: asyncio.AbstractEventLoop
    transport: httpx.AsyncBaseTransport | None
    http: httpx.AsyncClient
    closer: AsyncGenerator[None, None] = field(repr=False)
    started: bool = False

    async def aclose(self) -> None:
        """Close the pool (in its own loop)."""
        if self.started:
            await self.closer.aclose()
        await self.http.aclose()

    def release(self) -> None:
        """Close the pool from outside its loop, without awaiting."""
        release_async_http_client(self.http, self.loop)


class LoopPools:
    """Makes, finds and closes the pool of each event loop a client runs in."""

    def __init__(
        self, timeout: httpx.Timeout, max_connections: int | None = DEFAULT_MAX_CONNECTIONS
    ) -> None:
        self._timeout = timeout
        self._max_connections = max_connections
        self._pools: dict[asyncio.AbstractEventLoop, LoopPool] = {}
        self._lock = threading.Lock()

    def current(self) -> LoopPool:
        """The running loop's pool, made on first use (needs a running loop)."""
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            self._release_finished()
            http = make_async_http_client(self._timeout, max_connections=self._max_connections)
            transport = None if http._mounts else http._transport
            pool = LoopPool(loop, transport, http, _close_at_loop_shutdown(http))
            with self._lock:
                self._pools[loop] = pool
        return pool

    def started_pool(self) -> LoopPool | None:
        """The running loop's pool if :meth:`acquire` already started it, else ``None``."""
        pool = self._pools.get(asyncio.get_running_loop())
        return pool if pool is not None and pool.started else None

    async def acquire(self) -> LoopPool:
        """The running loop's pool, registered to be closed when the loop shuts down."""
        pool = self.current()
        if not pool.started:
            pool.started = True
            await pool.closer.__anext__()
        return pool

    def _release_finished(self) -> None:
        """Release the pools of loops that have been closed (never of a live loop)."""
        with self._lock:
            finished = [loop for loop in self._pools if loop.is_closed()]
            pools = [self._pools.pop(loop) for loop in finished]
        for pool in pools:
            pool.release()

    async def aclose(self) -> None:
        """Close every pool: the running loop's here, the others from outside their loops."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        running = asyncio.get_running_loop()
        for pool in pools:
            if pool.loop is running:
                await pool.aclose()
            else:
                pool.release()

    def release_all(self) -> None:
        """Release every pool without awaiting (the client is being collected)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.release()

    def __len__(self) -> int:
        return len(self._pools)
