"""V2 streams: chat.completion.chunk frames, data: [DONE], the usage options, reasoning deltas."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.v2_helpers import MODEL, body, chunks, joined, post
from tests.support.emulator_text import reply_text
from wenxin_core.emulator import EmulatorServer


def stream(client: httpx.Client, **extra: Any) -> list[dict[str, Any]]:
    response = post(client, body("hi", stream=True, **extra))
    assert response.status_code == 200, response.text
    return chunks(response)


def final_usage(client: httpx.Client, model: str = MODEL, **extra: Any) -> dict[str, Any]:
    usage: dict[str, Any] = post(client, body("hi", model=model, **extra)).json()["usage"]
    return usage


def test_chunks_and_done(client: httpx.Client) -> None:
    parsed = stream(client)
    assert len(parsed) >= 3
    assert joined(parsed) == reply_text("hi", MODEL)
    ids = {c["id"] for c in parsed}
    assert len(ids) == 1 and ids.pop().startswith("as-")
    for chunk in parsed:
        assert set(chunk) == {"id", "object", "created", "model", "choices", "usage"}
        assert chunk["model"] == MODEL
        (choice,) = chunk["choices"]
        assert choice["index"] == 0 and choice["flag"] == 0 and choice["ban_round"] == -1
        assert chunk["usage"] is None
    assert parsed[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in parsed[1:])
    assert [c["choices"][0]["finish_reason"] for c in parsed] == [None] * (len(parsed) - 1) + [
        "stop"
    ]


def test_include_usage_final_chunk_with_empty_choices(client: httpx.Client) -> None:
    parsed = stream(client, stream_options={"include_usage": True})
    *content, last = parsed
    assert last["choices"] == []
    assert last["usage"] == final_usage(client)
    assert all(c["usage"] is None for c in content)
    assert joined(content) == reply_text("hi", MODEL)


def test_usage_on_last_content_chunk_by_control(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.set_usage_placement("last_chunk")
    parsed = stream(client, stream_options={"include_usage": True})
    assert all(c["choices"] for c in parsed)
    assert parsed[-1]["choices"][0]["finish_reason"] == "stop"
    assert parsed[-1]["usage"] == final_usage(client)
    assert all(c["usage"] is None for c in parsed[:-1])
    emu.reset()
    assert stream(client, stream_options={"include_usage": True})[-1]["choices"] == []


@pytest.mark.emulator_config(usage_placement="last_chunk")
def test_usage_on_last_content_chunk_by_config(own_client: httpx.Client) -> None:
    parsed = stream(own_client, stream_options={"include_usage": True})
    assert parsed[-1]["choices"] and parsed[-1]["usage"]["total_tokens"] > 0


def test_chunk_include_usage_is_cumulative(client: httpx.Client) -> None:
    parsed = stream(client, stream_options={"chunk_include_usage": True})
    completions = [c["usage"]["completion_tokens"] for c in parsed]
    assert completions == sorted(completions) and completions[0] > 0
    assert len(set(completions)) == len(completions)
    prompts = {c["usage"]["prompt_tokens"] for c in parsed}
    assert len(prompts) == 1
    assert parsed[-1]["choices"]  # no extra usage chunk
    assert parsed[-1]["usage"] == final_usage(client)


def test_both_usage_options(client: httpx.Client) -> None:
    options = {"include_usage": True, "chunk_include_usage": True}
    parsed = stream(client, stream_options=options)
    assert parsed[-1]["choices"] == []
    assert parsed[-1]["usage"] == parsed[-2]["usage"] == final_usage(client)


def test_reasoning_deltas_come_first(client: httpx.Client) -> None:
    response = post(
        client,
        body(
            "hi",
            model="deepseek-v3.2",
            stream=True,
            thinking={"type": "enabled"},
            stream_options={"include_usage": True},
        ),
    )
    parsed = chunks(response)
    fields = [next(iter(set(c["choices"][0]["delta"]) - {"role"})) for c in parsed[:-1]]
    reasoning_count = fields.count("reasoning_content")
    assert reasoning_count >= 2
    assert fields == ["reasoning_content"] * reasoning_count + ["content"] * (
        len(fields) - reasoning_count
    )
    full = post(client, body("hi", model="deepseek-v3.2", thinking={"type": "enabled"})).json()
    message = full["choices"][0]["message"]
    assert joined(parsed, "reasoning_content") == message["reasoning_content"]
    assert joined(parsed) == message["content"]
    assert parsed[-1]["usage"] == full["usage"]
    assert parsed[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_cumulative_usage_counts_reasoning(client: httpx.Client) -> None:
    parsed = chunks(
        post(
            client,
            body(
                "hi",
                model="ernie-x1.1",
                stream=True,
                stream_options={"chunk_include_usage": True},
            ),
        )
    )
    last = parsed[-1]["usage"]
    assert last == final_usage(client, "ernie-x1.1")
    first = parsed[0]["usage"]
    assert first["completion_tokens"] == first["completion_tokens_details"]["reasoning_tokens"]


def test_stream_scripted_and_stop(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script("One. Two. Three.")
    assert joined(stream(client)) == "One. Two. Three."
    emu.script("One. Two. Three.")
    parsed = stream(client, stop=["Three"])
    assert joined(parsed) == "One. Two. "
    assert parsed[-1]["choices"][0]["finish_reason"] == "stop"


def test_stream_error_is_json(client: httpx.Client) -> None:
    response = post(client, body("hi", stream=True, temperature=5))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "invalid_argument"
