"""What every bench script shares: the request, the token, the raw-httpx baselines, the timers.

Each script is run as ``python bench/X.py``, which puts ``bench/`` on ``sys.path``, so the
scripts import this module as ``from _common import ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import httpx

from wenxin_core.emulator import EmulatorProcess

MODEL = "Llama-2-13b-chat"
"""Model name every contender asks for."""
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
"""Chat endpoint of :data:`MODEL` on the emulator, for the raw clients."""
PROMPT = "Tell me about the Great Wall."
"""The one user turn of the conversation."""
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": PROMPT}]
"""The conversation, in the wire / core-client shape."""
BODY = json.dumps({"messages": MESSAGES}).encode()
"""Pre-encoded request body of a non-stream chat call (raw clients)."""
STREAM_BODY = json.dumps({"messages": MESSAGES, "stream": True}).encode()
"""Pre-encoded request body of a stream chat call (raw clients)."""
JSON_HEADERS = {"Content-Type": "application/json"}
"""Headers of every raw request."""


def make_parser(doc: str | None, calls: int) -> argparse.ArgumentParser:
    """Argument parser described by the first line of ``doc``; ``--calls`` defaults to ``calls``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=calls)
    return parser


def fetch_token(base_url: str) -> str:
    """One access token from the emulator, shared by every contender."""
    response = httpx.post(
        f"{base_url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s"},
    )
    return str(response.json()["access_token"])


def chat_url(base_url: str, token: str) -> str:
    """Full URL of the chat endpoint, token included, for the raw clients."""
    return f"{base_url}{PATH}?access_token={token}"


class Target(NamedTuple):
    """The emulator under test: base URL, one access token, chat URL with that token."""

    base_url: str
    token: str
    url: str


@contextmanager
def emulator_target(*emulator_args: str) -> Iterator[Target]:
    """Start the emulator in its own process and yield where to call it, token included.

    ``emulator_args`` are passed to ``wenxin-emulator`` (e.g. ``"--latency", "0.012"``).
    """
    with EmulatorProcess(*emulator_args) as emulator:
        token = fetch_token(emulator.base_url)
        yield Target(emulator.base_url, token, chat_url(emulator.base_url, token))


def raw_chat(client: httpx.Client, url: str) -> str:
    """One non-stream chat call with raw httpx: POST :data:`BODY`, parse JSON, return the text."""
    return str(client.post(url, content=BODY, headers=JSON_HEADERS).json()["result"])


async def raw_achat(client: httpx.AsyncClient, url: str) -> str:
    """Async twin of :func:`raw_chat`."""
    response = await client.post(url, content=BODY, headers=JSON_HEADERS)
    return str(response.json()["result"])


def iter_raw_sse(client: httpx.Client, url: str) -> Iterator[dict[str, Any]]:
    """Stream with raw httpx and yield each ``data:`` line parsed as JSON (one event each)."""
    with client.stream("POST", url, content=STREAM_BODY, headers=JSON_HEADERS) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                yield json.loads(line[5:])


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], calls: int, rounds: int = 5, warmup: int = 50
) -> dict[str, float]:
    """Median seconds per call of each function, measured in interleaved rounds (fair to drift).

    Each function first runs ``warmup`` untimed calls; then ``rounds`` times, each function in
    turn runs ``calls // rounds`` (at least one) timed calls.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(1, calls // rounds)):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


async def async_interleaved_medians(
    fns: dict[str, Callable[[], Awaitable[Any]]], calls: int, rounds: int = 5, warmup: int = 50
) -> dict[str, float]:
    """Async twin of :func:`interleaved_medians` (one call in flight: per-call overhead)."""
    for fn in fns.values():
        for _ in range(warmup):
            await fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(1, calls // rounds)):
                start = time.perf_counter()
                await fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


class Timing(NamedTuple):
    """Calls per second and the client's CPU time per call (microseconds) of one timed run."""

    rate: float
    cpu_us: float


def gathered(call: Callable[[], Awaitable[Any]], level: int) -> Callable[[int], Awaitable[Any]]:
    """A runner of ``n`` calls of ``call`` with at most ``level`` in flight (a semaphore)."""
    semaphore = asyncio.Semaphore(level)

    async def one() -> None:
        async with semaphore:
            await call()

    async def run(n: int) -> None:
        await asyncio.gather(*(one() for _ in range(n)))

    return run


async def timed(run: Callable[[int], Awaitable[Any]], calls: int, warmup: int) -> Timing:
    """Run ``warmup`` untimed calls, collect garbage, then time ``calls`` calls (wall and CPU).

    Every contender starts from a collected heap, so each pays for the garbage collections
    its own allocations cause, not for those another contender left pending.
    """
    await run(warmup)
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    await run(calls)
    wall = time.perf_counter() - start
    return Timing(calls / wall, (time.process_time() - cpu) / calls * 1e6)


async def calls_per_second(
    call: Callable[[], Awaitable[Any]], calls: int, concurrency: int, warmup: int | None = None
) -> float:
    """Calls per second of ``call`` with ``concurrency`` calls in flight, after a warm-up.

    The warm-up runs ``warmup`` untimed calls at the same concurrency; by default
    ``min(calls, max(2 * concurrency, 50))``.
    """
    if warmup is None:
        warmup = min(calls, max(2 * concurrency, 50))
    return (await timed(gathered(call, concurrency), calls, warmup)).rate
