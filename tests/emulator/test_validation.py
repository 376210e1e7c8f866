from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.emulator_helpers import CHAT, chat, get_token, user
from wenxin_core.emulator import EmulatorServer


def error_of(response: httpx.Response) -> tuple[int, str]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error_code", "error_msg", "id"}
    assert body["id"].startswith("as-") and len(body["id"]) == 13
    return body["error_code"], body["error_msg"]


def test_body_not_json(client: httpx.Client, token: str) -> None:
    response = client.post(
        CHAT + "llama_2_13b", params={"access_token": token}, content=b"{not json"
    )
    assert error_of(response) == (336002, "Invalid JSON")
    response = client.post(CHAT + "llama_2_13b", params={"access_token": token}, content=b"[1]")
    assert error_of(response)[0] == 336002


def test_messages_missing_or_empty(client: httpx.Client, token: str) -> None:
    assert error_of(chat(client, token, {}))[0] == 336001
    assert error_of(chat(client, token, {"messages": "hi"}))[0] == 336001
    assert error_of(chat(client, token, {"messages": []}))[0] == 336003


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "odd number"),
        ([{"role": "assistant", "content": "a"}], "even index"),
        (
            [
                {"role": "user", "content": "a"},
                {"role": "user", "content": "b"},
                {"role": "user", "content": "c"},
            ],
            "odd index",
        ),
        ([{"role": "system", "content": "a"}], "even index"),
        ([{"role": "user", "content": ""}], "must not be empty"),
    ],
)
def test_role_order_and_content(
    client: httpx.Client, token: str, messages: list[dict[str, str]], fragment: str
) -> None:
    code, msg = error_of(chat(client, token, {"messages": messages}))
    assert code == 336006
    assert fragment in msg


def test_odd_count_text(client: httpx.Client, token: str) -> None:
    messages = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    assert error_of(chat(client, token, {"messages": messages})) == (
        336006,
        "the length of messages must be an odd number",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", 0),
        ("temperature", 1.5),
        ("temperature", "hot"),
        ("top_p", -0.1),
        ("top_p", 1.01),
        ("top_k", 0),
        ("top_k", 1.5),
        ("top_k", True),
        ("penalty_score", 0.9),
        ("penalty_score", 2.1),
        ("stop", ["a", "b", "c", "d", "e"]),
        ("stop", ["x" * 21]),
        ("stop", "abc"),
        ("stream", "yes"),
    ],
)
def test_parameter_ranges(client: httpx.Client, token: str, field: str, value: Any) -> None:
    code, msg = error_of(chat(client, token, {"messages": user(), field: value}))
    assert code == 336003
    assert field in msg


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", 1.0),
        ("temperature", 0.01),
        ("top_p", 0),
        ("top_p", 1),
        ("top_k", 1),
        ("penalty_score", 1),
        ("penalty_score", 2.0),
        ("stop", ["a", "b", "c", "x" * 20]),
        ("user_id", "u1"),
    ],
)
def test_parameter_bounds_accepted(
    client: httpx.Client, token: str, field: str, value: Any
) -> None:
    body = chat(client, token, {"messages": user(), field: value}).json()
    assert "result" in body, body


def test_system_rejected_on_llama(client: httpx.Client, token: str) -> None:
    code, msg = error_of(chat(client, token, {"messages": user(), "system": "be brief"}))
    assert code == 336003
    assert "system" in msg


def test_unknown_field_rejected(client: httpx.Client, token: str) -> None:
    code, msg = error_of(chat(client, token, {"messages": user(), "max_output_tokens": 5}))
    assert code == 336003
    assert "max_output_tokens" in msg
    code, msg = error_of(
        chat(client, token, {"messages": user(), "top_k": 3}, endpoint="completions")
    )
    assert code == 336003
    assert "top_k" in msg


def test_system_accepted_on_ernie(client: httpx.Client, token: str) -> None:
    body = chat(
        client, token, {"messages": user(), "system": "be brief"}, endpoint="completions"
    ).json()
    assert "be brief" in body["result"]


def test_total_length_limit(client: httpx.Client, token: str) -> None:
    ok = chat(client, token, {"messages": user("x" * 4800)}).json()
    assert "result" in ok
    code, _ = error_of(chat(client, token, {"messages": user("x" * 4801)}))
    assert code == 336007
    long_history = [
        {"role": "user", "content": "a" * 2000},
        {"role": "assistant", "content": "b" * 2000},
        {"role": "user", "content": "c" * 801},
    ]
    assert error_of(chat(client, token, {"messages": long_history}))[0] == 336007


def test_llama_7b_last_message_limit(client: httpx.Client, token: str) -> None:
    code, msg = error_of(chat(client, token, {"messages": user("x" * 2001)}, "llama_2_7b"))
    assert (code, msg) == (336007, "the max length of current question is 2000")


def test_llama_7b_forgets_oldest_history(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    messages = [
        {"role": "user", "content": "a" * 1000},
        {"role": "assistant", "content": "b" * 1000},
        {"role": "user", "content": "c" * 500},
        {"role": "assistant", "content": "d" * 500},
        {"role": "user", "content": "final question"},
    ]
    body = chat(client, token, {"messages": messages}, "llama_2_7b").json()
    assert body["result"].startswith("You said: final question.")
    # only the last three messages (c, d, final) fit 2,000 characters: 250 + 250... tokens
    assert body["usage"]["prompt_tokens"] == (500 // 4) * 2 + 4


def test_invalid_body_answers_json_when_stream_true(client: httpx.Client, token: str) -> None:
    response = chat(client, token, {"messages": [], "stream": True})
    assert response.headers["content-type"].startswith("application/json")
    assert not response.text.startswith("data:")
    assert error_of(response)[0] == 336003


def test_unknown_endpoint_handling(client: httpx.Client, token: str) -> None:
    body = chat(client, token, {"messages": user()}, endpoint="ngxxxol8_test1").json()
    assert "ngxxxol8_test1" in body["result"]
    assert "finish_reason" not in body
    assert error_of(chat(client, token, {"messages": user()}, endpoint="a/b")) == (
        3,
        "Unsupported openapi method",
    )


def test_custom_endpoint_set() -> None:
    with (
        EmulatorServer(custom_endpoints={"mine_1"}) as emu,
        httpx.Client(base_url=emu.base_url) as client,
    ):
        token = get_token(client)
        assert "result" in chat(client, token, {"messages": user()}, "mine_1").json()
        assert "result" in chat(client, token, {"messages": user()}, "llama_2_70b").json()
        assert error_of(chat(client, token, {"messages": user()}, "other")) == (
            336005,
            "API name not exist",
        )


def test_custom_endpoint_rules(client: httpx.Client, token: str) -> None:
    code, msg = error_of(
        chat(client, token, {"messages": user(), "system": "s"}, endpoint="dolly_ep")
    )
    assert code == 336003 and "system" in msg
    body = chat(client, token, {"messages": user(), "top_k": 2}, endpoint="dolly_ep").json()
    assert "result" in body


def test_wrong_method(client: httpx.Client, token: str) -> None:
    response = client.get(CHAT + "llama_2_13b", params={"access_token": token})
    assert error_of(response) == (336101, "Invalid HTTP Method")
