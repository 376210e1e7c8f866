"""Credential resolution: API, precedence, mismatches, half pairs, build_auth, no secret shown."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth import (
    DEFAULT_BASE_URL,
    DEFAULT_IAM_BASE_URL,
    DEFAULT_V1_BASE_URL,
    ENV_VARS,
    AccessTokenAuth,
    BceSigningAuth,
    BearerAuth,
    Credentials,
    FixedTokenAuth,
    IamBearerAuth,
    RefreshingTokenAuth,
    build_auth,
    token_of,
)
from wenxin_core.errors import AuthenticationError, MissingCredentialsError, WenxinValidationError

API_KEY = "bce-v3/ALTAK-unit/api-key-0000"
QF_AK = "app-ak-1111"
QF_SK = "app-sk-2222"
TOKEN = "24.fixed-3333"
IAM_AK = "iam-ak-4444"
IAM_SK = "iam-sk-5555"
ALL_SECRETS = (API_KEY, QF_AK, QF_SK, TOKEN, IAM_AK, IAM_SK)
CREDENTIAL_ENV_VARS = (
    "QIANFAN_API_KEY",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
)
FULL_ENV = {
    "QIANFAN_API_KEY": API_KEY,
    "QIANFAN_ACCESS_KEY": IAM_AK,
    "QIANFAN_SECRET_KEY": IAM_SK,
    "QIANFAN_AK": QF_AK,
    "QIANFAN_SK": QF_SK,
    "QIANFAN_ACCESS_TOKEN": TOKEN,
}
V2_HINT = "pass api='v1' for a private V1 deployment, or use api_key / access_key+secret_key for V2"


def value(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in ALL_SECRETS:
            assert secret not in text


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


# --- ENV_VARS and defaults --------------------------------------------------------------------


def test_env_vars_map_every_argument() -> None:
    assert dict(ENV_VARS) == {
        "api_key": "QIANFAN_API_KEY",
        "access_key": "QIANFAN_ACCESS_KEY",
        "secret_key": "QIANFAN_SECRET_KEY",
        "app_id": "QIANFAN_APP_ID",
        "iam_base_url": "QIANFAN_IAM_BASE_URL",
        "qianfan_ak": "QIANFAN_AK",
        "qianfan_sk": "QIANFAN_SK",
        "access_token": "QIANFAN_ACCESS_TOKEN",
        "base_url": "QIANFAN_BASE_URL",
    }


def test_defaults() -> None:
    assert DEFAULT_BASE_URL == "https://qianfan.baidubce.com/v2"
    assert DEFAULT_V1_BASE_URL == "https://aip.baidubce.com"
    assert DEFAULT_IAM_BASE_URL == "https://iam.bj.baidubce.com"
    v2 = Credentials.resolve(api_key=API_KEY, env={})
    assert (v2.api, v2.mode, v2.base_url) == ("v2", "api_key", DEFAULT_BASE_URL)
    assert v2.iam_base_url == DEFAULT_IAM_BASE_URL
    assert v2.app_id is None
    v1 = Credentials.resolve(api="v1", access_token=TOKEN, env={})
    assert (v1.api, v1.mode, v1.base_url) == ("v1", "fixed_token", DEFAULT_V1_BASE_URL)


# --- V2 resolution ----------------------------------------------------------------------------


def test_v2_is_the_default_and_api_key_wins_over_iam_pair() -> None:
    creds = Credentials.resolve(env=FULL_ENV)
    assert creds.api == "v2"
    assert creds.mode == "api_key"
    assert value(creds.api_key) == API_KEY
    # only the chosen mode is kept; the env's V1 credentials are ignored on V2
    assert creds.access_key is creds.secret_key is creds.qianfan_ak is creds.access_token is None

    creds = Credentials.resolve(env=without(FULL_ENV, "QIANFAN_API_KEY"))
    assert creds.mode == "iam_bearer"
    assert value(creds.access_key) == IAM_AK
    assert value(creds.secret_key) == IAM_SK
    assert creds.api_key is creds.qianfan_ak is None


def test_v2_explicit_arguments() -> None:
    creds = Credentials.resolve(api_key=API_KEY, access_key=IAM_AK, secret_key=IAM_SK, env={})
    assert creds.mode == "api_key"
    creds = Credentials.resolve(access_key=IAM_AK, secret_key=IAM_SK, env=FULL_ENV)
    assert creds.mode == "iam_bearer"  # the env's API key is not consulted
    assert creds.api_key is None


def test_app_id_and_iam_base_url_from_argument_else_env_else_default() -> None:
    env = {
        "QIANFAN_API_KEY": API_KEY,
        "QIANFAN_APP_ID": " app-env ",
        "QIANFAN_IAM_BASE_URL": "http://127.0.0.1:7000/",
    }
    creds = Credentials.resolve(env=env)
    assert creds.app_id == "app-env"
    assert creds.iam_base_url == "http://127.0.0.1:7000"
    creds = Credentials.resolve(
        env=env, app_id="app-arg", iam_base_url="https://iam.gz.example/", api_key="k"
    )
    assert creds.app_id == "app-arg"  # credentials as arguments do not hide app_id / URLs
    assert creds.iam_base_url == "https://iam.gz.example"
    creds = Credentials.resolve(api_key="k", app_id="  ", env={})
    assert creds.app_id is None


def test_iam_base_url_must_be_http() -> None:
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(api_key="k", iam_base_url="iam.bj.baidubce.com", env={})
    assert info.value.field == "iam_base_url"
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(api_key="k", env={"QIANFAN_IAM_BASE_URL": "ftp://x"})
    assert info.value.field == "QIANFAN_IAM_BASE_URL"


# --- V1 resolution ----------------------------------------------------------------------------


def test_v1_env_precedence_token_over_iam_over_application() -> None:
    creds = Credentials.resolve(api="v1", env=FULL_ENV)
    assert creds.mode == "fixed_token"  # the env's V2 API key is ignored on V1
    assert value(creds.access_token) == TOKEN
    assert creds.api_key is creds.qianfan_ak is creds.access_key is None

    creds = Credentials.resolve(api="v1", env=without(FULL_ENV, "QIANFAN_ACCESS_TOKEN"))
    assert creds.mode == "iam"
    assert value(creds.access_key) == IAM_AK
    assert value(creds.secret_key) == IAM_SK
    assert creds.qianfan_ak is creds.qianfan_sk is None

    env = without(FULL_ENV, "QIANFAN_ACCESS_TOKEN", "QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY")
    creds = Credentials.resolve(api="v1", env=env)
    assert creds.mode == "token"
    assert value(creds.qianfan_ak) == QF_AK
    assert value(creds.qianfan_sk) == QF_SK
    assert creds.base_url == DEFAULT_V1_BASE_URL


def test_v1_explicit_precedence_within_arguments() -> None:
    all_v1 = {
        "qianfan_ak": QF_AK,
        "qianfan_sk": QF_SK,
        "access_key": IAM_AK,
        "secret_key": IAM_SK,
    }
    assert Credentials.resolve(api="v1", access_token=TOKEN, **all_v1, env={}).mode == (
        "fixed_token"
    )
    assert Credentials.resolve(api="v1", **all_v1, env={}).mode == "iam"


def test_explicit_arguments_win_and_ignore_env_credentials() -> None:
    creds = Credentials.resolve(api="v1", qianfan_ak="arg-ak", qianfan_sk="arg-sk", env=FULL_ENV)
    assert creds.mode == "token"  # the env's token and IAM pair are not consulted
    assert value(creds.qianfan_ak) == "arg-ak"
    assert value(creds.qianfan_sk) == "arg-sk"
    assert creds.access_token is None


def test_explicit_half_pair_is_not_completed_from_env() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api="v1", qianfan_ak="arg-ak", env={"QIANFAN_SK": QF_SK})
    text = str(info.value)
    assert "qianfan_sk is missing" in text
    assert "QIANFAN_SK" in text
    assert "not consulted" in text
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(access_key=IAM_AK, env={"QIANFAN_SECRET_KEY": IAM_SK})
    assert "secret_key is missing" in str(info.value)


def test_secretstr_inputs_whitespace_and_blank_values() -> None:
    creds = Credentials.resolve(
        api="v1", qianfan_ak=SecretStr(f"  {QF_AK}\n"), qianfan_sk=f"{QF_SK} ", env={}
    )
    assert value(creds.qianfan_ak) == QF_AK
    assert value(creds.qianfan_sk) == QF_SK
    assert value(Credentials.resolve(api_key=SecretStr(f" {API_KEY} "), env={}).api_key) == API_KEY
    # blank env values count as unset (e.g. `export QIANFAN_API_KEY=`)
    creds = Credentials.resolve(
        env={"QIANFAN_API_KEY": "", "QIANFAN_ACCESS_KEY": IAM_AK, "QIANFAN_SECRET_KEY": IAM_SK}
    )
    assert creds.mode == "iam_bearer"
    # a blank explicit argument is not "explicit": the environment is used
    creds = Credentials.resolve(api_key="  ", env={"QIANFAN_API_KEY": API_KEY})
    assert value(creds.api_key) == API_KEY


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", IAM_AK)
    monkeypatch.setenv("QIANFAN_SECRET_KEY", IAM_SK)
    monkeypatch.setenv("QIANFAN_BASE_URL", "http://127.0.0.1:8765/v2/")
    monkeypatch.setenv("QIANFAN_APP_ID", "app-1")
    creds = Credentials.resolve()
    assert creds.mode == "iam_bearer"
    assert creds.base_url == "http://127.0.0.1:8765/v2"
    assert creds.app_id == "app-1"
    assert Credentials.resolve(api="v1").mode == "iam"


@pytest.mark.parametrize("bad", ["V2", "v3", "", None, 2])
def test_api_must_be_v1_or_v2(bad: Any) -> None:
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(api=bad, api_key=API_KEY, env={})
    assert info.value.field == "api"
    assert "'v2'" in str(info.value) and "'v1'" in str(info.value)


# --- base URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "arg", "env", "expected"),
    [
        ("v2", None, {}, "https://qianfan.baidubce.com/v2"),
        ("v1", None, {}, "https://aip.baidubce.com"),
        ("v2", None, {"QIANFAN_BASE_URL": "http://127.0.0.1:9000/v2/"}, "http://127.0.0.1:9000/v2"),
        (
            "v1",
            "http://localhost:1//",
            {"QIANFAN_BASE_URL": "http://127.0.0.1:9000"},
            "http://localhost:1",
        ),
        ("v1", "", {"QIANFAN_BASE_URL": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        ("v2", "https://proxy.example/qianfan/v2/", {}, "https://proxy.example/qianfan/v2"),
    ],
)
def test_base_url_resolution(api: str, arg: str | None, env: dict[str, str], expected: str) -> None:
    credential = {"api_key": API_KEY} if api == "v2" else {"access_token": TOKEN}
    creds = Credentials.resolve(api=api, base_url=arg, env=env, **credential)  # type: ignore[arg-type]
    assert creds.base_url == expected


def test_explicit_credentials_still_take_base_url_from_env() -> None:
    creds = Credentials.resolve(
        api_key=API_KEY, env={"QIANFAN_BASE_URL": "http://127.0.0.1:1", "QIANFAN_AK": QF_AK}
    )
    assert creds.base_url == "http://127.0.0.1:1"


@pytest.mark.parametrize("bad", ["qianfan.baidubce.com", "ftp://x"])
def test_base_url_must_be_http(bad: str) -> None:
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(api_key=API_KEY, base_url=bad, env={})
    assert info.value.field == "base_url"
    assert isinstance(info.value, ValueError)
    with pytest.raises(WenxinValidationError) as info:
        Credentials.resolve(api_key=API_KEY, env={"QIANFAN_BASE_URL": bad})
    assert info.value.field == "QIANFAN_BASE_URL"


# --- API mismatches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "env", "found"),
    [
        (
            {"qianfan_ak": QF_AK, "qianfan_sk": QF_SK},
            {},
            "argument qianfan_ak, argument qianfan_sk",
        ),
        ({}, {"QIANFAN_AK": QF_AK, "QIANFAN_SK": QF_SK}, "env QIANFAN_AK, env QIANFAN_SK"),
        ({"qianfan_ak": QF_AK, "qianfan_sk": QF_SK, "api_key": API_KEY}, {}, "argument qianfan_ak"),
    ],
)
def test_v2_with_v1_application_keys_names_both(
    kwargs: dict[str, Any], env: dict[str, str], found: str
) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(**kwargs, env=env)
    text = str(info.value)
    assert "api='v2'" in text
    assert f"qianfan_ak/qianfan_sk are V1 credentials; {V2_HINT}" in text
    assert found in text
    assert_no_secret(text, repr(info.value))


def test_v2_with_only_an_access_token_names_both() -> None:
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"access_token": TOKEN}, {}),
        ({}, {"QIANFAN_ACCESS_TOKEN": TOKEN}),
    ]
    for kwargs, env in cases:
        with pytest.raises(MissingCredentialsError) as info:
            Credentials.resolve(**kwargs, env=env)
        text = str(info.value)
        assert "api='v2'" in text
        assert f"access_token is a V1 credential; {V2_HINT}" in text
        assert_no_secret(text)
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(env={"QIANFAN_AK": QF_AK, "QIANFAN_ACCESS_TOKEN": TOKEN})
    assert "qianfan_ak/qianfan_sk and access_token are V1 credentials" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "env"),
    [
        ({"api_key": API_KEY}, {}),
        ({"api_key": API_KEY, "access_token": TOKEN}, {}),  # explicit: no silent pick
        ({}, {"QIANFAN_API_KEY": API_KEY}),
    ],
)
def test_v1_with_a_v2_api_key_names_both(kwargs: dict[str, str], env: dict[str, str]) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api="v1", **kwargs, env=env)
    text = str(info.value)
    assert "api='v1'" in text
    assert "api_key is a V2 credential" in text
    assert "Pass api='v2'" in text
    assert "qianfan_ak/qianfan_sk" in text  # says what V1 takes
    assert_no_secret(text, repr(info.value))


# --- missing and half credentials -------------------------------------------------------------


def test_nothing_at_all_on_v2_lists_the_v2_ways() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(env={"QIANFAN_BASE_URL": "http://127.0.0.1:1"})
    err = info.value
    assert isinstance(err, AuthenticationError)
    text = str(err)
    assert "api='v2'" in text
    for name in ("QIANFAN_API_KEY", "QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY"):
        assert name in text
    for arg in ("api_key", "access_key", "secret_key"):
        assert f"argument {arg}" in text or f"arguments {arg}" in text or f"+ {arg}" in text
    assert "BCE-BEARER" in text
    assert "qianfan_ak" in text  # says the V1 keys are not V2's
    assert "***" not in text  # no parameter-looking text mangled by redaction


def test_nothing_at_all_on_v1_lists_every_v1_env_var() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api="v1", env={})
    text = str(info.value)
    assert "api='v1'" in text
    for name in ("QIANFAN_AK", "QIANFAN_SK", "QIANFAN_ACCESS_TOKEN", "QIANFAN_ACCESS_KEY"):
        assert name in text
    assert "bce-auth-v1" in text
    assert "***" not in text


@pytest.mark.parametrize(
    ("api", "kwargs", "env", "missing_arg", "missing_env"),
    [
        ("v2", {"access_key": IAM_AK}, {}, "secret_key", "QIANFAN_SECRET_KEY"),
        ("v2", {"secret_key": IAM_SK}, {}, "access_key", "QIANFAN_ACCESS_KEY"),
        ("v2", {}, {"QIANFAN_ACCESS_KEY": IAM_AK}, "secret_key", "QIANFAN_SECRET_KEY"),
        ("v2", {}, {"QIANFAN_SECRET_KEY": IAM_SK}, "access_key", "QIANFAN_ACCESS_KEY"),
        ("v1", {"qianfan_ak": QF_AK}, {}, "qianfan_sk", "QIANFAN_SK"),
        ("v1", {"qianfan_sk": QF_SK}, {}, "qianfan_ak", "QIANFAN_AK"),
        ("v1", {"access_key": IAM_AK}, {}, "secret_key", "QIANFAN_SECRET_KEY"),
        ("v1", {}, {"QIANFAN_AK": QF_AK}, "qianfan_sk", "QIANFAN_SK"),
        ("v1", {}, {"QIANFAN_SK": QF_SK}, "qianfan_ak", "QIANFAN_AK"),
        ("v1", {}, {"QIANFAN_SECRET_KEY": IAM_SK}, "access_key", "QIANFAN_ACCESS_KEY"),
    ],
)
def test_half_pair_names_missing_argument_and_env_var(
    api: str, kwargs: dict[str, str], env: dict[str, str], missing_arg: str, missing_env: str
) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api=api, **kwargs, env=env)  # type: ignore[arg-type]
    text = str(info.value)
    assert f"{missing_arg} is missing" in text
    assert f"argument {missing_arg}" in text
    assert f"env {missing_env}" in text
    assert_no_secret(text, repr(info.value))


def test_mixed_pairs_are_called_out() -> None:
    """QIANFAN_AK + QIANFAN_SECRET_KEY: the IAM secret is not the application's secret."""
    with pytest.raises(MissingCredentialsError) as info:
        Credentials.resolve(api="v1", env={"QIANFAN_AK": QF_AK, "QIANFAN_SECRET_KEY": QF_SK})
    text = str(info.value)
    assert "access_key is missing" in text
    assert "QIANFAN_ACCESS_KEY" in text
    assert "Note: env QIANFAN_AK belongs to the V1 application's API Key / Secret Key pair" in text
    assert "cannot be mixed" in text
    assert_no_secret(text)


