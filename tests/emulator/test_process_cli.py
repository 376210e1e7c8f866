from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from tests.emulator.emulator_helpers import chat, get_token, sse_events, user
from tests.emulator.v2_helpers import body, error_of, post
from wenxin_core.emulator import EmulatorControl, EmulatorProcess, EmulatorServer
from wenxin_core.emulator.cli import build_parser, config_from_args, main
from wenxin_core.emulator.config import DEFAULT_API_KEY, RateLimits


def test_cli_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wenxin_core.emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for option in ("--host", "--port", "--token-ttl", "--chunk-delay", "--latency"):
        assert option in result.stdout
    assert "--stream-usage-style" in result.stdout


def test_cli_options_to_config() -> None:
    args = build_parser().parse_args(
        [
            "--token-ttl",
            "60",
            "--chunk-delay",
            "0.1",
            "--stream-usage-style",
            "final_only",
            "--api-key",
            "id:secret",
            "--iam-key",
            "ak:sk",
            "--fixed-token",
            "t1",
            "--custom-endpoint",
            "ep1",
        ]
    )
    config = config_from_args(args)
    assert config.token_ttl == 60
    assert config.chunk_delay == 0.1
    assert config.stream_usage_style == "final_only"
    assert config.api_keys == {"id": "secret"}
    assert config.iam_keys == {"ak": "sk"}
    assert config.fixed_tokens == {"t1"}
    assert config.custom_endpoints == {"ep1"}


def test_cli_rejects_bad_pair() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--api-key", "no-colon"])


def test_emulator_process_roundtrip() -> None:
    with EmulatorProcess("--stream-usage-style", "final_only") as proc:
        assert proc.base_url.startswith("http://127.0.0.1:")
        assert proc.port > 0
        with httpx.Client(base_url=proc.base_url) as client:
            token = get_token(client)
            assert chat(client, token, {"messages": user()}).json()["result"]
            events = sse_events(chat(client, token, {"messages": user(), "stream": True}))
            assert events[0]["usage"]["completion_tokens"] == 0
            proc.inject_error(336501)
            assert chat(client, token, {"messages": user()}).json()["error_code"] == 336501
            proc.script("scripted over http")
            assert chat(client, token, {"messages": user()}).json()["result"] == (
                "scripted over http"
            )
            proc.inject_http_status(503, headers={"Retry-After": "1"})
            response = chat(client, token, {"messages": user()})
            assert response.status_code == 503 and response.headers["retry-after"] == "1"
            proc.expire_tokens()
            assert chat(client, token, {"messages": user()}).json()["error_code"] == 111
            assert proc.token_requests == 1
            assert proc.chat_calls == 6
            assert len(proc.requests) == 6
            proc.reset()
            assert proc.chat_calls == 0
        pid = proc.pid
    with pytest.raises(RuntimeError):
        _ = proc.base_url
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_control_client_against_thread_server(emu: EmulatorServer, client: httpx.Client) -> None:
    control = EmulatorControl(emu.base_url)
    token = control.issue_token()
    control.drop_stream_after(1)
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, token, {"messages": user(), "stream": True})
    control.set_latency(request=0.0, chunk=0.0)
    control.invalidate_tokens()
    assert chat(client, token, {"messages": user()}).json()["error_code"] == 110
    state = client.get("/_emulator/state").json()
    assert set(state) == {
        "requests",
        "token_requests",
        "bearer_token_requests",
        "chat_calls",
        "embedding_calls",
        "rerank_calls",
    }
    assert state["chat_calls"] == 2


def test_control_http_errors(client: httpx.Client) -> None:
    assert client.post("/_emulator/nope", json={}).status_code == 404
    assert client.post("/_emulator/inject_error", json={}).status_code == 400
    response = client.post("/_emulator/inject_http_status", json={"status": 42})
    assert response.status_code == 400
    assert client.post("/_emulator/script", content=b"[1]").status_code == 400
    with pytest.raises(RuntimeError):
        EmulatorControl(str(client.base_url)).inject_error(code="x")  # type: ignore[arg-type]


def test_unknown_path(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error_code"] == 3


def test_cli_v2_options_to_config() -> None:
    args = build_parser().parse_args(
        [
            "--v2-api-key",
            "k1",
            "--v2-api-key",
            "k2",
            "--app-id",
            "app-1",
            "--allow-any-model",
            "--usage-placement",
            "last_chunk",
            "--bearer-token-ttl",
            "5",
            "--rate-limits",
            "3:40:50",
            "--enforce-rate-limits",
            "--stream-tool-arguments",
            "whole",
        ]
    )
    config = config_from_args(args)
    assert config.stream_tool_arguments == "whole"
    assert config.v2_api_keys == {"k1", "k2"}
    assert config.app_ids == {"app-1"}
    assert config.allow_any_model is True
    assert config.usage_placement == "last_chunk"
    assert config.bearer_token_ttl == 5
    assert config.rate_limits == RateLimits(3, 40, 50, enforce=True)
    defaults = config_from_args(build_parser().parse_args([]))
    assert defaults.v2_api_keys == {DEFAULT_API_KEY}
    assert defaults.app_ids is None and defaults.allow_any_model is False
    assert defaults.rate_limits == RateLimits()
    assert defaults.stream_tool_arguments == "fragmented"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--stream-tool-arguments", "bits"])
    anyone = config_from_args(build_parser().parse_args(["--any-v2-api-key"]))
    assert anyone.v2_api_keys is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--rate-limits", "1:2"])


def test_cli_control_injects_v2_faults(
    emu: EmulatorServer, client: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    fault = '{"status": 429, "code": "rpm_rate_limit_exceeded", "times": 1}'
    assert main(["control", emu.base_url, "inject_v2_error", fault]) == 0
    assert error_of(post(client, body())) == (429, "rpm_rate_limit_exceeded")
    assert main(["control", emu.base_url, "drop_stream_after", '{"chunks": 1}']) == 0
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, body(stream=True))
    capsys.readouterr()
    assert main(["control", emu.base_url, "state"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["chat_calls"] == 2
    assert main(["control", emu.base_url, "inject_v2_error", "[1]"]) == 2
    assert main(["control", emu.base_url, "inject_v2_error", '{"status": 42}']) == 1
    assert main(["control", "http://127.0.0.1:1", "state"]) == 1
    with pytest.raises(SystemExit):
        main(["control", emu.base_url, "no_such_command"])
