"""Every V2 answer: X-Request-Id echo and X-Ratelimit-*; GET /v2/models; unknown V2 routes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.emulator.v2_helpers import AUTH, body, error_of, post
from wenxin_core.catalog import list_models, resolve_model
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.config import RateLimits

RATE_HEADERS = [
    f"x-ratelimit-{kind}-{what}"
    for kind in ("limit", "remaining")
    for what in ("requests", "input-tokens", "output-tokens")
]


def remaining(response: httpx.Response) -> tuple[int, int, int]:
    values = [
        int(response.headers[f"x-ratelimit-remaining-{w}"])
        for w in ("requests", "input-tokens", "output-tokens")
    ]
    return values[0], values[1], values[2]


ANSWERS: dict[str, Callable[[httpx.Client], httpx.Response]] = {
    "ok": lambda c: post(c, body()),
    "stream": lambda c: post(c, body(stream=True)),
    "400": lambda c: post(c, body(temperature=9)),
    "401": lambda c: post(c, body(), key="nope"),
    "malformed": lambda c: c.post("/v2/chat/completions", content=b"{", headers=AUTH),
    "404": lambda c: c.get("/v2/nowhere", headers=AUTH),
    "405": lambda c: c.get("/v2/chat/completions", headers=AUTH),
    "models": lambda c: c.get("/v2/models", headers=AUTH),
}


@pytest.mark.parametrize("kind", ANSWERS)
def test_every_answer_has_rate_limit_and_request_id(client: httpx.Client, kind: str) -> None:
    response = ANSWERS[kind](client)
    for name in RATE_HEADERS:
        assert int(response.headers[name]) >= 0, name
    assert len(response.headers["x-request-id"]) >= 16


def test_request_id_is_echoed(client: httpx.Client) -> None:
    sent = {"X-Request-Id": "my-trace-42"}
    assert post(client, body(), headers=sent).headers["x-request-id"] == "my-trace-42"
    assert post(client, body(temperature=9), headers=sent).headers["x-request-id"] == "my-trace-42"
    assert post(client, body(stream=True), headers=sent).headers["x-request-id"] == "my-trace-42"
    first = post(client, body()).headers["x-request-id"]
    assert first != post(client, body()).headers["x-request-id"]


def test_remaining_quota_goes_down(client: httpx.Client) -> None:
    first = post(client, body())
    second = post(client, body())
    limits = (
        int(first.headers["x-ratelimit-limit-requests"]),
        int(first.headers["x-ratelimit-limit-input-tokens"]),
        int(first.headers["x-ratelimit-limit-output-tokens"]),
    )
    usage = first.json()["usage"]
    assert remaining(first) == (
        limits[0] - 1,
        limits[1] - usage["prompt_tokens"],
        limits[2] - usage["completion_tokens"],
    )
    assert remaining(second)[0] == limits[0] - 2
    assert remaining(second)[2] == limits[2] - 2 * usage["completion_tokens"]


def test_reset_refills_the_quota(client: httpx.Client, emu: EmulatorServer) -> None:
    post(client, body())
    emu.reset()
    response = post(client, body())
    assert remaining(response)[0] == int(response.headers["x-ratelimit-limit-requests"]) - 1


@pytest.mark.emulator_config(rate_limits=RateLimits(requests=2, enforce=True))
def test_enforced_quota(own_client: httpx.Client) -> None:
    assert post(own_client, body()).status_code == 200
    assert post(own_client, body()).status_code == 200
    limited = post(own_client, body())
    assert error_of(limited) == (429, "rpm_rate_limit_exceeded")
    assert limited.json()["error"]["type"] == "rate_limit_exceeded"
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.headers["x-ratelimit-limit-requests"] == "2"


def test_models_list(client: httpx.Client) -> None:
    response = client.get("/v2/models", headers=AUTH)
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "list"
    ids = [m["id"] for m in data["data"]]
    assert ids == list_models("v2")
    assert {"ernie-4.5-turbo-32k", "llama-2-13b-chat", "dolly-12b"} <= set(ids)
    for model in data["data"]:
        assert model["object"] == "model"
        assert isinstance(model["created"], int)
        kind = resolve_model(model["id"], api="v2").kind
        assert model["owned_by"] == ("user" if kind == "service" else "baidu")


def test_models_needs_a_key(client: httpx.Client) -> None:
    assert error_of(client.get("/v2/models")) == (401, "invalid_iam_token")
    assert error_of(client.post("/v2/models", headers=AUTH))[0] == 405


def test_unknown_v2_route(client: httpx.Client) -> None:
    assert error_of(client.post("/v2/embeddings-x", headers=AUTH)) == (404, "not_found")
