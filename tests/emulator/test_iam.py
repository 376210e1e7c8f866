from __future__ import annotations

import time

import httpx
import pytest
from pydantic import SecretStr

from tests.emulator.emulator_helpers import CHAT, user
from wenxin_core.auth.signing import BceSigningAuth, build_authorization, format_timestamp
from wenxin_core.emulator import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY, EmulatorServer

PATH = CHAT + "llama_2_13b"


def signed_post(
    emu: EmulatorServer,
    *,
    access_key: str = DEFAULT_IAM_ACCESS_KEY,
    secret_key: str = DEFAULT_IAM_SECRET_KEY,
    when: float | None = None,
    expiration: int = 300,
    tamper: bool = False,
    query: dict[str, str] | None = None,
) -> httpx.Response:
    timestamp = format_timestamp(time.time() if when is None else when)
    headers = {
        "host": f"127.0.0.1:{emu.port}",
        "content-type": "application/json",
        "x-bce-date": timestamp,
    }
    authorization = build_authorization(
        access_key,
        secret_key,
        "POST",
        PATH,
        list((query or {}).items()),
        headers,
        timestamp,
        expiration,
        ["host", "content-type", "x-bce-date"],
    )
    if tamper:
        authorization = authorization[:-1] + ("0" if authorization[-1] != "0" else "1")
    with httpx.Client(base_url=emu.base_url) as client:
        return client.post(
            PATH,
            params=query,
            headers={**headers, "authorization": authorization},
            json={"messages": user()},
        )


def test_valid_signature_accepted(emu: EmulatorServer) -> None:
    body = signed_post(emu).json()
    assert body["result"].startswith("You said: hi.")
    recorded = emu.requests[-1]["headers"]["authorization"]
    assert recorded.startswith(f"bce-auth-v1/{DEFAULT_IAM_ACCESS_KEY}/")
    assert recorded.endswith("/***")


def test_valid_signature_with_query(emu: EmulatorServer) -> None:
    assert "result" in signed_post(emu, query={"foo": "a b", "Bar": "1"}).json()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tamper": True},
        {"access_key": "unknown-ak"},
        {"secret_key": "wrong-secret"},
        {"when": time.time() - 3600},  # expired (300 s window)
        {"when": time.time() + 3600},  # from the future
    ],
)
def test_bad_signature_rejected(emu: EmulatorServer, kwargs: dict[str, object]) -> None:
    response = signed_post(emu, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200
    body = response.json()
    assert (body["error_code"], body["error_msg"]) == (14, "IAM Certification failed")


def test_signature_must_cover_the_sent_host(emu: EmulatorServer) -> None:
    timestamp = format_timestamp(time.time())
    headers = {"host": "aip.baidubce.com", "x-bce-date": timestamp}
    authorization = build_authorization(
        DEFAULT_IAM_ACCESS_KEY,
        DEFAULT_IAM_SECRET_KEY,
        "POST",
        PATH,
        [],
        headers,
        timestamp,
        300,
        ["host", "x-bce-date"],
    )
    with httpx.Client(base_url=emu.base_url) as client:
        response = client.post(
            PATH,
            headers={"x-bce-date": timestamp, "authorization": authorization},
            json={"messages": user()},
        )
    assert response.json()["error_code"] == 14


def test_garbage_authorization(emu: EmulatorServer) -> None:
    with httpx.Client(base_url=emu.base_url) as client:
        response = client.post(
            PATH, headers={"authorization": "bce-auth-v1/x"}, json={"messages": user()}
        )
    assert response.json()["error_code"] == 14


def test_bce_signing_auth_end_to_end(emu: EmulatorServer) -> None:
    auth = BceSigningAuth(SecretStr(DEFAULT_IAM_ACCESS_KEY), SecretStr(DEFAULT_IAM_SECRET_KEY))
    with httpx.Client(base_url=emu.base_url, auth=auth) as client:
        body = client.post(PATH, json={"messages": user(), "stream": False}).json()
    assert body["result"].startswith("You said: hi.")


def test_configured_iam_keys() -> None:
    with EmulatorServer(iam_keys={"ak2": "sk2"}) as emu:
        assert "result" in signed_post(emu, access_key="ak2", secret_key="sk2").json()
        assert signed_post(emu).json()["error_code"] == 14
