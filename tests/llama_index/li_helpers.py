"""Test helpers: a deterministic local embedding, wire recorders, an instrumentation collector."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent

_WORD = re.compile(r"\w+", re.UNICODE)

V1_SECRETS = ("test-api-key", "test-secret-key")
"""The V1 application keys of the ``make_llm_v1`` fixture (the V1 emulator takes any pair)."""


class HashEmbedding(BaseEmbedding):
    """Bag-of-words hashed into ``dim`` buckets, L2-normalised: no model, no network."""

    dim: int = 128

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in _WORD.findall(text.lower()):
            bucket = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "big") % self.dim
            vec[bucket] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def usage_of_body(body: bytes) -> tuple[int, int] | None:
    """(prompt, completion) tokens the server reported in one chat response body.

    JSON: its ``usage``. V2 SSE: the one chunk whose ``usage`` is set. V1 SSE: the ``is_end``
    event's prompt and total (completion = total - prompt, the reference's rule). ``None`` for
    an error answer or an unfinished stream.
    """
    text = body.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        data = json.loads(stripped)
        if "error_code" in data or "error" in data:
            return None
        usage = data["usage"]
        return int(usage["prompt_tokens"]), int(usage["completion_tokens"])
    found: tuple[int, int] | None = None
    done = False
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            done = True
            continue
        event = json.loads(payload)
        usage = event.get("usage")
        if "choices" in event:  # V2
            if usage:
                found = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
        elif event.get("is_end"):
            prompt = int(usage["prompt_tokens"])
            return prompt, int(usage["total_tokens"]) - prompt
    return found if done else None


class WireLog:
    """Bodies of every chat response the server sent, as they came over the wire."""

    def __init__(self) -> None:
        self.bodies: list[bytearray] = []

    def new(self) -> bytearray:
        buf = bytearray()
        self.bodies.append(buf)
        return buf

    def usages(self) -> list[tuple[int, int]]:
        """The usage of each completed chat answer, in order."""
        return [u for u in (usage_of_body(bytes(b)) for b in self.bodies) if u is not None]

    def totals(self) -> tuple[int, int]:
        """Summed (prompt, completion) tokens of every completed answer."""
        usages = self.usages()
        return sum(u[0] for u in usages), sum(u[1] for u in usages)


class _TeeStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, buf: bytearray) -> None:
        self._inner = inner
        self._buf = buf

    def __iter__(self) -> Iterator[bytes]:
        for data in self._inner:
            self._buf.extend(data)
            yield data

    def close(self) -> None:
        self._inner.close()


class _AsyncTeeStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, buf: bytearray) -> None:
        self._inner = inner
        self._buf = buf

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self._inner:
            self._buf.extend(data)
            yield data

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingTransport(httpx.BaseTransport):
    """An HTTP transport that copies every chat response body into a :class:`WireLog`."""

    def __init__(self, log: WireLog) -> None:
        self._inner = httpx.HTTPTransport()
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if "/chat/" not in request.url.path:
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_TeeStream(response.stream, self.log.new()),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`RecordingTransport`."""

    def __init__(self, log: WireLog) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if "/chat/" not in request.url.path:
            return response
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_AsyncTeeStream(response.stream, self.log.new()),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class EventCollector(BaseEventHandler):
    """Collects every instrumentation event (attach to the root dispatcher)."""

    events: list[Any] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "EventCollector"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(event)

    def names(self, prefix: str = "LLM") -> list[str]:
        """Class names of the collected events starting with ``prefix``, in order."""
        return [type(e).__name__ for e in self.events if type(e).__name__.startswith(prefix)]

    def count(self, name: str) -> int:
        return sum(1 for e in self.events if type(e).__name__ == name)
