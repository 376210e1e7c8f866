from __future__ import annotations

import time

import httpx

from tests.emulator.emulator_helpers import chat, sse_events, user
from wenxin_core.emulator import EmulatorServer


def test_stream_framing_and_usage(client: httpx.Client, token: str) -> None:
    full = chat(client, token, {"messages": user("stream me")}).json()
    response = chat(client, token, {"messages": user("stream me"), "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response)
    assert len(events) >= 3
    assert [e["sentence_id"] for e in events] == list(range(len(events)))
    assert [e["is_end"] for e in events] == [False] * (len(events) - 1) + [True]
    assert len({e["id"] for e in events}) == 1
    assert "".join(e["result"] for e in events) == full["result"]
    prompt = full["usage"]["prompt_tokens"]
    running = prompt
    for event in events:
        usage = event["usage"]
        assert usage["prompt_tokens"] == prompt
        running += usage["completion_tokens"]
        assert usage["total_tokens"] == running
    final = events[-1]["usage"]
    assert final["total_tokens"] - final["prompt_tokens"] == full["usage"]["completion_tokens"]
    assert list(events[0]) == [
        "id",
        "object",
        "created",
        "sentence_id",
        "is_end",
        "is_truncated",
        "result",
        "need_clear_history",
        "usage",
    ]


def test_final_only_usage_style() -> None:
    with (
        EmulatorServer(stream_usage_style="final_only") as emu,
        httpx.Client(base_url=emu.base_url) as client,
    ):
        token = emu.issue_token()
        full = chat(client, token, {"messages": user()}).json()
        events = sse_events(chat(client, token, {"messages": user(), "stream": True}))
        prompt = full["usage"]["prompt_tokens"]
        for event in events[:-1]:
            assert event["usage"] == {
                "prompt_tokens": prompt,
                "completion_tokens": 0,
                "total_tokens": prompt,
            }
        assert events[-1]["usage"] == full["usage"]


def test_stream_ernie_finish_reason(client: httpx.Client, token: str) -> None:
    events = sse_events(
        chat(client, token, {"messages": user(), "stream": True, "stop": ["wenxin"]}, "completions")
    )
    assert events[-1]["finish_reason"] == "stop"
    assert all(e["finish_reason"] == "normal" for e in events[:-1])
    assert "wenxin" not in "".join(e["result"] for e in events)


def test_stream_truncation_flag_on_last_event(client: httpx.Client, token: str) -> None:
    body = {"messages": user(), "stream": True, "max_output_tokens": 8}
    events = sse_events(chat(client, token, body, "completions"))
    assert events[-1]["is_truncated"] is True
    assert events[-1]["finish_reason"] == "length"


def test_events_arrive_incrementally(emu: EmulatorServer, token: str) -> None:
    emu.set_latency(chunk=0.15)
    arrivals: list[float] = []
    with httpx.Client(base_url=emu.base_url) as client:
        start = time.perf_counter()
        with client.stream(
            "POST",
            "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b",
            params={"access_token": token},
            json={"messages": user(), "stream": True},
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    arrivals.append(time.perf_counter() - start)
    assert len(arrivals) >= 3
    assert arrivals[0] < 0.12  # the first event is not held back until the end
    assert arrivals[-1] >= 0.15 * (len(arrivals) - 1) * 0.9


def test_small_events_not_delayed_by_nagle(emu: EmulatorServer, token: str) -> None:
    with httpx.Client(base_url=emu.base_url) as client:
        body = {"messages": user(), "stream": True}
        chat(client, token, body)  # warm the connection
        start = time.perf_counter()
        for _ in range(10):
            chat(client, token, body)
        assert (time.perf_counter() - start) / 10 < 0.03
