from __future__ import annotations

import re

import httpx

from tests.emulator.emulator_helpers import chat, sse_events, user
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.replies import build_reply, count_tokens, split_pieces


def test_reply_is_deterministic(client: httpx.Client, token: str) -> None:
    first = chat(client, token, {"messages": user("hello there")}).json()
    second = chat(client, token, {"messages": user("hello there")}).json()
    assert first["result"] == second["result"]
    assert first["usage"] == second["usage"]
    assert first["id"] != second["id"]
    assert first["result"].startswith("You said: hello there.")


def test_non_stream_body_shape(client: httpx.Client, token: str) -> None:
    response = chat(client, token, {"messages": user()})
    assert response.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"[0-9a-f]+", response.headers["x-baidu-request-id"])
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "result",
        "is_truncated",
        "need_clear_history",
        "usage",
    ]
    assert re.fullmatch(r"as-[a-z0-9]{10}", body["id"])
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["is_truncated"] is False
    assert body["need_clear_history"] is False
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] == count_tokens(body["result"])


def test_ernie_has_finish_reason(client: httpx.Client, token: str) -> None:
    body = chat(client, token, {"messages": user()}, endpoint="completions_pro").json()
    assert body["finish_reason"] == "normal"


def test_system_is_echoed(client: httpx.Client, token: str) -> None:
    body = chat(
        client, token, {"messages": user(), "system": "You are a pirate"}, "completions"
    ).json()
    assert "System: You are a pirate." in body["result"]


def test_stop_cuts_before_stop_string(client: httpx.Client, token: str) -> None:
    full = chat(client, token, {"messages": user()}).json()["result"]
    body = chat(client, token, {"messages": user(), "stop": ["emulator", "zzz"]}).json()
    assert body["result"] == full[: full.index("emulator")]
    ernie = chat(client, token, {"messages": user(), "stop": ["emulator"]}, "completions").json()
    assert ernie["finish_reason"] == "stop"
    assert "emulator" not in ernie["result"]


def test_max_output_tokens_truncates(client: httpx.Client, token: str) -> None:
    body = chat(client, token, {"messages": user(), "max_output_tokens": 3}, "completions").json()
    assert body["is_truncated"] is True
    assert body["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 3
    assert body["result"] and "You said: hi.".startswith(body["result"])


def test_scripted_replies(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.script('{"name": "Ada", "age": 36}', times=2)
    emu.script("third")
    results = [chat(client, token, {"messages": user()}).json()["result"] for _ in range(4)]
    assert results[:3] == ['{"name": "Ada", "age": 36}', '{"name": "Ada", "age": 36}', "third"]
    assert results[3].startswith("You said: hi.")


def test_script_not_used_by_invalid_request(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    emu.script("kept")
    assert chat(client, token, {"messages": []}).json()["error_code"] == 336003
    assert chat(client, token, {"messages": user()}).json()["result"] == "kept"


def test_unsafe_trigger(client: httpx.Client, token: str) -> None:
    body = chat(client, token, {"messages": user("please UNSAFE-TRIGGER now")}).json()
    assert body["need_clear_history"] is True
    assert body["ban_round"] == -1
    assert body["result"] == ""
    events = sse_events(chat(client, token, {"messages": user("UNSAFE-TRIGGER"), "stream": True}))
    assert len(events) == 1
    assert events[0]["is_end"] is True and events[0]["need_clear_history"] is True


def test_custom_unsafe_trigger() -> None:
    with EmulatorServer(unsafe_trigger="BAD") as emu, httpx.Client(base_url=emu.base_url) as c:
        token = emu.issue_token()
        assert chat(c, token, {"messages": user("BAD")}).json()["need_clear_history"] is True
        body = chat(c, token, {"messages": user("UNSAFE-TRIGGER")}).json()
        assert body["need_clear_history"] is False


def test_cjk_token_counting() -> None:
    assert count_tokens("") == 0
    assert count_tokens("a") == 1
    assert count_tokens("abcd") == 1
    assert count_tokens("abcde") == 2
    assert count_tokens("你好") == 2
    assert count_tokens("你好abcd") == 3


def test_split_pieces_concatenate() -> None:
    text = "One. Two! Three?? 四。 tail"
    pieces = split_pieces(text)
    assert "".join(pieces) == text
    assert pieces == ["One. ", "Two! ", "Three?? ", "四。 ", "tail"]
    assert split_pieces("") == [""]


def test_build_reply_stop_and_length() -> None:
    reply = build_reply("abc STOP def", prompt_texts=["x"], stop=["STOP"])
    assert (reply.text, reply.finish_reason) == ("abc ", "stop")
    reply = build_reply("abcdefghijkl", prompt_texts=["x"], max_output_tokens=2)
    assert (reply.text, reply.is_truncated, reply.completion_tokens) == ("abcdefgh", True, 2)
