"""V2 authentication: Bearer API Keys, BCE-BEARER tokens minted from a signed request, appid."""

from __future__ import annotations

import calendar
import time

import httpx
import pytest

from tests.emulator.v2_helpers import TOKEN, body, error_of, post, signed_token_request
from wenxin_core.emulator import DEFAULT_API_KEY, EmulatorServer


def parse_iso(text: str) -> int:
    assert text.endswith("Z") and "T" in text, text
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def mint(client: httpx.Client, emu: EmulatorServer, expire: str = "1800") -> str:
    response = signed_token_request(client, emu.port, expire=expire)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {DEFAULT_API_KEY}"},
        {"Authorization": DEFAULT_API_KEY},
    ],
    ids=["none", "empty", "wrong", "basic", "no-scheme"],
)
def test_bad_key_is_401_invalid_iam_token(client: httpx.Client, headers: dict[str, str]) -> None:
    response = post(client, body(), key=None, headers=headers)
    assert error_of(response) == (401, "invalid_iam_token")
    assert response.json()["error"]["type"] == "access_denied"


def test_default_key_accepted(client: httpx.Client) -> None:
    assert post(client, body()).status_code == 200
    lower = post(client, body(), key=None, headers={"authorization": f"bearer {DEFAULT_API_KEY}"})
    assert lower.status_code == 200


@pytest.mark.emulator_config(v2_api_keys={"bce-v3/ALTAK-mine/secret"})
def test_configured_keys(own_client: httpx.Client) -> None:
    assert post(own_client, body(), key="bce-v3/ALTAK-mine/secret").status_code == 200
    assert error_of(post(own_client, body())) == (401, "invalid_iam_token")


@pytest.mark.emulator_config(v2_api_keys=None)
def test_any_key(own_client: httpx.Client) -> None:
    assert post(own_client, body(), key="anything").status_code == 200
    assert error_of(post(own_client, body(), key=None)) == (401, "invalid_iam_token")


def test_token_endpoint_answers_the_iam_shape(client: httpx.Client, emu: EmulatorServer) -> None:
    before = int(time.time())
    response = signed_token_request(client, emu.port, expire="3600")
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == {"userId", "token", "status", "createTime", "expireTime"}
    assert data["status"] == "enable"
    assert data["token"].startswith("bce-v3/ALTAK-")
    assert data["userId"]
    created, expires = parse_iso(data["createTime"]), parse_iso(data["expireTime"])
    assert before - 1 <= created <= time.time() + 1
    assert expires - created == 3600
    assert emu.bearer_token_requests == 1
    assert emu.token_requests == 0


def test_token_default_lifetime(client: httpx.Client, emu: EmulatorServer) -> None:
    data = signed_token_request(client, emu.port, expire=None).json()
    assert parse_iso(data["expireTime"]) - parse_iso(data["createTime"]) == 1800


def test_minted_token_authorises_chat(client: httpx.Client, emu: EmulatorServer) -> None:
    token = mint(client, emu)
    assert post(client, body(), key=token).status_code == 200
    assert emu.requests[-1]["headers"]["authorization"] == "Bearer ***"
    assert token not in str(emu.snapshot())


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"tamper": True}, 400, "SignatureDoesNotMatch"),
        ({"secret_key": "wrong-secret"}, 400, "SignatureDoesNotMatch"),
        ({"access_key": "unknown-ak"}, 403, "InvalidAccessKeyId"),
        ({"when": time.time() - 7200}, 400, "RequestExpired"),
        ({"when": time.time() + 3600}, 400, "RequestExpired"),
        ({"expire": "299"}, 400, "InvalidParameterValue"),
        ({"expire": "2592001"}, 400, "InvalidParameterValue"),
        ({"expire": "soon"}, 400, "InvalidParameterValue"),
    ],
)
def test_bad_token_requests(
    client: httpx.Client,
    emu: EmulatorServer,
    kwargs: dict[str, object],
    status: int,
    code: str,
) -> None:
    response = signed_token_request(client, emu.port, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    data = response.json()
    assert data["code"] == code and data["message"] and data["requestId"]


def test_unsigned_or_garbage_token_requests(client: httpx.Client) -> None:
    unsigned = client.get(TOKEN, params={"expireInSeconds": "1800"})
    assert (unsigned.status_code, unsigned.json()["code"]) == (403, "AccessDenied")
    garbage = client.get(TOKEN, headers={"authorization": "bce-auth-v1/x"})
    assert (garbage.status_code, garbage.json()["code"]) == (400, "InvalidHTTPAuthHeader")
    assert client.post(TOKEN).status_code == 405


@pytest.mark.parametrize("control", ["expire_tokens", "invalidate_tokens"])
def test_forced_expiry_then_remint(client: httpx.Client, emu: EmulatorServer, control: str) -> None:
    token = mint(client, emu)
    getattr(emu, control)()
    assert error_of(post(client, body(), key=token)) == (401, "invalid_iam_token")
    assert post(client, body()).status_code == 200  # the API Key is not a token: unaffected
    fresh = mint(client, emu)
    assert post(client, body(), key=fresh).status_code == 200
    assert emu.bearer_token_requests == 2


@pytest.mark.emulator_config(bearer_token_ttl=1)
def test_tokens_expire(own_client: httpx.Client, own_emu: EmulatorServer) -> None:
    data = signed_token_request(own_client, own_emu.port).json()
    assert parse_iso(data["expireTime"]) - parse_iso(data["createTime"]) == 1
    deadline = parse_iso(data["expireTime"])
    while time.time() < deadline:
        time.sleep(0.05)
    assert error_of(post(own_client, body(), key=data["token"])) == (401, "invalid_iam_token")


def test_issue_bearer_token_control(client: httpx.Client, emu: EmulatorServer) -> None:
    token = emu.issue_bearer_token()
    assert post(client, body(), key=token).status_code == 200
    assert emu.bearer_token_requests == 0


def test_appid_is_recorded(client: httpx.Client, emu: EmulatorServer) -> None:
    assert post(client, body(), headers={"appid": "app-anything"}).status_code == 200
    assert emu.requests[-1]["appid"] == "app-anything"
    assert post(client, body()).status_code == 200
    assert emu.requests[-1]["appid"] is None


@pytest.mark.emulator_config(app_ids={"app-1"})
def test_unknown_appid_is_401(own_client: httpx.Client) -> None:
    assert post(own_client, body(), headers={"appid": "app-1"}).status_code == 200
    bad = post(own_client, body(), headers={"appid": "app-2"})
    assert error_of(bad) == (401, "invalid_appid")
    assert post(own_client, body()).status_code == 200


def test_v1_credentials_do_not_open_v2(client: httpx.Client, token: str) -> None:
    assert error_of(post(client, body(), key=token)) == (401, "invalid_iam_token")
