"""Credential resolution: precedence, half pairs, error messages, build_auth, no secret shown."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth import (
    DEFAULT_BASE_URL,
    AccessTokenAuth,
    BceSigningAuth,
    Credentials,
    FixedTokenAuth,
    build_auth,
    token_of,
)
from wenxin_core.errors import AuthenticationError, MissingCredentialsError, WenxinValidationError

AK = "app-ak-1111"
SK = "app-sk-2222"
TOKEN = "24.fixed-3333"
IAM_AK = "iam-ak-4444"
IAM_SK = "iam-sk-5555"
ALL_SECRETS = (AK, SK, TOKEN, IAM_AK, IAM_SK)
ALL_ENV_VARS = (
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
)
FULL_ENV = {
    "QIANFAN_AK": AK,
    "QIANFAN_SK": SK,
    "QIANFAN_ACCESS_TOKEN": TOKEN,
    "QIANFAN_ACCESS_KEY": IAM_AK,
    "QIANFAN_SECRET_KEY": IAM_SK,
}


def value(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in ALL_SECRETS:
            assert secret not in text


# --- precedence -------------------------------------------------------------------------------


def test_env_application_pair() -> None:
    creds = Credentials.resolve(env={"QIANFAN_AK": AK, "QIANFAN_SK": SK})
    assert creds.mode == "token"
    assert value(creds.api_key) == AK
    assert value(creds.secret_key) == SK
    assert creds.base_url == DEFAULT_BASE_URL == "https://aip.baidubce.com"


def test_env_precedence_token_over_iam_over_application() -> None:
    creds = Credentials.resolve(env=FULL_ENV)
    assert creds.mode == "fixed_token"
    assert value(creds.access_token) == TOKEN
    assert creds.api_key is None and creds.access_key is None  # only the chosen mode is kept

    no_token = {k: v for k, v in FULL_ENV.items() if k != "QIANFAN_ACCESS_TOKEN"}
    creds = Credentials.resolve(env=no_token)
    assert creds.mode == "iam"
    assert value(creds.access_key) == IAM_AK
    assert value(creds.iam_secret_key) == IAM_SK
    assert creds.api_key is None and creds.secret_key is None


def test_explicit_precedence_within_arguments() -> None:
    creds = Credentials.resolve(
        api_key=AK,
        secret_key=SK,
        access_key=IAM_AK,
        iam_secret_key=IAM_SK,
        access_token=TOKEN,
        env={},
    )
    assert creds.mode == "fixed_token"
    creds = Credentials.resolve(
        api_key=AK, secret_key=SK, access_key=IAM_AK, iam_secret_key=IAM_SK, env={}
    )
    assert creds.mode == "iam"


def test_explicit_arguments_win_and_ignore_env_credentials() -> None:
    creds = Credentials.resolve(api_key="arg-ak", secret_key="arg-sk", env=FULL_ENV)
    assert creds.mode == "token"  # the env's token and IAM pair are not consulted
    assert value(creds.api_key) == "arg-ak"
    assert value(creds.secret_key) == "arg-sk"
    assert creds.access_token is None


def test_explicit_half_pair_is_not_completed_from_env() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api_key="arg-ak", env={"QIANFAN_SK": SK})
    text = str(info.value)
    assert "secret_key" in text
    assert "QIANFAN_SK" in text
    assert "not consulted" in text


def test_secretstr_inputs_whitespace_and_blank_values() -> None:
    creds = Credentials.resolve(api_key=SecretStr(f"  {AK}\n"), secret_key=f"{SK} ", env={})
    assert value(creds.api_key) == AK
    assert value(creds.secret_key) == SK
    # blank env values count as unset (e.g. `export QIANFAN_ACCESS_TOKEN=`)
    creds = Credentials.resolve(
        env={
            "QIANFAN_ACCESS_TOKEN": "",
            "QIANFAN_ACCESS_KEY": "  ",
            "QIANFAN_AK": AK,
            "QIANFAN_SK": SK,
        }
    )
    assert creds.mode == "token"
    # a blank explicit argument is not "explicit": the environment is used
    creds = Credentials.resolve(access_token="", env={"QIANFAN_AK": AK, "QIANFAN_SK": SK})
    assert creds.mode == "token"


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ALL_ENV_VARS, "QIANFAN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", IAM_AK)
    monkeypatch.setenv("QIANFAN_SECRET_KEY", IAM_SK)
    monkeypatch.setenv("QIANFAN_BASE_URL", "http://127.0.0.1:8765/")
    creds = Credentials.resolve()
    assert creds.mode == "iam"
    assert creds.base_url == "http://127.0.0.1:8765"


# --- base URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "env", "expected"),
    [
        (None, {}, "https://aip.baidubce.com"),
        (None, {"QIANFAN_BASE_URL": "http://127.0.0.1:9000/"}, "http://127.0.0.1:9000"),
        (
            "http://localhost:1//",
            {"QIANFAN_BASE_URL": "http://127.0.0.1:9000"},
            "http://localhost:1",
        ),
        ("", {"QIANFAN_BASE_URL": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        ("https://proxy.example/qianfan/", {}, "https://proxy.example/qianfan"),
    ],
)
def test_base_url_resolution(arg: str | None, env: dict[str, str], expected: str) -> None:
    creds = Credentials.resolve(access_token=TOKEN, base_url=arg, env=env)
    assert creds.base_url == expected


def test_explicit_credentials_still_take_base_url_from_env() -> None:
    creds = Credentials.resolve(
        access_token=TOKEN, env={"QIANFAN_BASE_URL": "http://127.0.0.1:1", "QIANFAN_AK": AK}
    )
    assert creds.base_url == "http://127.0.0.1:1"


@pytest.mark.parametrize("bad", ["aip.baidubce.com", "ftp://x"])
def test_base_url_must_be_http(bad: str) -> None:
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(access_token=TOKEN, base_url=bad, env={})
    assert info.value.field == "base_url"
    assert isinstance(info.value, ValueError)
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(access_token=TOKEN, env={"QIANFAN_BASE_URL": bad})
    assert info.value.field == "QIANFAN_BASE_URL"


# --- missing and half credentials -------------------------------------------------------------


def test_nothing_at_all_lists_both_modes_and_every_env_var() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(env={"QIANFAN_BASE_URL": "http://127.0.0.1:1"})
    err = info.value
    assert isinstance(err, AuthenticationError)
    text = str(err)
    for name in ALL_ENV_VARS:
        assert name in text
    for arg in ("api_key", "secret_key", "access_token", "access_key", "iam_secret_key"):
        assert arg in text
    assert "application" in text
    assert "account" in text
    assert "IAM" in text
    assert "bce-auth-v1" in text
    assert "not interchangeable" in text
    assert "***" not in text  # no parameter-looking text mangled by redaction


@pytest.mark.parametrize(
    ("kwargs", "env", "missing_arg", "missing_env"),
    [
        ({"api_key": AK}, {}, "secret_key", "QIANFAN_SK"),
        ({"secret_key": SK}, {}, "api_key", "QIANFAN_AK"),
        ({"access_key": IAM_AK}, {}, "iam_secret_key", "QIANFAN_SECRET_KEY"),
        ({"iam_secret_key": IAM_SK}, {}, "access_key", "QIANFAN_ACCESS_KEY"),
        ({}, {"QIANFAN_AK": AK}, "secret_key", "QIANFAN_SK"),
        ({}, {"QIANFAN_SK": SK}, "api_key", "QIANFAN_AK"),
        ({}, {"QIANFAN_ACCESS_KEY": IAM_AK}, "iam_secret_key", "QIANFAN_SECRET_KEY"),
        ({}, {"QIANFAN_SECRET_KEY": IAM_SK}, "access_key", "QIANFAN_ACCESS_KEY"),
    ],
)
def test_half_pair_names_missing_argument_and_env_var(
    kwargs: dict[str, str], env: dict[str, str], missing_arg: str, missing_env: str
) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(**kwargs, env=env)
    text = str(info.value)
    assert f"{missing_arg} is missing" in text
    assert f"argument {missing_arg}" in text
    assert f"env {missing_env}" in text
    assert_no_secret(text, repr(info.value))


def test_mixed_pairs_are_called_out() -> None:
    """QIANFAN_AK + QIANFAN_SECRET_KEY: the IAM secret is not the application's secret."""
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(env={"QIANFAN_AK": AK, "QIANFAN_SECRET_KEY": SK})
    text = str(info.value)
    assert "QIANFAN_ACCESS_KEY" in text
    assert "Note: env QIANFAN_AK belongs to the application's API Key / Secret Key pair" in text
    assert "cannot be mixed" in text
    assert_no_secret(text)


