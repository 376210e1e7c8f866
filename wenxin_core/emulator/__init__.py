"""A local Qianfan-compatible chat server for offline tests, demos and benchmarks.

It speaks Qianfan chat API v1 as the service does: the OAuth token endpoint, every catalog chat
endpoint and any self-deployed endpoint name, access tokens and bce-auth-v1 signatures, the
service's validation with its error codes and texts, JSON replies and SSE streams. Replies are
deterministic (``"You said: <last user text>."`` and a few fixed sentences; the ``system`` text is
echoed), so tests can assert them. Install with ``pip install "wenxin-integrations[emulator]"``.

In your own tests (pytest)
--------------------------
The package registers a pytest plugin with three fixtures::

    def test_my_chain(wenxin_emulator_env):          # QIANFAN_BASE_URL/AK/SK point at it
        wenxin_emulator_env.script('{"name": "Ada"}') # the next reply, exactly
        ...                                           # your code, unchanged
        assert wenxin_emulator_env.chat_calls == 1
        assert wenxin_emulator_env.requests[0]["body"]["messages"][-1]["role"] == "user"

``wenxin_emulator_server`` is one server per session, ``wenxin_emulator`` the same server reset
for each test, ``wenxin_emulator_env`` also sets the environment variables.

Without pytest
--------------
::

    from wenxin_core.emulator import EmulatorServer

    with EmulatorServer(chunk_delay=0.05) as server:   # a thread, 127.0.0.1, a free port
        print(server.base_url)                          # use as QIANFAN_BASE_URL
        server.inject_error(18, times=2)                # QPS limit twice, then normal replies
        server.inject_http_status(429, headers={"Retry-After": "1"})
        server.drop_stream_after(2)                     # next stream breaks after 2 events
        server.expire_tokens()                          # issued tokens answer 111
        server.set_latency(request=0.2, chunk=0.01)
        server.reset()

``EmulatorProcess`` runs it in a subprocess (``python -m wenxin_core.emulator``) with the same
control methods over HTTP; ``EmulatorControl(base_url)`` drives any running emulator, e.g. one
started with the ``wenxin-emulator --port 8790`` console script. The HTTP control endpoints are
``POST /_emulator/{command}`` (JSON arguments) and ``GET /_emulator/state``.

Authentication: any non-empty API Key / Secret Key pair gets a token (restrict with
``api_keys=``); IAM signing accepts :data:`DEFAULT_IAM_ACCESS_KEY` / :data:`DEFAULT_IAM_SECRET_KEY`.
A message containing ``UNSAFE-TRIGGER`` is answered with ``need_clear_history: true``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wenxin_core.emulator.config import (
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
    DEFAULT_UNSAFE_TRIGGER,
    ERROR_MESSAGES,
    EmulatorConfig,
)

if TYPE_CHECKING:
    from wenxin_core.emulator.server import EmulatorControl, EmulatorProcess, EmulatorServer

__all__ = [
    "DEFAULT_IAM_ACCESS_KEY",
    "DEFAULT_IAM_SECRET_KEY",
    "DEFAULT_UNSAFE_TRIGGER",
    "ERROR_MESSAGES",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorProcess",
    "EmulatorServer",
]


def __getattr__(name: str) -> Any:
    """Import the server classes on first use (keeps ``import wenxin_core.emulator`` light)."""
    if name in {"EmulatorServer", "EmulatorProcess", "EmulatorControl"}:
        from wenxin_core.emulator import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
