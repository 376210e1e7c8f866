"""A local Qianfan-compatible chat server for offline tests, demos and benchmarks.

It speaks Qianfan **V2** (the live service) as the reference describes it, and keeps the legacy
V1 API:

* V2: ``POST /v2/chat/completions`` (OpenAI ``chat.completion`` bodies and SSE
  ``chat.completion.chunk`` streams ended by ``data: [DONE]``, with Qianfan's ``flag``,
  ``ban_round``, ``reasoning_content`` and usage details; tool calls and JSON output),
  ``POST /v2/embeddings`` and ``POST /v2/rerank`` (the reference's limits; deterministic
  vectors of each model's dimension where texts sharing words are closer; rerank scores from
  word overlap), ``GET /v2/models``, the IAM endpoint
  ``GET /v1/BCE-BEARER/token`` on the same port, ``Authorization: Bearer`` with
  :data:`DEFAULT_API_KEY` or a minted token, the ``appid`` header, validation with real HTTP
  statuses and ``{"error": {"code", "message", "type"}}`` bodies, ``X-Request-Id`` echo and
  ``X-Ratelimit-*`` headers. The V2 ``base_url`` is ``{emulator}/v2`` (``server.v2_base_url``),
  which also works for the ``openai`` SDK.
* V1 (legacy): the OAuth token endpoint, every catalog chat endpoint and any self-deployed
  endpoint name, access tokens and bce-auth-v1 signatures, errors in HTTP 200 bodies.

Replies are deterministic (``"You said: <last user text>."`` and a few fixed sentences; the
system text is echoed), so tests can assert them. Install with
``pip install "wenxin-integrations[emulator]"``.

Tools: when ``tools`` are offered and the last user turn names one (its function name, or a
word of its name or description), the reply calls it (``finish_reason: "tool_calls"``, empty
content, ``call_<hex>`` ids) with arguments built from its JSON-schema ``parameters`` and the
text (capitalised words or quoted strings for strings, the text's numbers, enum words; required
properties always present); several named tools are called in one answer unless
``parallel_tool_calls`` is false; ``tool_choice`` ``none``/``required``/a function is honoured.
After tool results the reply is ``"Based on <tool>: <result>. ..."``. Streams send the arguments
in several ``delta.tool_calls`` fragments (``stream_tool_arguments="whole"``: in one).
``response_format`` ``json_schema`` gets a JSON value conforming to the schema,
``json_object`` a JSON object.

In your own tests (pytest)
--------------------------
The package registers a pytest plugin::

    def test_my_chain(wenxin_emulator_env):          # QIANFAN_BASE_URL/_API_KEY point at it
        wenxin_emulator_env.script('{"name": "Ada"}') # the next reply, exactly
        wenxin_emulator_env.script_tool_calls(        # or the next reply's tool calls
            [{"name": "get_weather", "arguments": {"city": "Paris"}}], times=1
        )
        ...                                           # your code, unchanged
        assert wenxin_emulator_env.chat_calls == 1
        assert wenxin_emulator_env.requests[0]["body"]["messages"][-1]["role"] == "user"

``wenxin_emulator_server`` is one server per session, ``wenxin_emulator`` the same server reset
for each test, ``wenxin_emulator_env`` also sets the V2 environment (API Key),
``wenxin_emulator_env_iam`` the V2 environment with the IAM pair, ``wenxin_emulator_env_v1``
the legacy V1 environment (``QIANFAN_AK``/``QIANFAN_SK``).

Without pytest
--------------
::

    from wenxin_core.emulator import EmulatorServer

    with EmulatorServer(chunk_delay=0.05) as server:   # a thread, 127.0.0.1, a free port
        print(server.v2_base_url)                       # use as QIANFAN_BASE_URL
        server.inject_v2_error(429, "rpm_rate_limit_exceeded", times=2)
        server.inject_v2_error(500, "internal_error")
        server.inject_v2_error(401, "invalid_iam_token")
        server.drop_stream_after(2)                     # next stream breaks after 2 chunks
        server.expire_tokens()                          # minted tokens answer 401
        server.set_usage_placement("last_chunk")        # usage on the last content chunk
        server.set_latency(request=0.2, chunk=0.01)
        server.set_stream_tool_arguments("whole")      # tool-call arguments in one fragment
        server.inject_error(18)                         # a V1 error (HTTP 200 body)
        server.reset()

``EmulatorProcess`` runs it in a subprocess (``python -m wenxin_core.emulator``) with the same
control methods over HTTP; ``EmulatorControl(base_url)`` drives any running emulator, e.g. one
started with the ``wenxin-emulator --port 8790`` console script. The HTTP control endpoints are
``POST /_emulator/{command}`` (JSON arguments) and ``GET /_emulator/state``.

Faults, latency, authentication, ``X-Request-Id`` and ``X-Ratelimit-*`` apply to the
embeddings and rerank routes as to chat; ``server.embedding_calls`` and ``server.rerank_calls``
count them (``chat_calls`` counts chat only), ``server.requests`` records them all.

Authentication: V2 accepts :data:`DEFAULT_API_KEY` (``v2_api_keys=``) and BCE-BEARER tokens
minted from the IAM pair :data:`DEFAULT_IAM_ACCESS_KEY` / :data:`DEFAULT_IAM_SECRET_KEY`. V1:
any non-empty API Key / Secret Key pair gets a token (restrict with ``api_keys=``), and IAM
signing accepts the same IAM pair. A message containing ``UNSAFE-TRIGGER`` is answered with
``flag: 2`` (V2) or ``need_clear_history: true`` (V1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wenxin_core.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
    DEFAULT_UNSAFE_TRIGGER,
    ERROR_MESSAGES,
    EmulatorConfig,
)

if TYPE_CHECKING:
    from wenxin_core.emulator.server import EmulatorControl, EmulatorProcess, EmulatorServer

__all__ = [
    "DEFAULT_API_KEY",
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
