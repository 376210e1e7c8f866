"""What every bench script shares: the request, the key, the raw-httpx baselines, the timers.

Every script talks Qianfan V2 (``POST {emulator}/v2/chat/completions``, ``Authorization:
Bearer``) to an emulator in its own process. Each script is run as ``python bench/X.py``, which
puts ``bench/`` on ``sys.path``, so the scripts import this module as ``from _common import ...``.
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
from wenxin_core.emulator.config import DEFAULT_API_KEY

MODEL = "ernie-4.5-turbo-32k"
"""Model id every contender asks for (the adapters' default)."""
API_KEY = DEFAULT_API_KEY
"""The V2 API Key the emulator accepts (sent as ``Authorization: Bearer``)."""
PATH = "/chat/completions"
"""Chat path under the V2 base URL, for the raw clients."""
PROMPT = "Tell me about the Great Wall."
"""The one user turn of the conversation."""
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": PROMPT}]
"""The conversation, in the wire / core-client shape."""
BODY = json.dumps({"model": MODEL, "messages": MESSAGES}).encode()
"""Pre-encoded request body of a non-stream chat call (raw clients)."""
STREAM_OPTIONS = {"stream": True, "stream_options": {"include_usage": True}}
"""What a stream request adds to the body (usage asked for, as the core always does)."""
STREAM_BODY = json.dumps({"model": MODEL, "messages": MESSAGES, **STREAM_OPTIONS}).encode()
"""Pre-encoded request body of a stream chat call (raw clients)."""
JSON_HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
"""Headers of every raw request."""


def make_parser(doc: str | None, calls: int) -> argparse.ArgumentParser:
    """Argument parser described by the first line of ``doc``; ``--calls`` defaults to ``calls``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=calls)
    return parser


def chat_url(base_url: str) -> str:
    """Full URL of the V2 chat endpoint under ``base_url`` (``{emulator}/v2``)."""
    return f"{base_url}{PATH}"


class Target(NamedTuple):
    """The emulator under test: V2 base URL, the API Key, chat URL."""

    base_url: str
    key: str
    url: str


@contextmanager
def emulator_process(*emulator_args: str) -> Iterator[EmulatorProcess]:
    """Start the emulator in its own process (``emulator_args`` go to ``wenxin-emulator``)."""
    with EmulatorProcess(*emulator_args) as emulator:
        yield emulator


@contextmanager
def emulator_target(*emulator_args: str) -> Iterator[Target]:
    """Start the emulator in its own process and yield where to call it (V2), key included.

    ``emulator_args`` are passed to ``wenxin-emulator`` (e.g. ``"--latency", "0.012"``).
    """
    with emulator_process(*emulator_args) as emulator:
        base = emulator.v2_base_url
        yield Target(base, API_KEY, chat_url(base))


def reply_text(body: dict[str, Any]) -> str:
    """The text of a V2 chat answer (``choices[0].message.content``)."""
    return str(body["choices"][0]["message"]["content"])


def chunk_text(event: dict[str, Any]) -> str:
    """The text of a V2 stream chunk (``choices[0].delta.content``; "" on a usage-only chunk)."""
    choices = event.get("choices") or ()
    if not choices:
        return ""
    return str(choices[0].get("delta", {}).get("content") or "")


def raw_chat(client: httpx.Client, url: str) -> str:
    """One non-stream chat call with raw httpx: POST :data:`BODY`, parse JSON, return the text."""
    return reply_text(client.post(url, content=BODY, headers=JSON_HEADERS).json())


async def raw_achat(client: httpx.AsyncClient, url: str) -> str:
    """Async twin of :func:`raw_chat`."""
    response = await client.post(url, content=BODY, headers=JSON_HEADERS)
    return reply_text(response.json())


def iter_raw_sse(client: httpx.Client, url: str) -> Iterator[dict[str, Any]]:
    """Stream with raw httpx (``iter_lines`` + ``json.loads``): each chunk until ``[DONE]``."""
    with client.stream("POST", url, content=STREAM_BODY, headers=JSON_HEADERS) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield json.loads(data)


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
