"""Faults in V2 shape for users' own tests: errors by status + code, drops, latency, scripts."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator.emulator_helpers import chat, user
from tests.emulator.v2_helpers import AUTH, CHAT, body, chunks, error_of, post
from wenxin_core.emulator import EmulatorControl, EmulatorProcess, EmulatorServer


@pytest.mark.parametrize(
    ("status", "code", "type_"),
    [
        (429, "rpm_rate_limit_exceeded", "rate_limit_exceeded"),
        (429, "tpm_rate_limit_exceeded", "rate_limit_exceeded"),
        (500, "internal_error", "server_error"),
        (401, "invalid_iam_token", "access_denied"),
        (403, "model_offline", "access_denied"),
        (400, "tokens_too_long", "invalid_request_error"),
    ],
)
def test_inject_v2_error(
    client: httpx.Client, emu: EmulatorServer, status: int, code: str, type_: str
) -> None:
    emu.inject_v2_error(status, code, times=2)
    for _ in range(2):
        response = post(client, body())
        assert error_of(response) == (status, code)
        assert response.json()["error"]["type"] == type_
    assert post(client, body()).status_code == 200


def test_inject_v2_error_message_type_and_stream(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.inject_v2_error(429, "rpm_rate_limit_exceeded", message="slow down", error_type="custom")
    response = post(client, body(stream=True))
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == {
        "code": "rpm_rate_limit_exceeded",
        "message": "slow down",
        "type": "custom",
    }


def test_rate_limit_fault_shows_the_quota_used_up(
    client: httpx.Client, emu: EmulatorServer
) -> None:
    emu.inject_v2_error(429, "rpm_rate_limit_exceeded")
    limited = post(client, body())
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert int(limited.headers["x-ratelimit-remaining-input-tokens"]) > 0
    emu.inject_v2_error(429, "output_tpm_rate_limit_exceeded")
    limited = post(client, body())
    assert limited.headers["x-ratelimit-remaining-output-tokens"] == "0"
    assert int(limited.headers["x-ratelimit-remaining-requests"]) > 0


def test_v1_and_v2_error_queues_are_separate(
    client: httpx.Client, token: str, emu: EmulatorServer
) -> None:
    emu.inject_error(18)
    emu.inject_v2_error(500, "internal_error")
    assert error_of(post(client, body())) == (500, "internal_error")
    assert post(client, body()).status_code == 200
    assert chat(client, token, {"messages": user()}).json()["error_code"] == 18
    assert "result" in chat(client, token, {"messages": user()}).json()


def test_bad_inject_v2_error_arguments(emu: EmulatorServer) -> None:
    with pytest.raises(ValueError):
        emu.inject_v2_error(200, "internal_error")
    with pytest.raises(ValueError):
        emu.inject_v2_error(500, "")
    with pytest.raises(ValueError):
        emu.set_usage_placement("middle")


def test_http_status_fault_on_v2(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.inject_http_status(502, body="bad gateway")
    response = post(client, body())
    assert response.status_code == 502 and response.text == "bad gateway"
    assert "x-ratelimit-limit-requests" in response.headers
    assert post(client, body()).status_code == 200


def read_until_drop(client: httpx.Client, payload: dict[str, object]) -> list[str]:
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("POST", CHAT, json=payload, headers=AUTH) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: "):
                received.append(line)
    return received


def test_drop_stream_after_n_chunks(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.drop_stream_after(2)
    received = read_until_drop(client, body(stream=True))
    assert len(received) == 2
    assert all(line != "data: [DONE]" for line in received)
    assert chunks(post(client, body(stream=True)))  # the next stream is complete again


def test_drop_never_sends_done(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.drop_stream_after(1000)
    payload = body(stream=True, stream_options={"include_usage": True})
    received = read_until_drop(client, payload)
    assert received and "data: [DONE]" not in received
    assert '"choices":[]' in received[-1]  # everything but [DONE] arrived


def test_drop_ignored_by_non_stream_calls(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.drop_stream_after(0)
    assert post(client, body()).status_code == 200
    assert read_until_drop(client, body(stream=True)) == []


def test_latency(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.set_latency(request=0.3)
    start = time.perf_counter()
    post(client, body())
    assert time.perf_counter() - start >= 0.3
    emu.set_latency(request=0.0, chunk=0.05)
    start = time.perf_counter()
    parsed = chunks(post(client, body(stream=True)))
    assert time.perf_counter() - start >= 0.05 * (len(parsed) - 1)


def test_reset_clears_v2_faults(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.inject_v2_error(500, "internal_error")
    emu.set_usage_placement("last_chunk")
    emu.reset()
    assert post(client, body()).status_code == 200
    parsed = chunks(post(client, body(stream=True, stream_options={"include_usage": True})))
    assert parsed[-1]["choices"] == []


def test_v2_faults_over_http_control(emu: EmulatorServer, client: httpx.Client) -> None:
    control = EmulatorControl(emu.base_url)
    assert control.v2_base_url == emu.v2_base_url
    control.inject_v2_error(429, "rpm_rate_limit_exceeded")
    assert error_of(post(client, body())) == (429, "rpm_rate_limit_exceeded")
    control.script("over http")
    assert post(client, body()).json()["choices"][0]["message"]["content"] == "over http"
    token = control.issue_bearer_token()
    assert post(client, body(), key=token).status_code == 200
    control.set_usage_placement("last_chunk")
    parsed = chunks(post(client, body(stream=True, stream_options={"include_usage": True})))
    assert parsed[-1]["choices"] and parsed[-1]["usage"]
    assert control.bearer_token_requests == 0
    bad = client.post("/_emulator/inject_v2_error", json={"status": 500})
    assert bad.status_code == 400


def test_v2_in_a_subprocess_started_by_the_cli() -> None:
    with (
        EmulatorProcess("--usage-placement", "last_chunk", "--app-id", "app-1") as proc,
        httpx.Client(base_url=proc.base_url) as client,
    ):
        assert proc.v2_base_url == proc.base_url + "/v2"
        parsed = chunks(post(client, body(stream=True, stream_options={"include_usage": True})))
        assert parsed[-1]["choices"] and parsed[-1]["usage"]
        assert error_of(post(client, body(), headers={"appid": "x"})) == (401, "invalid_appid")
        proc.inject_v2_error(500, "internal_error")
        assert error_of(post(client, body())) == (500, "internal_error")
        proc.drop_stream_after(1)
        assert len(read_until_drop(client, body(stream=True))) == 1
