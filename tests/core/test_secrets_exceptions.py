"""No secret reachable from an exception, for every auth mode and every kind of failure.

A scripted HTTP server on 127.0.0.1 answers the chat, the V1 token and the IAM BCE-BEARER
endpoints; each failure (an HTTP error, a transport failure, a failed token fetch, a server
echoing every credential as a bare value, a stream breaking off mid-way) is raised through the
real clients (sync and async, their own pools) and the exception's whole object graph is walked:
attributes, ``__dict__``, ``args``, the cause/context chain, the live httpx objects it reaches and
the locals of our own frames in every traceback. No key nor token may appear anywhere, nor in
its text, its formatted traceback or its pickle.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import socket
import threading
import traceback
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.errors import WenxinError
from wenxin_core.redact import redact

API_KEY = "bce-v3/ALTAK-apikey0001/0123456789abcdef0123456789abcdef"
IAM_AK = "iam-access-key-7f3a9c1e5b"
IAM_SK = "iam-secret-key-2d8e4f6a0c"
QIANFAN_AK = "v1-app-key-9b7d5f3a1c"
QIANFAN_SK = "v1-app-secret-4e6c8a0b2d"
FIXED_TOKEN = "24.fixed-access-token-5a7c9e1b3d.2592000.1700000000.282335-1"
MINTED_BEARER = "bce-v3/ALTAK-minted0001/fedcba9876543210fedcba9876543210"
FETCHED_TOKEN = "24.fetched-access-token-8c0e2a4b6d.2592000.1700000000.282335-2"
SECRETS: tuple[str, ...] = (API_KEY, IAM_AK, IAM_SK, QIANFAN_AK, QIANFAN_SK, FIXED_TOKEN)
SECRETS += (MINTED_BEARER, FETCHED_TOKEN)
MESSAGES = [{"role": "user", "content": "hi"}]
OURS = ("wenxin_core", "langchain_wenxin", "llama_index_wenxin")


class Script:
    """What the server answers: per endpoint, one of ``ok``, ``http``, ``echo``, ``drop``."""

    def __init__(self) -> None:
        self.chat = "ok"
        self.token = "ok"
        self.stream_break = False
        self.echo = ""
        """What an echoing server puts in its error text, bare: the credentials in use."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _token(self) -> None:
        mode = self.script.token
        if mode == "drop":
            return self._drop()
        if mode == "echo":
            body = {"error": "invalid_client", "error_description": self.script.echo}
            body |= {"code": "InvalidAccessKeyId", "message": self.script.echo}
            return self._send(401, json.dumps(body).encode())
        if mode == "http":
            return self._send(500, b"token service down")
        if self.path.startswith("/oauth"):
            return self._send(200, json.dumps({"access_token": FETCHED_TOKEN}).encode())
        body = {"token": MINTED_BEARER, "status": "enable", "expireTime": "2099-01-01T00:00:00Z"}
        return self._send(200, json.dumps(body).encode())

    def _chat(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        mode = self.script.chat
        v1 = "/rpc/" in self.path
        if mode == "drop":
            return self._drop()
        if mode == "echo":
            if v1:
                body = {"error_code": 336003, "error_msg": f"bad token {self.script.echo}"}
                return self._send(200, json.dumps(body).encode())
            message = f"bad token {self.script.echo}"
            body = {"error": {"code": "invalid_argument", "message": message}}
            return self._send(400, json.dumps(body).encode())
        if mode == "http":
            return self._send(403, json.dumps({"error": {"code": "forbidden"}}).encode())
        if request.get("stream"):
            return self._stream(v1)
        if v1:
            return self._send(200, json.dumps({"id": "as-1", "result": "hello"}).encode())
        body = {"id": "c-1", "choices": [{"index": 0, "message": {"content": "hello"}}]}
        return self._send(200, json.dumps(body).encode())

    def _stream(self, v1: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        event = (
            {"result": "hel", "is_end": False}
            if v1
            else {"choices": [{"delta": {"content": "hel"}}]}
        )
        data = b"data: " + json.dumps(event).encode() + b"\n\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        self._drop()  # the stream breaks off after one event

    def do_GET(self) -> None:
        self._token()

    def do_POST(self) -> None:
        if self.path.startswith("/oauth"):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            return self._token()
        self._chat()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


MODES: dict[str, dict[str, Any]] = {
    "api_key": {"api_key": API_KEY},
    "iam_bearer": {"access_key": IAM_AK, "secret_key": IAM_SK},
    "v1_token": {"api": "v1", "qianfan_ak": QIANFAN_AK, "qianfan_sk": QIANFAN_SK},
    "v1_fixed_token": {"api": "v1", "access_token": FIXED_TOKEN},
    "v1_iam": {"api": "v1", "access_key": IAM_AK, "secret_key": IAM_SK},
}
FETCHING = ("iam_bearer", "v1_token")


def options(mode: str, base: str) -> dict[str, Any]:
    opts: dict[str, Any] = dict(MODES[mode])
    v1 = opts.get("api") == "v1"
    opts["base_url"] = base if v1 else base + "/v2"
    if mode == "iam_bearer":
        opts["iam_base_url"] = base
    return {"model": "Llama-2-13b-chat" if v1 else "ernie-4.5-turbo-32k", "max_retries": 0, **opts}


# --- walking an exception's object graph ------------------------------------------------


def leaks(root: BaseException) -> list[str]:
    """Every path from ``root`` to a plain secret (empty when there is none)."""
    found: list[str] = []
    seen: set[int] = set()

    def text_leak(text: str, path: str) -> None:
        for secret in SECRETS:
            if secret in text:
                found.append(f"{path} holds {secret[:12]}...")

    def walk(value: Any, path: str, depth: int) -> None:
        if id(value) in seen or depth > 12 or len(found) > 20:
            return
        seen.add(id(value))
        if isinstance(value, str):
            return text_leak(value, path)
        if isinstance(value, (bytes, bytearray)):
            return text_leak(bytes(value).decode("utf-8", "replace"), path)
        if isinstance(value, (int, float, bool, type(None), SecretStr, type, types.ModuleType)):
            return
        if isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType)):
            return
        if isinstance(value, httpx.Request):
            text_leak(str(value.url), f"{path}.url")
            text_leak(repr(value.headers.raw), f"{path}.headers")
            return walk(value.__dict__, f"{path}.__dict__", depth + 1)
        if isinstance(value, httpx.Response):
            text_leak(repr(value.headers.raw), f"{path}.headers")
            return walk(value.__dict__, f"{path}.__dict__", depth + 1)
        if isinstance(value, BaseException):
            text_leak(str(value), f"{path} (str)")
            walk(value.args, f"{path}.args", depth + 1)
            walk(getattr(value, "__dict__", {}), f"{path}.__dict__", depth + 1)
            walk(value.__cause__, f"{path}.__cause__", depth + 1)
            walk(value.__context__, f"{path}.__context__", depth + 1)
            return walk(value.__traceback__, f"{path}.__traceback__", depth + 1)
        if isinstance(value, types.TracebackType):
            frame = value.tb_frame
            module = frame.f_globals.get("__name__", "")
            if module.split(".")[0] in OURS:
                where = f"{path}<{frame.f_code.co_name}>"
                for name, local in frame.f_locals.items():
                    walk(local, f"{where}.{name}", 0)  # a fresh depth budget per local
            return walk(value.tb_next, path, depth)
        if isinstance(value, dict):
            for key, item in list(value.items()):
                walk(key, f"{path}[key]", depth + 1)
                walk(item, f"{path}[{key!r}]", depth + 1)
            return
        if isinstance(value, (list, tuple, set, frozenset)):
            for index, item in enumerate(list(value)):
                walk(item, f"{path}[{index}]", depth + 1)
            return
        if isinstance(value, (httpx.Client, httpx.AsyncClient, asyncio.AbstractEventLoop)):
            return  # pools and loops: the live machinery, not what an error carries
        state = getattr(value, "__dict__", None)
        if isinstance(state, dict):
            walk(state, f"{path}.__dict__", depth + 1)
        for slot in getattr(type(value), "__slots__", ()):
            if isinstance(slot, str) and hasattr(value, slot):
                walk(getattr(value, slot), f"{path}.{slot}", depth + 1)

    walk(root, "exc", 0)
    return found


