"""Configuration of the emulator: :class:`EmulatorConfig` and the reference error texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BEARER_TOKEN_PATH",
    "CHAT_PATH_PREFIX",
    "DEFAULT_API_KEY",
    "DEFAULT_BEARER_TTL",
    "DEFAULT_IAM_ACCESS_KEY",
    "DEFAULT_IAM_SECRET_KEY",
    "DEFAULT_TOKEN_TTL",
    "DEFAULT_UNSAFE_TRIGGER",
    "ERROR_MESSAGES",
    "TOKEN_PATH",
    "V2_PREFIX",
    "EmulatorConfig",
    "RateLimits",
    "StreamToolArguments",
    "StreamUsageStyle",
    "UsagePlacement",
]

DEFAULT_IAM_ACCESS_KEY = "emulator-access-key"
"""The IAM Access Key the emulator accepts for bce-auth-v1 signing unless configured otherwise."""

DEFAULT_IAM_SECRET_KEY = "emulator-secret-key"
"""The IAM Secret Key paired with :data:`DEFAULT_IAM_ACCESS_KEY`."""

DEFAULT_TOKEN_TTL = 2592000
"""Lifetime of an issued access token in seconds (30 days, like the service)."""

DEFAULT_UNSAFE_TRIGGER = "UNSAFE-TRIGGER"
"""A message containing this text is answered with ``need_clear_history: true``."""

CHAT_PATH_PREFIX = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"
"""The path every chat endpoint lives under."""

TOKEN_PATH = "/oauth/2.0/token"
"""The OAuth token path."""

DEFAULT_API_KEY = "bce-v3/ALTAK-emulator/emulator-api-key"
"""The V2 console API Key (``Authorization: Bearer``) the emulator accepts by default."""

DEFAULT_BEARER_TTL = 1800
"""Lifetime of a BCE-BEARER token when ``expireInSeconds`` is not given (as IAM does)."""

V2_PREFIX = "/v2"
"""The path prefix of the V2 API (``{emulator}/v2`` is a V2 ``base_url``)."""

BEARER_TOKEN_PATH = "/v1/BCE-BEARER/token"
"""The IAM path that mints BCE-BEARER tokens (served on the emulator's own host and port)."""

UsagePlacement = Literal["separate", "last_chunk"]
"""Where a V2 stream with ``stream_options.include_usage`` puts the usage: ``separate`` (a final
chunk with empty ``choices``, as OpenAI does) or ``last_chunk`` (on the last content chunk)."""

StreamToolArguments = Literal["fragmented", "whole"]
"""How a V2 stream sends a tool call's ``arguments``: ``fragmented`` (the first ``delta.tool_calls``
fragment has ``id``, ``type`` and ``function.name``, the JSON text follows in several pieces) or
``whole`` (one fragment per call with everything)."""

StreamUsageStyle = Literal["per_event", "final_only"]
"""``per_event``: the Llama-2-7b documentation style (completion per event, total cumulative);
``final_only``: the Llama-2-13b style (completion 0 until the final event)."""

ERROR_MESSAGES: dict[int, str] = {
    1: "Unknown error",
    2: "Service temporarily unavailable",
    3: "Unsupported openapi method",
    4: "Open api request limit reached",
    6: "No permission to access data",
    13: "Get service token failed",
    14: "IAM Certification failed",
    15: "app not exsits or create failed",
    17: "Open api daily request limit reached",
    18: "Open api qps request limit reached",
    19: "Open api total request limit reached",
    100: "Invalid parameter",
    110: "Access token invalid or no longer valid",
    111: "Access token expired",
    336000: "Internal error",
    336001: "Invalid Argument",
    336002: "Invalid JSON",
    336003: "Invalid Argument",
    336004: "Permission deny",
    336005: "API name not exist",
    336006: "the length of messages must be an odd number",
    336007: "the max length of current question is 2000",
    336100: "人工智能是一项革命性的技术。与我互动的人过多,请您稍后重新向我提问。",
    336101: "Invalid HTTP Method",
    336501: "Rate limit reached for RPM",
    336502: "Rate limit reached for TPM",
}
"""Qianfan's ``error_msg`` for each ``error_code`` (the reference table's texts)."""


def _default_iam_keys() -> dict[str, str]:
    return {DEFAULT_IAM_ACCESS_KEY: DEFAULT_IAM_SECRET_KEY}


def _default_v2_keys() -> set[str]:
    return {DEFAULT_API_KEY}


@dataclass(frozen=True)
class RateLimits:
    """The per-minute quota the V2 ``X-Ratelimit-*`` headers report.

    Attributes:
        requests: requests per minute (``X-Ratelimit-Limit-Requests``).
        input_tokens: input tokens per minute (``X-Ratelimit-Limit-Input-Tokens``).
        output_tokens: output tokens per minute (``X-Ratelimit-Limit-Output-Tokens``).
        enforce: answer 429 ``rpm_rate_limit_exceeded`` / ``*_tpm_rate_limit_exceeded`` once a
            quota is used up (off by default: the headers only report).
        tokens: input + output tokens per window, if set (429 ``tpm_rate_limit_exceeded``).
        window: the window's length in seconds (60 like the service; shorter for fast tests).
        per_key: each API key / bearer token has its own quota (as the service meters each
            account); off: one quota for everybody.

    """

    requests: int = 10000
    input_tokens: int = 2000000
    output_tokens: int = 1000000
    enforce: bool = False
    tokens: int | None = None
    window: float = 60.0
    per_key: bool = True


@dataclass
class EmulatorConfig:
    """Options of one emulator instance (all have defaults that suit tests).

    Attributes:
        api_keys: application ``client_id -> client_secret`` pairs accepted by the token endpoint;
            ``None`` accepts any non-empty pair.
        token_ttl: seconds an issued access token stays valid (``expires_in``).
        fixed_tokens: access tokens always accepted without a token request.
        iam_keys: IAM ``access_key -> secret_key`` pairs accepted for bce-auth-v1 signing.
        signature_skew: seconds a signature's timestamp may lie in the future (clock skew).
        custom_endpoints: names of self-deployed services; ``None`` treats any endpoint that is
            not in the catalog as a self-deployed service, a set answers 336005 for others.
        stream_usage_style: how usage is reported on stream events (see :data:`StreamUsageStyle`).
        latency: seconds to wait before each chat response.
        chunk_delay: seconds to wait between two stream events.
        unsafe_trigger: text that makes a message "unsafe" (``need_clear_history: true``).
        max_records: how many chat requests are kept in ``requests`` (oldest dropped first).
        v2_api_keys: V2 API Keys accepted as ``Authorization: Bearer``; ``None`` accepts any
            non-empty key. BCE-BEARER tokens the emulator minted are accepted as well.
        app_ids: accepted values of the V2 ``appid`` header; ``None`` accepts any (an unknown
            one is 401 ``invalid_appid`` otherwise).
        allow_any_model: treat every V2 ``model`` id as a deployed service instead of answering
            400 ``invalid_model`` for ids the catalog does not know.
        usage_placement: where a V2 stream's final usage goes (see :data:`UsagePlacement`).
        bearer_token_ttl: when set, every minted BCE-BEARER token lives this many seconds,
            whatever ``expireInSeconds`` asked (tests of expiry).
        rate_limits: the quota behind the ``X-Ratelimit-*`` headers (:class:`RateLimits`).
        stream_tool_arguments: how streamed tool calls send their arguments (see
            :data:`StreamToolArguments`).

    """

    api_keys: dict[str, str] | None = None
    token_ttl: int = DEFAULT_TOKEN_TTL
    fixed_tokens: set[str] = field(default_factory=set)
    iam_keys: dict[str, str] = field(default_factory=_default_iam_keys)
    signature_skew: int = 300
    custom_endpoints: set[str] | None = None
    stream_usage_style: StreamUsageStyle = "per_event"
    latency: float = 0.0
    chunk_delay: float = 0.0
    unsafe_trigger: str = DEFAULT_UNSAFE_TRIGGER
    max_records: int = 10000
    v2_api_keys: set[str] | None = field(default_factory=_default_v2_keys)
    app_ids: set[str] | None = None
    allow_any_model: bool = False
    usage_placement: UsagePlacement = "separate"
    bearer_token_ttl: int | None = None
    rate_limits: RateLimits = field(default_factory=RateLimits)
    stream_tool_arguments: StreamToolArguments = "fragmented"

    def __post_init__(self) -> None:
        """Reject option values the emulator cannot honour."""
        if self.stream_usage_style not in ("per_event", "final_only"):
            raise ValueError("stream_usage_style must be 'per_event' or 'final_only'")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if self.latency < 0 or self.chunk_delay < 0:
            raise ValueError("latency and chunk_delay must not be negative")
        if self.usage_placement not in ("separate", "last_chunk"):
            raise ValueError("usage_placement must be 'separate' or 'last_chunk'")
        if self.stream_tool_arguments not in ("fragmented", "whole"):
            raise ValueError("stream_tool_arguments must be 'fragmented' or 'whole'")
        if self.bearer_token_ttl is not None and self.bearer_token_ttl <= 0:
            raise ValueError("bearer_token_ttl must be positive")
