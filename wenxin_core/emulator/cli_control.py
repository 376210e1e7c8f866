"""``wenxin-emulator control URL COMMAND [JSON]``: drive a running emulator from a shell.

Any control command works (faults, scripts, token controls, ``state``), e.g.::

  EMU=http://127.0.0.1:8790
  wenxin-emulator control $EMU inject_v2_error '{"status": 429, "code": "rpm_rate_limit_exceeded"}'
  wenxin-emulator control $EMU drop_stream_after '{"chunks": 3}'
  wenxin-emulator control $EMU state

The result is printed as JSON; the exit status is 0 on success, 1 when the emulator refused or
could not be reached, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from wenxin_core.emulator.control import COMMANDS

__all__ = ["build_control_parser", "control_main"]


def build_control_parser() -> argparse.ArgumentParser:
    """The argument parser of ``wenxin-emulator control``."""
    parser = argparse.ArgumentParser(
        prog="wenxin-emulator control",
        description="Send one control command to a running emulator.",
    )
    parser.add_argument("url", help="the emulator's base URL, e.g. http://127.0.0.1:8790")
    parser.add_argument("command", choices=sorted(COMMANDS), help="the control command")
    parser.add_argument(
        "arguments", nargs="?", default="{}", help="the command's arguments as a JSON object"
    )
    return parser


def control_main(argv: Sequence[str]) -> int:
    """Run one control command against the emulator at ``argv[0]``; print its JSON result."""
    args = build_control_parser().parse_args(argv)
    try:
        arguments = json.loads(args.arguments)
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        print("wenxin-emulator control: the arguments must be a JSON object", file=sys.stderr)
        return 2
    from wenxin_core.emulator.server import EmulatorControl

    try:
        result = EmulatorControl(args.url)._command(args.command, arguments)
    except (RuntimeError, OSError) as exc:
        print(f"wenxin-emulator control: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0