def test_direct_construction_needs_a_mode() -> None:
    with pytest.raises(MissingCredentialsError):
        Credentials(api_key=SecretStr(AK))
    assert Credentials(api_key=SecretStr(AK), secret_key=SecretStr(SK)).mode == "token"


def test_frozen() -> None:
    creds = Credentials.resolve(access_token=TOKEN, env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        creds.base_url = "http://x"  # type: ignore[misc]


def test_repr_and_str_show_no_secret() -> None:
    for creds in (
        Credentials.resolve(env=FULL_ENV),
        Credentials.resolve(api_key=AK, secret_key=SK, env={}),
        Credentials.resolve(access_key=IAM_AK, iam_secret_key=IAM_SK, env={}),
    ):
        text = repr(creds)
        assert_no_secret(text, str(creds), f"{creds}")
        assert creds.mode in text
        assert "base_url='https://aip.baidubce.com'" in text


# --- build_auth ---------------------------------------------------------------------------------


def test_build_auth_types_and_freshness() -> None:
    token_creds = Credentials.resolve(api_key=AK, secret_key=SK, env={})
    auth = build_auth(token_creds)
    assert isinstance(auth, AccessTokenAuth)
    assert auth.provider.base_url == DEFAULT_BASE_URL
    other = build_auth(token_creds)
    assert isinstance(other, AccessTokenAuth)
    assert other is not auth and other.provider is not auth.provider
    assert isinstance(build_auth(Credentials.resolve(access_token=TOKEN, env={})), FixedTokenAuth)
    iam = build_auth(Credentials.resolve(access_key=IAM_AK, iam_secret_key=IAM_SK, env={}))
    assert isinstance(iam, BceSigningAuth)
    for a in (auth, other, iam):
        assert_no_secret(repr(a))


def test_build_auth_end_to_end_token_mode() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(f"{request.url.host}:{request.url.port}{request.url.path}")
        if request.url.path == "/oauth/2.0/token":
            assert request.url.params["client_id"] == AK
            assert request.url.params["client_secret"] == SK
            return httpx.Response(200, json={"access_token": "T", "expires_in": 2592000})
        return httpx.Response(200, json={"token": token_of(request)})

    creds = Credentials.resolve(
        env={"QIANFAN_AK": AK, "QIANFAN_SK": SK, "QIANFAN_BASE_URL": "http://127.0.0.1:8765/"}
    )
    with httpx.Client(transport=httpx.MockTransport(handler), auth=build_auth(creds)) as client:
        response = client.post(creds.base_url + "/rpc/2.0/x", json={})
    assert response.json() == {"token": "T"}
    assert paths == ["127.0.0.1:8765/oauth/2.0/token", "127.0.0.1:8765/rpc/2.0/x"]


def test_build_auth_end_to_end_iam_and_fixed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    iam = build_auth(Credentials.resolve(access_key=IAM_AK, iam_secret_key=IAM_SK, env={}))
    fixed = build_auth(Credentials.resolve(access_token=TOKEN, env={}))
    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport, auth=iam) as client:
        client.post("https://aip.baidubce.com/rpc/2.0/x", json={})
    with httpx.Client(transport=transport, auth=fixed) as client:
        client.post("https://aip.baidubce.com/rpc/2.0/x", json={})
    assert seen[0].headers["authorization"].startswith(f"bce-auth-v1/{IAM_AK}/")
    assert "access_token" not in seen[0].url.params
    assert token_of(seen[1]) == TOKEN
    assert "authorization" not in seen[1].headers
