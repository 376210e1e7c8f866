from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator.emulator_helpers import CHAT, chat, get_token, user
from wenxin_core.emulator import ERROR_MESSAGES, EmulatorServer


def test_inject_error_default_message(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    emu.inject_error(336100, times=2)
    for _ in range(2):
        body = chat(client, token, {"messages": user()}).json()
        assert body["error_code"] == 336100
        assert body["error_msg"] == ERROR_MESSAGES[336100]
    assert "result" in chat(client, token, {"messages": user()}).json()


def test_inject_error_custom_message_and_stream(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    emu.inject_error(18, message="slow down")
    response = chat(client, token, {"messages": user(), "stream": True})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error_code"] == 18
    assert response.json()["error_msg"] == "slow down"


def test_injected_token_errors(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.inject_error(110)
    body = chat(client, token, {"messages": user()}).json()
    assert (body["error_code"], body["error_msg"]) == (110, ERROR_MESSAGES[110])
    assert "result" in chat(client, token, {"messages": user()}).json()


def test_inject_http_status(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.inject_http_status(429, headers={"Retry-After": "2"}, body="too many")
    response = chat(client, token, {"messages": user()})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.text == "too many"
    emu.inject_http_status(503, times=2)
    assert chat(client, token, {"messages": user()}).status_code == 503
    assert chat(client, token, {"messages": user()}).status_code == 503
    assert chat(client, token, {"messages": user()}).status_code == 200


def test_gateway_headers(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.inject_http_status(
        403, headers={"X-Bce-Error-Code": "IamSignatureInvalid", "X-Bce-Error-Message": "bad"}
    )
    response = chat(client, token, {"messages": user()})
    assert response.status_code == 403
    assert response.headers["x-bce-error-code"] == "IamSignatureInvalid"


def test_drop_stream_after(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.drop_stream_after(2)
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST",
            CHAT + "llama_2_13b",
            params={"access_token": token},
            json={"messages": user(), "stream": True},
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                received.append(line)
    assert len(received) == 2
    assert all('"is_end":false' in line for line in received)
    # the next stream is complete again
    ok = chat(client, token, {"messages": user(), "stream": True})
    assert '"is_end":true' in ok.text


def test_drop_never_sends_is_end(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.drop_stream_after(100)
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, token, {"messages": user(), "stream": True})


def test_drop_ignored_by_non_stream_calls(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    emu.drop_stream_after(0)
    assert "result" in chat(client, token, {"messages": user()}).json()
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, token, {"messages": user(), "stream": True})


def test_request_latency(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.set_latency(request=0.3)
    start = time.perf_counter()
    chat(client, token, {"messages": user()})
    assert time.perf_counter() - start >= 0.3
    emu.set_latency()
    start = time.perf_counter()
    chat(client, token, {"messages": user()})
    assert time.perf_counter() - start < 0.2


def test_latency_does_not_block_the_loop(emu: EmulatorServer, token: str) -> None:
    emu.set_latency(request=0.4)
    import concurrent.futures

    def one() -> float:
        with httpx.Client(base_url=emu.base_url) as c:
            start = time.perf_counter()
            chat(c, token, {"messages": user()})
            return time.perf_counter() - start

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: one(), range(8)))
    assert time.perf_counter() - start < 1.5


def test_records_and_counters(client: httpx.Client, emu: EmulatorServer) -> None:
    token = get_token(client)
    chat(client, token, {"messages": user("one"), "temperature": 0.5})
    chat(client, "bad-token", {"messages": user("two")})
    assert emu.chat_calls == 2
    assert emu.token_requests == 1
    first, second = emu.requests
    assert first["endpoint"] == "llama_2_13b"
    assert first["query"] == {"access_token": "***"}
    assert first["body"] == {"messages": user("one"), "temperature": 0.5}
    assert first["stream"] is False
    assert token not in str(emu.snapshot())
    assert second["body"]["messages"][0]["content"] == "two"


def test_reset_clears_everything(client: httpx.Client, token: str, emu: EmulatorServer) -> None:
    emu.inject_error(2)
    emu.inject_http_status(503)
    emu.drop_stream_after(1)
    emu.script("x")
    emu.set_latency(1.0, 1.0)
    chat(client, token, {"messages": user()})
    emu.reset()
    assert emu.chat_calls == 0 and emu.token_requests == 0 and emu.requests == []
    start = time.perf_counter()
    events = chat(client, token, {"messages": user(), "stream": True}).text
    assert time.perf_counter() - start < 0.5
    assert '"is_end":true' in events and "You said" in events


def test_bad_control_arguments(emu: EmulatorServer) -> None:
    with pytest.raises(ValueError):
        emu.inject_http_status(99)
    with pytest.raises(ValueError):
        emu.script("x", times=0)
    with pytest.raises(ValueError):
        emu.set_latency(-1)