def assert_clean(exc: BaseException) -> None:
    assert isinstance(exc, WenxinError), repr(exc)
    assert leaks(exc) == []
    text = "".join(traceback.format_exception(exc))
    assert not [s for s in SECRETS if s in text]
    pickled = pickle.dumps(exc)
    assert not [s for s in SECRETS if s.encode() in pickled]
    assert type(pickle.loads(pickled)) is type(exc)


# --- the matrix ---------------------------------------------------------------------------

KINDS = ("http", "echo", "transport", "token_fetch", "token_echo", "stream")
CASES = [
    (mode, kind)
    for mode in MODES
    for kind in KINDS
    if not kind.startswith("token") or mode in FETCHING
]


OWN_SECRETS = {
    "api_key": (API_KEY,),
    "iam_bearer": (IAM_AK, IAM_SK, MINTED_BEARER),
    "v1_token": (QIANFAN_AK, QIANFAN_SK, FETCHED_TOKEN),
    "v1_fixed_token": (FIXED_TOKEN,),
    "v1_iam": (IAM_AK, IAM_SK),
}
"""What each mode's client knows (its keys, and the token it obtains): what it can mask."""


def arrange(script: Script, mode: str, kind: str) -> None:
    script.chat, script.token, script.stream_break = "ok", "ok", False
    script.echo = " ".join(OWN_SECRETS[mode])
    if kind in ("http", "echo"):
        script.chat = kind
    elif kind == "transport":
        script.chat = "drop"
    elif kind == "token_fetch":
        script.token = "http"
    elif kind == "token_echo":
        script.token = "echo"


