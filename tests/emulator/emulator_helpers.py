"""Shared helpers of the emulator tests (plain httpx against a running emulator)."""

from __future__ import annotations

import json
from typing import Any

import httpx

CHAT = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"


def get_token(client: httpx.Client, client_id: str = "ak", client_secret: str = "sk") -> str:
    response = client.post(
        "/oauth/2.0/token",
        params={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def user(text: str = "hi") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def chat(
    client: httpx.Client,
    token: str,
    body: dict[str, Any],
    endpoint: str = "llama_2_13b",
) -> httpx.Response:
    return client.post(CHAT + endpoint, params={"access_token": token}, json=body)


def sse_events(response: httpx.Response) -> list[dict[str, Any]]:
    """Parse a complete SSE body strictly: every frame is ``data: {json}\\n\\n``."""
    text = response.text
    assert text.endswith("\n\n")
    frames = text[:-2].split("\n\n")
    events = []
    for frame in frames:
        assert frame.startswith("data: "), frame
        assert "\n" not in frame
        events.append(json.loads(frame[len("data: ") :]))
    return events
