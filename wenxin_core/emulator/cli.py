"""``wenxin-emulator``: run the emulator from the command line (``python -m wenxin_core.emulator``).

The first stdout line is the base URL (``http://127.0.0.1:PORT``), so a parent process started with
``--port 0`` can read the chosen port back. ``wenxin-emulator control URL COMMAND [JSON]`` drives
a running emulator instead (faults, scripts, state: :mod:`wenxin_core.emulator.cli_control`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wenxin_core.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
    DEFAULT_TOKEN_TTL,
    DEFAULT_UNSAFE_TRIGGER,
    EmulatorConfig,
    RateLimits,
)

__all__ = ["build_parser", "config_from_args", "main"]


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition(":")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected KEY:SECRET, got {text!r}")
    return key, value


def _limits(text: str) -> tuple[int, int, int]:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected REQUESTS:INPUT_TOKENS:OUTPUT_TOKENS, got {text!r}"
        )
    return int(parts[0]), int(parts[1]), int(parts[2])


def _add_v2_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--v2-api-key",
        action="append",
        metavar="KEY",
        help=f"accepted V2 API Key (Bearer; repeatable; default {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--any-v2-api-key", action="store_true", help="accept any non-empty V2 API Key"
    )
    parser.add_argument(
        "--app-id", action="append", help="accepted appid header value (repeatable; default any)"
    )
    parser.add_argument(
        "--allow-any-model",
        action="store_true",
        help="answer any V2 model id as a deployed service (default: 400 invalid_model)",
    )
    parser.add_argument(
        "--usage-placement",
        choices=["separate", "last_chunk"],
        default="separate",
        help="V2 include_usage: a final chunk with empty choices, or on the last content chunk",
    )
    parser.add_argument(
        "--bearer-token-ttl",
        type=int,
        help="lifetime of every minted BCE-BEARER token, seconds (default: expireInSeconds)",
    )
    parser.add_argument(
        "--rate-limits",
        type=_limits,
        metavar="REQ:IN:OUT",
        help="per-minute quota shown in X-Ratelimit-* (default 10000:2000000:1000000)",
    )
    parser.add_argument(
        "--stream-tool-arguments",
        choices=["fragmented", "whole"],
        default="fragmented",
        help="streamed tool calls: arguments in several fragments (default) or whole",
    )
    parser.add_argument(
        "--enforce-rate-limits",
        action="store_true",
        help="answer 429 *_rate_limit_exceeded once a quota is used up",
    )
    parser.add_argument(
        "--rate-tokens",
        type=int,
        metavar="N",
        help="also a combined input+output token quota per window (429 tpm_rate_limit_exceeded)",
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="length of a quota window (default 60, as the service; shorter for fast tests)",
    )
    parser.add_argument(
        "--shared-quota",
        action="store_true",
        help="one quota for every key (default: each API key / token has its own)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``wenxin-emulator``."""
    parser = argparse.ArgumentParser(
        prog="wenxin-emulator",
        description="A local Qianfan-compatible chat server for tests, demos and benchmarks "
        "(V2 under /v2, legacy V1). 'wenxin-emulator control URL COMMAND [JSON]' drives a "
        "running one.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8790, help="port; 0 picks a free one (8790)")
    parser.add_argument(
        "--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, help="access token lifetime, seconds"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds to wait before each chat response"
    )
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="seconds to wait between stream events"
    )
    parser.add_argument(
        "--stream-usage-style",
        choices=["per_event", "final_only"],
        default="per_event",
        help="usage on stream events: per_event (Llama-2-7b docs) or final_only (13b docs)",
    )
    parser.add_argument(
        "--api-key",
        type=_pair,
        action="append",
        metavar="ID:SECRET",
        help="accepted application API Key:Secret Key (repeatable; default: any pair)",
    )
    parser.add_argument(
        "--iam-key",
        type=_pair,
        action="append",
        metavar="AK:SK",
        help=f"accepted IAM keys (repeatable; default {DEFAULT_IAM_ACCESS_KEY}:"
        f"{DEFAULT_IAM_SECRET_KEY})",
    )
    parser.add_argument(
        "--fixed-token", action="append", default=[], help="an always-valid access token"
    )
    parser.add_argument(
        "--custom-endpoint",
        action="append",
        help="a self-deployed endpoint name (repeatable; default: any unknown name is one)",
    )
    parser.add_argument(
        "--unsafe-trigger", default=DEFAULT_UNSAFE_TRIGGER, help="text that flags a message"
    )
    _add_v2_options(parser)
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """The :class:`EmulatorConfig` described by parsed arguments."""
    config = EmulatorConfig(
        api_keys=dict(args.api_key) if args.api_key else None,
        token_ttl=args.token_ttl,
        fixed_tokens=set(args.fixed_token),
        custom_endpoints=set(args.custom_endpoint) if args.custom_endpoint else None,
        stream_usage_style=args.stream_usage_style,
        latency=args.latency,
        chunk_delay=args.chunk_delay,
        unsafe_trigger=args.unsafe_trigger,
        app_ids=set(args.app_id) if args.app_id else None,
        allow_any_model=args.allow_any_model,
        usage_placement=args.usage_placement,
        bearer_token_ttl=args.bearer_token_ttl,
        stream_tool_arguments=args.stream_tool_arguments,
    )
    if args.any_v2_api_key:
        config.v2_api_keys = None
    elif args.v2_api_key:
        config.v2_api_keys = set(args.v2_api_key)
    if args.rate_limits or args.enforce_rate_limits or args.rate_tokens or args.shared_quota:
        requests, input_tokens, output_tokens = args.rate_limits or (10000, 2000000, 1000000)
        config.rate_limits = RateLimits(
            requests,
            input_tokens,
            output_tokens,
            enforce=args.enforce_rate_limits,
            tokens=args.rate_tokens,
            window=args.rate_window,
            per_key=not args.shared_quota,
        )
    elif args.rate_window != 60.0:
        config.rate_limits = RateLimits(window=args.rate_window)
    if args.iam_key:
        config.iam_keys = dict(args.iam_key)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator in the foreground until interrupted (or run ``control``)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["control"]:
        from wenxin_core.emulator.cli_control import control_main

        return control_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    from wenxin_core.emulator.app import EmulatorApp
    from wenxin_core.emulator.server import bind_socket, make_server
    from wenxin_core.emulator.state import EmulatorState

    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"wenxin-emulator: {exc}", file=sys.stderr)
        return 2
    sock = bind_socket(args.host, args.port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"http://{host}:{sock.getsockname()[1]}", flush=True)
    server = make_server(EmulatorApp(EmulatorState(config)))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - interactive use
        pass
    finally:
        sock.close()
    return 0
