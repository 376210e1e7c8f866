"""The hostile suite's client side: every client path, a runner of calls and a measuring runner."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.hostile.server import (
    Request,
    chat_body,
    json_response,
    sse_body,
    sse_response,
)
from wenxin_core import AsyncWenxinClient, WenxinClient

MODEL = "ernie-4.5-turbo-32k"
API_KEY = "bce-v3/ALTAK-hostile/hostile-api-key-0123456789"
MESSAGES = [{"role": "user", "content": "hi"}]

PATHS = ["sync-chat", "sync-stream", "async-chat", "async-stream"]
"""Every client path: the adapters go through these."""

STREAM_PATHS = ["sync-stream", "async-stream"]

PAUSE = 0.05
"""Seconds between two calls of :func:`run_calls` (when it pauses)."""


def answer_for(request: Request, text: str = "hello") -> bytes:
    """The proper answer to ``request`` (a stream if it asked for one)."""
    if b'"stream":true' in request.body.replace(b" ", b""):
        return sse_response(sse_body(text))
    return json_response(chat_body(text))


def client_options(base_url: str, **options: Any) -> dict[str, Any]:
    """Client arguments for the hostile server (no retries unless asked)."""
    values: dict[str, Any] = {"base_url": base_url + "/v2", "max_retries": 0}
    if "access_key" not in options and "auth" not in options:
        values["api_key"] = API_KEY
    values.update(options)
    return values


Pause = Callable[[], Any]


def run_calls(
    path: str, base_url: str, calls: int = 1, pause: str | None = None, **options: Any
) -> list[str]:
    """Make ``calls`` calls on one client of ``path``; return each answer's text.

    ``pause`` between calls: ``"sleep"`` lets the event loop run (``asyncio.sleep``),
    ``"block"`` blocks it (``time.sleep``, the loop does not run between the two calls).
    """
    kwargs = client_options(base_url, **options)
    stream = path.endswith("stream")
    if path.startswith("sync"):
        out: list[str] = []
        with WenxinClient(MODEL, **kwargs) as client:
            for i in range(calls):
                if i and pause:
                    time.sleep(PAUSE)
                if stream:
                    with client.stream(MESSAGES) as chunks:
                        out.append("".join(chunk.text for chunk in chunks))
                else:
                    out.append(client.chat(MESSAGES).text)
        return out

    async def main() -> list[str]:
        results: list[str] = []
        async with AsyncWenxinClient(MODEL, **kwargs) as client:
            for i in range(calls):
                if i and pause == "sleep":
                    await asyncio.sleep(PAUSE)
                elif i and pause == "block":
                    time.sleep(PAUSE)  # noqa: ASYNC251 - the loop must not run: data waits in the socket
                if stream:
                    text = ""
                    async with client.stream(MESSAGES) as chunks:
                        async for chunk in chunks:
                            text += chunk.text
                    results.append(text)
                else:
                    results.append((await client.chat(MESSAGES)).text)
        return results

    return asyncio.run(main())


@dataclass
class Outcome:
    """What one measured run did."""

    error: BaseException | None
    value: Any
    seconds: float
    peak_bytes: int

    @property
    def peak_mib(self) -> float:
        """Peak traced memory in MiB."""
        return self.peak_bytes / (1 << 20)


def measure(run: Callable[[], Any]) -> Outcome:
    """Run ``run`` under tracemalloc: its result or error, wall time and peak memory."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.monotonic()
    error: BaseException | None = None
    value: Any = None
    try:
        value = run()
    except Exception as exc:
        error = exc
    seconds = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Outcome(error, value, seconds, peak)
