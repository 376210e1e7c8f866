"""Fixtures of the hostile suite: the server and every client path (see :mod:`.clients`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.clients import PATHS, STREAM_PATHS
from tests.hostile.server import HostileServer


@pytest.fixture
def server() -> Iterator[HostileServer]:
    """A hostile server on 127.0.0.1, stopped after the test."""
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    """One client path."""
    return str(request.param)


@pytest.fixture(params=STREAM_PATHS)
def stream_path(request: pytest.FixtureRequest) -> str:
    """One streaming client path."""
    return str(request.param)
