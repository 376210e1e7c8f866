"""Shared by the resource tests (issue 6): counting this process's sockets, catching leaks.

Test modules import it as ``tests.support.resource_watch``; ``tests/conftest.py`` registers its
fixtures (``module_server``, ``server``) as a plugin.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pytest

from wenxin_core.emulator.server import EmulatorServer

__all__ = ["LeakWatch", "client_sockets", "module_server", "server", "settle"]


# -- sockets ----------------------------------------------------------------------------------

_TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN"}


def _own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def client_sockets(port: int) -> list[str]:
    """States of the TCP sockets this process holds open to ``127.0.0.1:port`` (client side).

    Only sockets with a file descriptor in this process count, so a connection in TIME_WAIT
    (already closed here) does not, and one in CLOSE_WAIT (the server hung up, we never closed
    it: a leak) does.
    """
    inodes = _own_socket_inodes()
    states = []
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            remote_port = int(cols[2].rsplit(":", 1)[1], 16)
            if remote_port == port and cols[9] in inodes:
                states.append(_TCP_STATES.get(cols[3], cols[3]))
    return sorted(states)


async def settle() -> None:
    """Let the loop run the transports' pending ``connection_lost`` callbacks."""
    for _ in range(3):
        await asyncio.sleep(0)


# -- warnings and loop errors -------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"asyncio log {record.levelname}: {record.getMessage()}")


@dataclass
class LeakWatch:
    """Records ResourceWarnings, "Unclosed ..." warnings, asyncio errors, errors in ``__del__``.

    Use as ``with LeakWatch() as watch: ...; assert watch.problems() == []``.
    """

    caught: list[warnings.WarningMessage] = field(default_factory=list)
    unraisable: list[str] = field(default_factory=list)
    _handler: _Records = field(default_factory=_Records)
    _warnings: Any = None
    _hook: Any = None

    def __enter__(self) -> LeakWatch:
        gc.collect()  # garbage of earlier tests must not be blamed on this one
        self._warnings = warnings.catch_warnings(record=True)
        self.caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        logging.getLogger("asyncio").addHandler(self._handler)
        self._hook = sys.unraisablehook

        def hook(info: Any) -> None:
            self.unraisable.append(f"unraisable in {info.object!r}: {info.exc_value!r}")

        sys.unraisablehook = hook
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        gc.collect()
        sys.unraisablehook = self._hook
        logging.getLogger("asyncio").removeHandler(self._handler)
        self._warnings.__exit__(exc_type, exc, tb)

    def problems(self) -> list[str]:
        """Everything suspicious seen so far (after a full garbage collection)."""
        gc.collect()
        found = [
            f"{w.category.__name__}: {w.message}"
            for w in self.caught
            if issubclass(w.category, ResourceWarning)
            or any(word in str(w.message) for word in ("nclosed", "never awaited"))
        ]
        found += [m for m in self._handler.messages if "DEBUG" not in m]
        return found + self.unraisable


@pytest.fixture(scope="module")
def module_server() -> Iterator[EmulatorServer]:
    """An emulator for one test module only: its port sees no other module's connections."""
    with EmulatorServer() as emulator:
        yield emulator


@pytest.fixture
def server(module_server: EmulatorServer) -> EmulatorServer:
    """The module's emulator, reset; every test starts (and must end) with no connection to it."""
    module_server.reset()
    assert client_sockets(module_server.port) == []
    return module_server
