"""Unit tests of the byte-level SSE decoder and the lenient payload parser (wenxin_core.sse)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator

import pytest

from wenxin_core._http.errors import ResponseTooLargeError
from wenxin_core.sse import DONE, SSEDecoder, aiter_sse_data, iter_sse_data, loads_event


def decode(*chunks: bytes) -> list[str]:
    return list(iter_sse_data(chunks))


def feed_each(data: bytes, sizes: list[int]) -> list[str]:
    decoder = SSEDecoder()
    out: list[str] = []
    start = 0
    for size in sizes:
        out += decoder.feed(data[start : start + size])
        start += size
    out += decoder.feed(data[start:])
    return out + decoder.flush()


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_ending(eol: bytes) -> None:
    data = b"data: one" + eol + eol + b"data: two" + eol + eol
    assert decode(data) == ["one", "two"]


def test_mixed_line_endings_in_one_stream() -> None:
    data = b"data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n"
    assert decode(data) == ["a", "b", "c", "d"]


def test_cr_lf_split_across_chunks_is_one_line_end() -> None:
    # "\r" at the end of one chunk, "\n" at the start of the next: one line end, not two.
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == ["a\nb"]
    # and the blank line itself split the same way
    assert decode(b"data: a\r\n\r", b"\ndata: b\r\n\r\n") == ["a", "b"]


def test_a_lone_cr_at_a_chunk_end_still_ends_the_line() -> None:
    assert decode(b"data: a\r", b"\rdata: b\r\r") == ["a", "b"]


def test_empty_chunk_between_cr_and_lf_does_not_split_the_event() -> None:
    assert decode(b"data: a\r", b"", b"\ndata: b\n\n") == ["a\nb"]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_byte_by_byte_feeding_gives_the_same_events(eol: bytes) -> None:
    text = "data: 你好\u2028世界 \U0001f600" + "\n"  # multi-byte UTF-8 split across feeds
    data = (text.replace("\n", "").encode() + eol + eol) * 3 + b": ping" + eol + eol
    whole = decode(data)
    assert whole == ["你好\u2028世界 \U0001f600"] * 3
    assert decode(*[data[i : i + 1] for i in range(len(data))]) == whole


def test_random_chunkings_give_the_same_events() -> None:
    rng = random.Random(7)
    events = [
        json.dumps({"result": f"piece {i} \u2028 l\u2029 \u0085 e", "i": i}, ensure_ascii=False)
        for i in range(20)
    ]
    eols = [b"\n", b"\r\n", b"\r"]
    data = b"".join(
        b"data: " + e.encode() + (eol := rng.choice(eols)) + eol + b":c" + eol for e in events
    )
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 40)))
        sizes = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
        assert feed_each(data, sizes) == events


def test_blank_lines_comments_and_other_fields_are_skipped() -> None:
    data = (
        b"\n\n: keep-alive\n\nevent: message\nid: 7\nretry: 100\ndata: payload\n\n:comment\n\n\n\n"
    )
    assert decode(data) == ["payload"]


def test_data_without_a_space_and_with_two_spaces() -> None:
    assert decode(b"data:x\n\ndata:  y\n\ndata\n\n") == ["x", " y", ""]


def test_unicode_line_separators_inside_json_do_not_split() -> None:
    obj = {"result": "a\u2028b\u2029c\u0085d\x1ce\x0bf\x0cg", "is_end": True}
    raw = json.dumps(obj, ensure_ascii=False)
    assert "\u2028" in raw  # the raw text really holds the separator
    payloads = decode(b"data: " + raw.encode("utf-8") + b"\n\n")
    assert payloads == [raw]
    assert loads_event(payloads[0]) == [obj]


def test_multiline_data_is_joined_with_newline() -> None:
    assert decode(b"data: a\ndata: b\ndata: c\n\n") == ["a\nb\nc"]


def test_last_event_without_a_closing_blank_line_is_flushed() -> None:
    assert decode(b"data: one\n\ndata: two") == ["one", "two"]
    assert decode(b"data: one\n\ndata: two\n") == ["one", "two"]


def test_done_sentinel_is_passed_through() -> None:
    assert decode(b"data: {}\n\ndata: [DONE]\n\n") == ["{}", DONE]


def test_loads_event_one_object() -> None:
    assert loads_event('{"a": 1}') == [{"a": 1}]


def test_loads_event_splits_consecutive_data_lines_when_joined_json_is_invalid() -> None:
    payload = '{"sentence_id": 0}\n{"sentence_id": 1}\n\n{"sentence_id": 2}'
    assert loads_event(payload) == [{"sentence_id": i} for i in range(3)]


def test_loads_event_accepts_the_invalid_escaped_quote_of_baidus_examples() -> None:
    assert loads_event(r'{"result": "I\'d be happy"}') == [{"result": "I'd be happy"}]
    # a valid escaped backslash followed by n stays a backslash and an n
    assert loads_event(r'{"result": "a\\n\'b"}') == [{"result": "a\\n'b"}]


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '"text"', '{"a": 1}\nnope'])
def test_loads_event_rejects_what_is_not_a_json_object(payload: str) -> None:
    with pytest.raises(ValueError):
        loads_event(payload)


async def test_async_decoding_matches_sync() -> None:
    data = b"data: a\r\n\r\n: c\r\ndata:b\rdata: c\r\r"

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(len(data)):
            yield data[i : i + 1]

    assert [p async for p in aiter_sse_data(chunks())] == decode(data) == ["a", "b\nc"]


# -- caps and linearity ------------------------------------------------------------------------


def test_a_line_over_the_cap_is_refused_as_soon_as_it_is_over() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    decoder.feed(b"data: " + b"a" * 900)
    with pytest.raises(ResponseTooLargeError) as info:
        decoder.feed(b"a" * 200)
    assert info.value.limit == 1000


def test_a_whole_line_over_the_cap_in_one_chunk_is_refused() -> None:
    with pytest.raises(ResponseTooLargeError):
        SSEDecoder(max_event_size=100).feed(b"data: " + b"b" * 200 + b"\n\n")


def test_an_event_of_many_short_lines_over_the_cap_is_refused() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    with pytest.raises(ResponseTooLargeError):
        for _ in range(100):
            decoder.feed(b"data: " + b"c" * 50 + b"\n")


def test_events_under_the_cap_pass_and_the_default_is_16_mib() -> None:
    assert SSEDecoder().max_event_size == 16 * 1024 * 1024
    decoder = SSEDecoder(max_event_size=100)
    assert decoder.feed(b"data: " + b"d" * 90 + b"\n\n" * 1) == ["d" * 90]
    assert decoder.feed(b"data: " + b"e" * 90 + b"\n\n") == ["e" * 90]


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_decoding_is_linear_in_a_long_line(eol: bytes) -> None:
    """8 MiB in 4 KiB pieces: the old decoder re-joined and re-scanned its buffer per piece."""
    piece = b"f" * 4096
    decoder = SSEDecoder()
    start = time.perf_counter()
    decoder.feed(b"data: ")
    for _ in range(2048):
        assert decoder.feed(piece) == []
    (event,) = decoder.feed(eol + eol)
    assert len(event) == 2048 * 4096
    assert time.perf_counter() - start < 1.0


def test_decoding_is_linear_in_many_cr_only_lines() -> None:
    data = b"data: x\r\r" * 200_000  # one chunk, CR line ends only
    start = time.perf_counter()
    assert len(SSEDecoder().feed(data)) == 200_000
    assert time.perf_counter() - start < 2.0
