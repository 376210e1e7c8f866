from __future__ import annotations

import httpx
import pytest

from tests.emulator.emulator_helpers import chat, get_token, user
from wenxin_core.emulator import EmulatorServer

TOKEN_PATH = "/oauth/2.0/token"


def test_token_fields_and_count(client: httpx.Client, emu: EmulatorServer) -> None:
    response = client.post(
        TOKEN_PATH,
        params={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "expires_in",
        "refresh_token",
        "scope",
        "session_key",
        "session_secret",
    }
    assert body["expires_in"] == 2592000
    other = get_token(client)
    assert other != body["access_token"]
    assert emu.token_requests == 2


def test_token_works_for_chat(client: httpx.Client, token: str) -> None:
    body = chat(client, token, {"messages": user()}).json()
    assert body["result"].startswith("You said: hi.")


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"client_id": "", "client_secret": "x"}, "unknown client id"),
        ({"client_id": "x", "client_secret": ""}, "Client authentication failed"),
    ],
)
def test_empty_keys_rejected(
    client: httpx.Client, params: dict[str, str], description: str
) -> None:
    response = client.post(TOKEN_PATH, params={"grant_type": "client_credentials", **params})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": description}


def test_restricted_api_keys() -> None:
    with (
        EmulatorServer(api_keys={"id1": "secret1"}) as emu,
        httpx.Client(base_url=emu.base_url) as client,
    ):
        base = {"grant_type": "client_credentials"}
        bad_id = client.post(TOKEN_PATH, params={**base, "client_id": "x", "client_secret": "y"})
        assert bad_id.status_code == 401
        assert bad_id.json()["error_description"] == "unknown client id"
        bad_secret = client.post(
            TOKEN_PATH, params={**base, "client_id": "id1", "client_secret": "nope"}
        )
        assert bad_secret.status_code == 401
        assert bad_secret.json() == {
            "error": "invalid_client",
            "error_description": "Client authentication failed",
        }
        assert get_token(client, "id1", "secret1").startswith("24.")
        assert emu.token_requests == 3


def test_wrong_grant_type(client: httpx.Client) -> None:
    response = client.post(
        TOKEN_PATH, params={"grant_type": "password", "client_id": "a", "client_secret": "b"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_ttl_expiry() -> None:
    with (
        EmulatorServer(token_ttl=1) as emu,
        httpx.Client(base_url=emu.base_url) as client,
    ):
        token = get_token(client)
        assert chat(client, token, {"messages": user()}).json()["result"]
        import time

        time.sleep(1.1)
        body = chat(client, token, {"messages": user()}).json()
        assert body["error_code"] == 111
        assert body["error_msg"] == "Access token expired"


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({}, 100, "Invalid parameter"),
        ({"access_token": "nope"}, 110, "Access token invalid or no longer valid"),
        ({"access_token": ""}, 110, "Access token invalid or no longer valid"),
    ],
)
def test_bad_or_missing_token(
    client: httpx.Client, params: dict[str, str], code: int, msg: str
) -> None:
    response = client.post(
        "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b",
        params=params,
        json={"messages": user()},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == code
    assert body["error_msg"] == msg
    assert body["id"].startswith("as-")


def test_fixed_token() -> None:
    with (
        EmulatorServer(fixed_tokens={"fixed-1"}) as emu,
        httpx.Client(base_url=emu.base_url) as client,
    ):
        assert "result" in chat(client, "fixed-1", {"messages": user()}).json()
        assert emu.token_requests == 0


def test_expire_and_invalidate(client: httpx.Client, emu: EmulatorServer, token: str) -> None:
    emu.expire_tokens()
    assert chat(client, token, {"messages": user()}).json()["error_code"] == 111
    fresh = get_token(client)
    assert "result" in chat(client, fresh, {"messages": user()}).json()
    emu.invalidate_tokens()
    assert chat(client, fresh, {"messages": user()}).json()["error_code"] == 110
    assert chat(client, token, {"messages": user()}).json()["error_code"] == 110


def test_reset_revives_expired_tokens(
    client: httpx.Client, emu: EmulatorServer, token: str
) -> None:
    emu.expire_tokens()
    emu.reset()
    assert "result" in chat(client, token, {"messages": user()}).json()
