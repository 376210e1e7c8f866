"""bce-auth-v1: the published vectors byte for byte, encoding edge cases, and the httpx auth."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth.signing import (
    BceSigningAuth,
    build_authorization,
    canonical_query,
    canonical_request,
    format_timestamp,
    signing_key,
    uri_encode,
)

AK = "0123456789abcdef0123456789abcdef"
SK = "fedcba9876543210fedcba9876543210"
UNIX = 1700000000
TS = "2023-11-14T22:13:20Z"
LLAMA_PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
COMPLETIONS_PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions"

VECTOR_1_CANONICAL = (
    "POST\n"
    "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b\n"
    "\n"
    "content-type:application%2Fjson\n"
    "host:aip.baidubce.com\n"
    "x-bce-date:2023-11-14T22%3A13%3A20Z"
)
VECTOR_1_AUTH = (
    "bce-auth-v1/0123456789abcdef0123456789abcdef/2023-11-14T22:13:20Z/300/"
    "content-type;host;x-bce-date/"
    "25e2621862b65e0757f8b405156d3adae0a1b53860e535caf2ed3e9ab6b2df5c"
)
VECTOR_2_CANONICAL = (
    "POST\n"
    "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b\n"
    "\n"
    "host:aip.baidubce.com\n"
    "x-bce-date:2023-11-14T22%3A13%3A20Z"
)
VECTOR_2_AUTH = (
    "bce-auth-v1/0123456789abcdef0123456789abcdef/2023-11-14T22:13:20Z/1800/host;x-bce-date/"
    "8309ebaf85178b084afe7425944a55923e70bcf40661373b4dacb2bc9826b534"
)
VECTOR_3_CANONICAL = (
    "POST\n"
    "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions\n"
    "Bar=1&foo=a%20b\n"
    "host:aip.baidubce.com\n"
    "x-bce-date:2023-11-14T22%3A13%3A20Z"
)
VECTOR_3_AUTH = (
    "bce-auth-v1/0123456789abcdef0123456789abcdef/2023-11-14T22:13:20Z/300/host;x-bce-date/"
    "a2de2341df6e0dff60d03c4c7cda00f2d6c8ff818ca74d12ad94a28cf35f1fa7"
)


def _auth(expiration: int) -> BceSigningAuth:
    return BceSigningAuth(SecretStr(AK), SecretStr(SK), expiration=expiration, clock=lambda: UNIX)


def _signed(auth: BceSigningAuth, request: httpx.Request) -> httpx.Request:
    flow = auth.sync_auth_flow(request)
    out = next(flow)
    flow.close()
    return out


# --- the published vectors ------------------------------------------------------------------


def test_timestamp_and_signing_keys() -> None:
    assert format_timestamp(UNIX) == TS
    assert format_timestamp(UNIX + 0.999) == TS
    assert (
        signing_key(SK, f"bce-auth-v1/{AK}/{TS}/300")
        == "4ece011b86e1639b3d1dcc0ac788313267d0560d111ba8776006d44b8c3ce264"
    )
    assert (
        signing_key(SK, f"bce-auth-v1/{AK}/{TS}/1800")
        == "6b6e1bc69d68fea7ace8e737c8ef2d1ede7de23caac3afb8e4784e1a541e1e4d"
    )


def test_vector_1_pure_functions() -> None:
    headers = {"Content-Type": "application/json", "Host": "aip.baidubce.com", "x-bce-date": TS}
    signed = ["content-type", "host", "x-bce-date"]
    assert canonical_request("POST", LLAMA_PATH, [], headers, signed) == VECTOR_1_CANONICAL
    assert (
        build_authorization(AK, SK, "POST", LLAMA_PATH, [], headers, TS, 300, signed)
        == VECTOR_1_AUTH
    )


def test_vector_1_through_httpx_auth_with_frozen_clock() -> None:
    request = httpx.Request(
        "POST",
        "https://aip.baidubce.com" + LLAMA_PATH,
        headers={"Content-Type": "application/json"},
        content=b'{"messages": [{"role": "user", "content": "hi"}]}',
    )
    assert request.headers["host"] == "aip.baidubce.com"
    out = _signed(_auth(300), request)
    assert out.headers["x-bce-date"] == TS
    assert out.headers["authorization"] == VECTOR_1_AUTH


def test_vector_2_pure_and_through_httpx_auth() -> None:
    headers = {"Host": "aip.baidubce.com", "x-bce-date": TS}
    signed = ["host", "x-bce-date"]
    assert canonical_request("POST", LLAMA_PATH, {}, headers, signed) == VECTOR_2_CANONICAL
    assert (
        build_authorization(AK, SK, "POST", LLAMA_PATH, {}, headers, TS, 1800, signed)
        == VECTOR_2_AUTH
    )
    # no content-type header -> only host and x-bce-date are signed, as in vector 2
    request = httpx.Request("POST", "https://aip.baidubce.com" + LLAMA_PATH)
    assert "content-type" not in request.headers
    assert _signed(_auth(1800), request).headers["authorization"] == VECTOR_2_AUTH


def test_vector_3_query_ordering_and_encoding() -> None:
    headers = {"Host": "aip.baidubce.com", "x-bce-date": TS}
    signed = ["host", "x-bce-date"]
    query = [("foo", "a b"), ("Bar", "1")]
    assert canonical_request("POST", COMPLETIONS_PATH, query, headers, signed) == (
        VECTOR_3_CANONICAL
    )
    assert (
        build_authorization(AK, SK, "POST", COMPLETIONS_PATH, query, headers, TS, 300, signed)
        == VECTOR_3_AUTH
    )
    # the same as a mapping, and through httpx (which sends "a%20b" or "a+b": both decode the same)
    assert (
        build_authorization(AK, SK, "POST", COMPLETIONS_PATH, dict(query), headers, TS, 300, signed)
        == VECTOR_3_AUTH
    )
    request = httpx.Request(
        "POST", "https://aip.baidubce.com" + COMPLETIONS_PATH, params={"foo": "a b", "Bar": "1"}
    )
    assert _signed(_auth(300), request).headers["authorization"] == VECTOR_3_AUTH


# --- encoding edge cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09-_.~", "AZaz09-_.~"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("a/b", "a%2Fb"),
        ("2023-11-14T22:13:20Z", "2023-11-14T22%3A13%3A20Z"),
        ("*", "%2A"),
        ("!'()", "%21%27%28%29"),
        ("%", "%25"),
        ("=&?#", "%3D%26%3F%23"),
        ("中", "%E4%B8%AD"),
        ("é", "%C3%A9"),
        ("\n", "%0A"),
        ("", ""),
    ],
)
def test_uri_encode(raw: str, encoded: str) -> None:
    assert uri_encode(raw) == encoded


def test_uri_encode_keep_slash_and_hex_case() -> None:
    assert uri_encode("/a b/c:d", keep_slash=True) == "/a%20b/c%3Ad"
    assert uri_encode("/a b/c:d") == "%2Fa%20b%2Fc%3Ad"
    assert uri_encode("\xff") == "%C3%BF"  # upper-case hex, UTF-8 bytes


def test_canonical_query_rules() -> None:
    # authorization (any case) excluded; blank value gives "key="; sorted after encoding
    query = [("b", ""), ("Authorization", "x"), ("a", "1"), ("a", "0"), ("c d", "e&f")]
    assert canonical_query(query) == "a=0&a=1&b=&c%20d=e%26f"
    assert canonical_query([]) == ""
    assert canonical_query(None) == ""


def test_canonical_headers_lowercase_trim_and_missing() -> None:
    headers = {"HOST": "  example.com ", "X-Bce-Date": TS, "Content-Type": "application/json"}
    text = canonical_request("get", "", {}, headers, ["Host", "X-BCE-DATE"])
    assert text == f"GET\n/\n\nhost:example.com\nx-bce-date:{uri_encode(TS)}"
    with pytest.raises(ValueError, match="content-md5"):
        canonical_request("GET", "/", {}, headers, ["host", "content-md5"])


def test_signed_headers_are_sorted_and_deduplicated() -> None:
    headers = {"Host": "h", "x-bce-date": TS, "Content-Type": "text/plain"}
    auth = build_authorization(
        AK, SK, "POST", "/", {}, headers, TS, 300, ["x-bce-date", "Host", "content-type", "host"]
    )
    assert auth.split("/")[4] == "content-type;host;x-bce-date"


def test_signature_recomputed_independently() -> None:
    """Re-derive vector 1 with raw hmac calls, not through the module's helpers."""
    prefix = f"bce-auth-v1/{AK}/{TS}/300"
    key = hmac.new(SK.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    sig = hmac.new(key.encode(), VECTOR_1_CANONICAL.encode(), hashlib.sha256).hexdigest()
    assert VECTOR_1_AUTH.endswith("/" + sig)


# --- the httpx auth over a MockTransport ------------------------------------------------------


def _verifying_handler(seen: list[httpx.Request]) -> httpx.MockTransport:
    """A server that re-verifies every Authorization header with build_authorization."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        header = request.headers["authorization"]
        version, ak, ts, exp, names, _signature = header.split("/")
        assert version == "bce-auth-v1"
        assert ts == request.headers["x-bce-date"]
        expected = build_authorization(
            ak,
            SK,
            request.method,
            request.url.path,
            request.url.params.multi_items(),
            request.headers,
            ts,
            int(exp),
            names.split(";"),
        )
        if not hmac.compare_digest(expected, header):
            return httpx.Response(
                403, headers={"X-Bce-Error-Code": "SignatureDoesNotMatch"}, content=b""
            )
        return httpx.Response(200, json={"result": "ok", "signed": names})

    return httpx.MockTransport(handler)


def test_signed_request_verified_by_server() -> None:
    seen: list[httpx.Request] = []
    auth = BceSigningAuth(SecretStr(AK), SecretStr(SK), clock=lambda: UNIX)
    with httpx.Client(transport=_verifying_handler(seen), auth=auth) as client:
        response = client.post(
            "https://aip.baidubce.com" + COMPLETIONS_PATH + "?x=1 2",
            json={"messages": [{"role": "user", "content": "你好"}]},
        )
    assert response.status_code == 200
    assert response.json()["signed"] == "content-type;host;x-bce-date"
    request = seen[0]
    assert request.headers["x-bce-date"] == TS
    assert request.headers["authorization"].startswith(f"bce-auth-v1/{AK}/{TS}/1800/")


def test_tampered_request_fails_verification() -> None:
    """The verifying handler really checks: changing a signed header after signing breaks it."""
    seen: list[httpx.Request] = []
    auth = BceSigningAuth(SecretStr(AK), SecretStr(SK), clock=lambda: UNIX)

    class Tamper(httpx.Auth):
        def auth_flow(
            self, request: httpx.Request
        ) -> Generator[httpx.Request, httpx.Response, None]:
            signed = _signed(auth, request)
            signed.headers["content-type"] = "text/plain"
            yield signed

    with httpx.Client(transport=_verifying_handler(seen), auth=Tamper()) as client:
        response = client.post("https://aip.baidubce.com/x", json={"a": 1})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8765/rpc/2.0/x", "127.0.0.1:8765"),
        ("https://aip.baidubce.com:8443/rpc/2.0/x", "aip.baidubce.com:8443"),
        ("https://aip.baidubce.com:443/rpc/2.0/x", "aip.baidubce.com"),
        ("http://localhost:80/rpc/2.0/x", "localhost"),
    ],
)
def test_host_header_signed_exactly_as_sent(url: str, host: str) -> None:
    seen: list[httpx.Request] = []
    auth = BceSigningAuth(SecretStr(AK), SecretStr(SK), clock=lambda: UNIX)
    with httpx.Client(transport=_verifying_handler(seen), auth=auth) as client:
        assert client.post(url, json={}).status_code == 200
    request = seen[0]
    assert request.headers["host"] == host
    canonical = canonical_request(
        "POST", request.url.path, [], request.headers, ["content-type", "host", "x-bce-date"]
    )
    assert f"\nhost:{uri_encode(host)}\n" in canonical


def test_each_send_is_signed_with_a_fresh_timestamp() -> None:
    now = [float(UNIX)]
    seen: list[httpx.Request] = []
    auth = BceSigningAuth(SecretStr(AK), SecretStr(SK), clock=lambda: now[0], expiration=300)
    with httpx.Client(transport=_verifying_handler(seen), auth=auth) as client:
        request = client.build_request("POST", "https://aip.baidubce.com/a", json={})
        first = client.send(request).request.headers["authorization"]
        now[0] += 61
        # a replay of the same request object is re-signed (headers are replaced in place)
        second = client.send(request).request.headers["authorization"]
    assert len(seen) == 2
    assert f"/{TS}/300/" in first
    assert "/2023-11-14T22:14:21Z/300/" in second
    assert request.headers["x-bce-date"] == "2023-11-14T22:14:21Z"


def test_expiration_must_be_positive() -> None:
    with pytest.raises(ValueError, match="expiration"):
        BceSigningAuth(SecretStr(AK), SecretStr(SK), expiration=0)


def test_repr_shows_no_secret() -> None:
    auth = BceSigningAuth(SecretStr(AK), SecretStr(SK))
    for text in (repr(auth), str(auth)):
        assert SK not in text
        assert AK not in text


def test_apply_now_signs_like_the_flow() -> None:
    auth = _auth(300)
    url = "https://aip.baidubce.com/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b?x=1"
    body = b'{"messages":[]}'
    headers = {"Content-Type": "application/json"}
    by_flow = _signed(auth, httpx.Request("POST", url, content=body, headers=headers))
    direct = httpx.Request("POST", url, content=body, headers=headers)
    assert auth.apply_now(direct) is True
    assert direct.headers.raw == by_flow.headers.raw
    assert direct.headers["Authorization"].startswith("bce-auth-v1/")
