"""The three example streams of Baidu's documentation through the clients, over MockTransport.

The fixtures in ``data/`` are the ``data:`` lines of /work/shared/seeds/*.txt, verbatim: the
documentation prints them without blank lines between events and with the invalid escape ``\\'``.
Final usage is the ``is_end`` event's prompt and total tokens, completion = total - prompt.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.types import Usage

DATA = Path(__file__).parent / "data"

# file, model whose page shows it, events, (prompt, completion, total), text start, text end
CASES = [
    (
        "llama_2_7b_chat.sse",
        "Llama-2-7b-chat",
        9,
        (11, 401, 412),
        "以下是一些适合自驾游的路线推荐",
        "自然风光和人文景观。",
    ),
    (
        "dolly_12b.sse",
        None,
        3,
        (5, 276, 281),
        " Hello! I'm happy to help you",
        "the communities and traditions that it represents.",
    ),
    (
        "llama_2_13b_chat.sse",
        "Llama-2-13b-chat",
        6,
        (11, 524, 535),
        " Hello! As a helpful and respectful assistant, I'd be happy",
        "please don't hesitate to ask.",
    ),
]
IDS = [case[0] for case in CASES]


def data_lines(name: str) -> list[bytes]:
    lines = (DATA / name).read_bytes().splitlines()
    assert lines and all(line.startswith(b"data: ") for line in lines)
    return lines


def expected_pieces(name: str) -> list[str]:
    """Each event's ``result``, decoded independently of the library."""
    return [
        json.loads(line[6:].decode().replace("\\'", "'"))["result"] for line in data_lines(name)
    ]


def bodies(name: str) -> dict[str, Callable[[], Iterator[bytes]]]:
    """The same events framed several ways: verbatim, proper SSE, CRLF, byte by byte."""
    lines = data_lines(name)
    verbatim = b"\n".join(lines) + b"\n"
    proper = b"".join(line + b"\n\n" for line in lines)
    crlf = b"".join(line + b"\r\n\r\n" for line in lines)
    return {
        "verbatim": lambda: iter([verbatim]),
        "proper": lambda: iter([proper]),
        "crlf-per-event": lambda: iter([line + b"\r\n\r\n" for line in lines]),
        "byte-by-byte": lambda: (crlf[i : i + 1] for i in range(len(crlf))),
    }


def sse_client(make_body: Callable[[], Iterator[bytes]], model: str | None) -> WenxinClient:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx.Response(
            200, headers={"Content-Type": "text/event-stream;charset=utf-8"}, content=make_body()
        )

    http = httpx.Client(transport=httpx.MockTransport(handler))
    endpoint = None if model else "ngxxxol8_test1"
    return WenxinClient(model, endpoint=endpoint, api="v1", access_token="tok", http_client=http)


@pytest.mark.parametrize("framing", ["verbatim", "proper", "crlf-per-event", "byte-by-byte"])
@pytest.mark.parametrize(("name", "model", "count", "usage", "start", "end"), CASES, ids=IDS)
def test_reference_stream_through_the_sync_client(
    name: str,
    model: str | None,
    count: int,
    usage: tuple[int, int, int],
    start: str,
    end: str,
    framing: str,
) -> None:
    client = sse_client(bodies(name)[framing], model)
    with client.stream([{"role": "user", "content": "推荐几条中国自驾游路线"}]) as stream:
        chunks = list(stream)
    prompt, completion, total = usage
    assert len(chunks) == count
    assert [c.raw["sentence_id"] for c in chunks] == list(range(count))
    assert [c.is_end for c in chunks] == [False] * (count - 1) + [True]
    assert [c.result for c in chunks] == expected_pieces(name)
    text = "".join(expected_pieces(name))
    assert stream.text == text
    assert text.startswith(start)
    assert text.endswith(end)
    assert "\\'" not in text
    final = Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)
    assert chunks[-1].usage == final
    assert stream.usage == final
    assert stream.last_chunk is chunks[-1]
    assert chunks[0].request_id == chunks[0].id


@pytest.mark.parametrize(("name", "model", "count", "usage", "start", "end"), CASES, ids=IDS)
async def test_reference_stream_through_the_async_client(
    name: str,
    model: str | None,
    count: int,
    usage: tuple[int, int, int],
    start: str,
    end: str,
) -> None:
    lines = data_lines(name)

    async def body() -> AsyncIterator[bytes]:
        for line in lines:
            yield line + b"\r\n"  # verbatim framing, delivered event by event
        yield b"\r\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, content=body())

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    endpoint = None if model else "ngxxxol8_test1"
    client = AsyncWenxinClient(
        model, endpoint=endpoint, api="v1", access_token="tok", http_client=http
    )
    async with client.stream([{"role": "user", "content": "hi"}]) as stream:
        chunks = [chunk async for chunk in stream]
    prompt, completion, total = usage
    assert len(chunks) == count
    assert stream.text == "".join(expected_pieces(name))
    assert stream.usage == Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=total
    )
    await http.aclose()


def test_intermediate_usage_is_what_the_service_sent() -> None:
    client = sse_client(bodies("llama_2_7b_chat.sse")["proper"], "Llama-2-7b-chat")
    chunks = list(client.stream([{"role": "user", "content": "hi"}]))
    # the 7b page reports completion_tokens per event: never summed, never used as the final
    assert [c.raw["usage"]["completion_tokens"] for c in chunks[:3]] == [16, 50, 43]
    assert [c.usage for c in chunks[:3]] == [None, None, None]  # only the final chunk has usage
    assert [c.usage.total_tokens for c in chunks if c.usage][-1] == 412
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 401  # not the event's own 30