def sync_failure(base: str, mode: str, kind: str) -> BaseException:
    with WenxinClient(**options(mode, base)) as client:
        try:
            if kind == "stream":
                for _ in client.stream(MESSAGES):
                    pass
            else:
                client.chat(MESSAGES)
        except Exception as exc:
            return exc
    raise AssertionError("the call did not fail")


async def async_failure(base: str, mode: str, kind: str) -> BaseException:
    async with AsyncWenxinClient(**options(mode, base)) as client:
        try:
            if kind == "stream":
                async for _ in client.stream(MESSAGES):
                    pass
            else:
                await client.chat(MESSAGES)
        except Exception as exc:
            return exc
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize(("mode", "kind"), CASES)
def test_sync_errors_hold_no_secret(server: tuple[str, Script], mode: str, kind: str) -> None:
    base, script = server
    arrange(script, mode, kind)
    assert_clean(sync_failure(base, mode, kind))


@pytest.mark.parametrize(("mode", "kind"), CASES)
async def test_async_errors_hold_no_secret(
    server: tuple[str, Script], mode: str, kind: str
) -> None:
    base, script = server
    arrange(script, mode, kind)
    assert_clean(await async_failure(base, mode, kind))


def test_the_walker_finds_a_planted_secret() -> None:
    """The walk itself is not vacuous: a secret in any of the places it looks is found."""
    request = httpx.Request("POST", "https://x.example/v2", headers={"Authorization": API_KEY})
    cause = httpx.ConnectError("refused", request=request)
    err = WenxinError("failed")
    err.__cause__ = cause
    assert leaks(err)
    err2 = WenxinError("failed")
    err2.__dict__["extra"] = {"nested": [b"body " + FIXED_TOKEN.encode()]}
    assert leaks(err2)


@pytest.mark.parametrize("kind", ["http", "transport", "stream"])
def test_without_the_scrubbing_the_walk_finds_the_secret(
    server: tuple[str, Script], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matrix can fail: with scrub_error switched off everywhere, the key is found."""
    import wenxin_core._base
    import wenxin_core._http.errors
    import wenxin_core.client
    import wenxin_core.stream

    for module in (wenxin_core._base, wenxin_core._http.errors, wenxin_core.client):
        monkeypatch.setattr(module, "scrub_error", lambda exc, request=None: exc)
    monkeypatch.setattr(wenxin_core.stream, "scrub_error", lambda exc, request=None: exc)
    base, script = server
    arrange(script, "api_key", kind)
    assert leaks(sync_failure(base, "api_key", kind))


def test_redact_masks_a_bare_registered_secret() -> None:
    # Each secret was registered by the auth that holds it (the tests above built them).
    WenxinClient("ernie-4.5-turbo-32k", api_key=API_KEY).close()
    assert API_KEY not in redact(f"server said: {API_KEY}!")
    assert redact("nothing secret here") == "nothing secret here"