def test_direct_construction_needs_a_mode_of_its_api() -> None:
    with pytest.raises(MissingCredentialsError):
        Credentials(access_key=SecretStr(IAM_AK))
    with pytest.raises(MissingCredentialsError):
        Credentials(api="v1", api_key=SecretStr(API_KEY))
    with pytest.raises(MissingCredentialsError):
        Credentials(access_token=SecretStr(TOKEN))  # a V1 credential on V2
    with pytest.raises(WenxinValidationError):
        Credentials(api="v3", api_key=SecretStr(API_KEY))  # type: ignore[arg-type]
    assert Credentials(api_key=SecretStr(API_KEY)).mode == "api_key"
    pair: dict[str, Any] = {"access_key": SecretStr(IAM_AK), "secret_key": SecretStr(IAM_SK)}
    assert Credentials(**pair).mode == "iam_bearer"
    assert Credentials(api="v1", **pair).mode == "iam"
    assert Credentials(api="v1", qianfan_ak=SecretStr("a"), qianfan_sk=SecretStr("b")).mode == (
        "token"
    )


def test_frozen() -> None:
    creds = Credentials.resolve(api_key=API_KEY, env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        creds.base_url = "http://x"  # type: ignore[misc]


def test_repr_and_str_show_no_secret() -> None:
    for creds in (
        Credentials.resolve(env={**FULL_ENV, "QIANFAN_APP_ID": "app-secretive"}),
        Credentials.resolve(access_key=IAM_AK, secret_key=IAM_SK, env={}),
        Credentials.resolve(api="v1", env=FULL_ENV),
        Credentials.resolve(api="v1", qianfan_ak=QF_AK, qianfan_sk=QF_SK, env={}),
        Credentials.resolve(api="v1", access_key=IAM_AK, secret_key=IAM_SK, env={}),
    ):
        text = repr(creds)
        assert_no_secret(text, str(creds), f"{creds}")
        assert "app-secretive" not in text
        assert creds.mode in text
        assert f"api={creds.api!r}" in text
        assert f"base_url={creds.base_url!r}" in text


# --- build_auth ---------------------------------------------------------------------------------


def test_build_auth_types_and_freshness() -> None:
    bearer = build_auth(Credentials.resolve(api_key=API_KEY, env={}))
    assert isinstance(bearer, BearerAuth)
    assert bearer.refreshable is False
    iam_bearer = build_auth(Credentials.resolve(access_key=IAM_AK, secret_key=IAM_SK, env={}))
    assert isinstance(iam_bearer, IamBearerAuth)
    assert isinstance(iam_bearer, RefreshingTokenAuth) and iam_bearer.refreshable is True
    assert iam_bearer.provider.iam_base_url == DEFAULT_IAM_BASE_URL
    assert iam_bearer.provider.lifetime == 1800

    token_creds = Credentials.resolve(api="v1", qianfan_ak=QF_AK, qianfan_sk=QF_SK, env={})
    auth = build_auth(token_creds)
    assert isinstance(auth, AccessTokenAuth) and auth.refreshable is True
    assert auth.provider.base_url == DEFAULT_V1_BASE_URL
    other = build_auth(token_creds)
    assert isinstance(other, AccessTokenAuth)
    assert other is not auth and other.provider is not auth.provider
    fixed = build_auth(Credentials.resolve(api="v1", access_token=TOKEN, env={}))
    assert isinstance(fixed, FixedTokenAuth) and fixed.refreshable is False
    iam = build_auth(Credentials.resolve(api="v1", access_key=IAM_AK, secret_key=IAM_SK, env={}))
    assert isinstance(iam, BceSigningAuth) and iam.refreshable is False
    for a in (bearer, iam_bearer, auth, other, fixed, iam):
        assert_no_secret(repr(a))


def test_build_auth_iam_token_lifetime_is_configurable_and_checked() -> None:
    creds = Credentials.resolve(
        access_key=IAM_AK, secret_key=IAM_SK, iam_base_url="http://127.0.0.1:1", env={}
    )
    auth = build_auth(creds, iam_token_lifetime=600)
    assert isinstance(auth, IamBearerAuth)
    assert auth.provider.lifetime == 600
    request = auth.provider.token_request()
    assert str(request.url) == "http://127.0.0.1:1/v1/BCE-BEARER/token?expireInSeconds=600"
    for bad in (299, 30 * 86400 + 1, 1800.5):
        with pytest.raises(WenxinValidationError) as info:
            build_auth(creds, iam_token_lifetime=bad)  # type: ignore[arg-type]
        assert info.value.field == "iam_token_lifetime"


def test_build_auth_end_to_end_api_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    auth = build_auth(Credentials.resolve(api_key=API_KEY, env={}))
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.post(DEFAULT_BASE_URL + "/chat/completions", json={})
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert "access_token" not in seen[0].url.params


def test_build_auth_end_to_end_v1_token_mode() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(f"{request.url.host}:{request.url.port}{request.url.path}")
        if request.url.path == "/oauth/2.0/token":
            assert request.url.params["client_id"] == QF_AK
            assert request.url.params["client_secret"] == QF_SK
            return httpx.Response(200, json={"access_token": "T", "expires_in": 2592000})
        return httpx.Response(200, json={"token": token_of(request)})

    creds = Credentials.resolve(
        api="v1",
        env={
            "QIANFAN_AK": QF_AK,
            "QIANFAN_SK": QF_SK,
            "QIANFAN_BASE_URL": "http://127.0.0.1:8765/",
        },
    )
    with httpx.Client(transport=httpx.MockTransport(handler), auth=build_auth(creds)) as client:
        response = client.post(creds.base_url + "/rpc/2.0/x", json={})
    assert response.json() == {"token": "T"}
    assert paths == ["127.0.0.1:8765/oauth/2.0/token", "127.0.0.1:8765/rpc/2.0/x"]


def test_build_auth_end_to_end_v1_iam_and_fixed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    iam = build_auth(Credentials.resolve(api="v1", access_key=IAM_AK, secret_key=IAM_SK, env={}))
    fixed = build_auth(Credentials.resolve(api="v1", access_token=TOKEN, env={}))
    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport, auth=iam) as client:
        client.post("https://aip.baidubce.com/rpc/2.0/x", json={})
    with httpx.Client(transport=transport, auth=fixed) as client:
        client.post("https://aip.baidubce.com/rpc/2.0/x", json={})
    assert seen[0].headers["authorization"].startswith(f"bce-auth-v1/{IAM_AK}/")
    assert "access_token" not in seen[0].url.params
    assert token_of(seen[1]) == TOKEN
    assert "authorization" not in seen[1].headers
