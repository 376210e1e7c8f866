"""Shared helpers of the V2 emulator tests (plain httpx against a running emulator)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from wenxin_core.auth.signing import build_authorization, format_timestamp
from wenxin_core.emulator import DEFAULT_API_KEY, DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

CHAT = "/v2/chat/completions"
TOKEN = "/v1/BCE-BEARER/token"
MODEL = "ernie-4.5-turbo-32k"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


def msgs(text: str = "hi") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def body(text: str = "hi", model: str = MODEL, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": msgs(text), **extra}


def post(
    client: httpx.Client,
    payload: dict[str, Any],
    *,
    key: str | None = DEFAULT_API_KEY,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if key is not None:
        sent.setdefault("Authorization", f"Bearer {key}")
    return client.post(CHAT, json=payload, headers=sent)


def error_of(response: httpx.Response) -> tuple[int, str]:
    """``(status, error.code)``, checking the whole V2 error shape on the way."""
    data = response.json()
    assert set(data) == {"error", "id"}, data
    assert set(data["error"]) == {"code", "message", "type"}, data
    assert data["id"].startswith("as-")
    assert data["error"]["message"]
    return response.status_code, str(data["error"]["code"])


def chunks(response: httpx.Response) -> list[dict[str, Any]]:
    """Parse a complete V2 SSE body strictly: ``data: {json}`` frames, then ``data: [DONE]``."""
    assert response.headers["content-type"].startswith("text/event-stream")
    text = response.text
    assert text.endswith("data: [DONE]\n\n"), text[-200:]
    frames = text[: -len("data: [DONE]\n\n")].split("\n\n")
    assert frames[-1] == ""
    parsed = []
    for frame in frames[:-1]:
        assert frame.startswith("data: ") and "\n" not in frame, frame
        chunk = json.loads(frame[len("data: ") :])
        assert chunk["object"] == "chat.completion.chunk"
        parsed.append(chunk)
    return parsed


def joined(parsed: list[dict[str, Any]], field: str = "content") -> str:
    return "".join(c["choices"][0]["delta"].get(field, "") for c in parsed if c["choices"])


def signed_token_request(
    client: httpx.Client,
    port: int,
    *,
    access_key: str = DEFAULT_IAM_ACCESS_KEY,
    secret_key: str = DEFAULT_IAM_SECRET_KEY,
    expire: str | None = "1800",
    when: float | None = None,
    tamper: bool = False,
) -> httpx.Response:
    """``GET /v1/BCE-BEARER/token`` signed with bce-auth-v1 as a client would sign it."""
    timestamp = format_timestamp(time.time() if when is None else when)
    headers = {"host": f"127.0.0.1:{port}", "x-bce-date": timestamp}
    query = [] if expire is None else [("expireInSeconds", expire)]
    authorization = build_authorization(
        access_key,
        secret_key,
        "GET",
        TOKEN,
        query,
        headers,
        timestamp,
        1800,
        ["host", "x-bce-date"],
    )
    if tamper:
        authorization = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    return client.get(
        TOKEN, params=dict(query), headers={"x-bce-date": timestamp, "authorization": authorization}
    )
