"""Narrow client behaviours that need a scripted HTTP answer (httpx.MockTransport, no network)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.errors import (
    InvalidRequestError,
    ServiceBusyError,
    StreamInterruptedError,
    WenxinError,
)

MESSAGES = [{"role": "user", "content": "hi"}]
SSE = {"Content-Type": "text/event-stream"}


def event(i: int, *, end: bool = False) -> bytes:
    obj = {
        "id": "as-mock000001",
        "sentence_id": i,
        "is_end": end,
        "result": f"p{i} ",
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 3 + 2 * (i + 1)},
    }
    return b"data: " + json.dumps(obj).encode()


def sync_client(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: object
) -> WenxinClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return WenxinClient(
        "Llama-2-13b-chat",
        api="v1",
        access_token="tok",
        http_client=http,
        **kwargs,  # type: ignore[arg-type]
    )


def sse_answer(*parts: bytes) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE, content=iter(parts))

    return handler


def consume(client: WenxinClient) -> tuple[list[str], BaseException | None]:
    seen: list[str] = []
    try:
        for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
    except WenxinError as exc:
        return seen, exc
    return seen, None


@pytest.mark.parametrize(
    "parts",
    [
        [event(0) + b"\n\n", event(1) + b"\n\n"],  # clean close after complete events
        [event(0) + b"\n\n" + event(1) + b"\n\n"],  # one network chunk
        [event(0) + b"\n" + event(1) + b"\n"],  # the documentation's framing
        [event(0)],  # a single unterminated event
        [b": keep-alive\n\n"],  # nothing at all
    ],
    ids=["two-chunks", "one-chunk", "doc-framing", "unterminated-first", "empty"],
)
def test_stream_without_is_end_raises(parts: list[bytes]) -> None:
    seen, exc = consume(sync_client(sse_answer(*parts), max_retries=0))
    assert isinstance(exc, StreamInterruptedError)
    assert exc.partial_text.startswith("".join(seen))
    assert exc.chunks_received >= len(seen)
    assert exc.partial_text == "".join(f"p{i} " for i in range(exc.chunks_received))


def test_stream_whose_unterminated_last_event_is_not_is_end_raises() -> None:
    # Regression: an unterminated last event flushed at the end, not is_end, after the first
    # chunk was yielded, used to end the stream silently.
    seen, exc = consume(sync_client(sse_answer(event(0) + b"\n\n", event(1)), max_retries=0))
    assert seen == ["p0 ", "p1 "]
    assert isinstance(exc, StreamInterruptedError)


async def test_async_stream_whose_unterminated_last_event_is_not_is_end_raises() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield event(0) + b"\n\n"
        yield event(1)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE, content=body())

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = AsyncWenxinClient(
            "Llama-2-13b-chat", api="v1", access_token="tok", http_client=http, max_retries=0
        )
        with pytest.raises(StreamInterruptedError):
            async for _ in client.stream(MESSAGES):
                pass


def test_unterminated_final_event_is_accepted() -> None:
    seen, exc = consume(sync_client(sse_answer(event(0) + b"\n\n", event(1, end=True))))
    assert exc is None
    assert seen == ["p0 ", "p1 "]


def test_bytes_after_the_final_event_are_ignored() -> None:
    handler = sse_answer(event(0, end=True) + b"\n\n", b"data: garbage\n\n", event(5) + b"\n\n")
    seen, exc = consume(sync_client(handler))
    assert exc is None
    assert seen == ["p0 "]


def test_done_sentinel_ends_the_stream() -> None:
    seen, exc = consume(sync_client(sse_answer(event(0) + b"\n\n", b"data: [DONE]\n\n")))
    assert exc is None
    assert seen == ["p0 "]


def test_a_json_answer_to_a_stream_request_is_one_final_chunk() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": "as-1",
                "result": "whole",
                "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
            },
        )

    client = sync_client(handler)
    stream = client.stream(MESSAGES)
    chunks = list(stream)
    assert [c.result for c in chunks] == ["whole"]
    assert chunks[0].is_end
    assert stream.usage is not None and stream.usage.total_tokens == 5


def test_error_event_inside_a_stream_is_typed() -> None:
    error = json.dumps({"error_code": 336100, "error_msg": "busy", "id": "as-e"}).encode()
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, headers=SSE, content=b"data: " + error + b"\n\n")

    _, exc = consume(sync_client(handler, max_retries=1))
    assert isinstance(exc, ServiceBusyError)
    assert exc.request_id == "as-e"
    assert len(calls) == 2  # before the first chunk: retried


def test_error_event_after_a_chunk_is_raised_and_not_retried() -> None:
    error = json.dumps({"error_code": 336003, "error_msg": "bad"}).encode()
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            200, headers=SSE, content=iter([event(0) + b"\n\n", b"data: " + error + b"\n\n"])
        )

    seen, exc = consume(sync_client(handler))
    assert seen == ["p0 "]
    assert isinstance(exc, InvalidRequestError)
    assert len(calls) == 1


def test_a_non_json_event_interrupts_the_stream() -> None:
    seen, exc = consume(sync_client(sse_answer(event(0) + b"\n\n", b"data: {oops\n\n")))
    assert seen == ["p0 "]
    assert isinstance(exc, StreamInterruptedError)
    assert exc.partial_text == "p0 "


def test_read_error_mid_stream_is_an_interruption_with_the_partial_text() -> None:
    def body() -> Iterator[bytes]:
        yield event(0) + b"\n\n"
        yield event(1) + b"\n\n"
        raise httpx.ReadError("connection reset")

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, headers=SSE, content=body())

    seen, exc = consume(sync_client(handler))
    assert seen == ["p0 ", "p1 "]
    assert isinstance(exc, StreamInterruptedError)
    assert exc.partial_text == "p0 p1 "
    assert exc.chunks_received == 2
    assert len(calls) == 1


def test_chat_request_carries_the_per_attempt_timeout() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"result": "ok"})

    client = sync_client(handler, timeout=7.0)
    client.chat(MESSAGES)
    client.chat(MESSAGES, timeout=httpx.Timeout(2.0, connect=1.0))
    assert seen[0].extensions["timeout"] == httpx.Timeout(7.0).as_dict()
    assert seen[1].extensions["timeout"] == httpx.Timeout(2.0, connect=1.0).as_dict()


def test_token_request_carries_the_client_timeout() -> None:
    # Regression: the token request yielded from the auth flow had no timeout extension, so
    # a hung token endpoint blocked the caller forever (holding the single-flight lock).
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/2.0/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, json={"result": "ok"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = WenxinClient(
        "Llama-2-13b-chat",
        api="v1",
        qianfan_ak="a",
        qianfan_sk="b",
        base_url="http://h",
        timeout=3.0,
        http_client=http,
    )
    client.chat(MESSAGES)
    assert seen[0].url.path == "/oauth/2.0/token"
    assert seen[0].extensions.get("timeout") == httpx.Timeout(3.0).as_dict()
