"""The core clients on the emulator: one ``mode`` fixture and one factory for sync and async.

``mode`` runs a test once per client (``"sync"``: :class:`~wenxin_core.WenxinClient`,
``"async"``: :class:`~wenxin_core.AsyncWenxinClient`); :func:`build_client` builds either with
the emulator's credentials and base URL (V2 by default, ``api="v1"`` for the legacy API);
the ``make_client`` fixture does the same with a short backoff and closes what it built.
``tests/conftest.py`` registers this module as a plugin, so every test can take both fixtures.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, Protocol

import pytest
import pytest_asyncio

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

__all__ = [
    "MODES",
    "V1_API_KEY",
    "V1_MODEL",
    "V1_SECRET_KEY",
    "V2_MODEL",
    "AnyClient",
    "ClientFactory",
    "build_client",
    "fast",
    "make_client",
    "mode",
]

MODES = ("sync", "async")
"""The two clients every behaviour of the core runs through."""

V2_MODEL = "ernie-4.5-turbo-32k"
"""The model of a V2 client unless a test names another."""

V1_MODEL = "Llama-2-13b-chat"
"""The model of a V1 client unless a test names another."""

V1_API_KEY = "ak-0123456789abcdef-APIKEY"
"""The V1 application API Key of a client built without credentials (any pair is accepted)."""

V1_SECRET_KEY = "sk-fedcba9876543210-SECRET"
"""The V1 application Secret Key paired with :data:`V1_API_KEY`."""

_CREDENTIALS = {"api_key", "access_key", "access_token", "qianfan_ak", "auth"}
_DEFAULT: Any = object()

AnyClient = WenxinClient | AsyncWenxinClient


class ClientFactory(Protocol):
    """The ``make_client`` fixture: ``make_client(mode, model, **options)``."""

    def __call__(self, mode: str = "sync", model: str | None = ..., **options: Any) -> Any:
        """A client of ``mode`` on the emulator (``api="v1"`` for the legacy API)."""


def build_client(
    mode: str, emulator: EmulatorServer, model: str | None = _DEFAULT, **options: Any
) -> Any:
    """A ``mode`` client on ``emulator``: its base URL and credentials unless ``options`` give any.

    V2 (the default): the ``/v2`` URL and the emulator's API Key, model :data:`V2_MODEL`.
    ``api="v1"``: the base URL and :data:`V1_API_KEY` / :data:`V1_SECRET_KEY`, model
    :data:`V1_MODEL`. The caller closes the client.
    """
    v1 = options.get("api") == "v1"
    if model is _DEFAULT:
        model = V1_MODEL if v1 else V2_MODEL
    options.setdefault("base_url", emulator.base_url if v1 else emulator.v2_base_url)
    if not _CREDENTIALS & set(options):
        if v1:
            options.update(qianfan_ak=V1_API_KEY, qianfan_sk=V1_SECRET_KEY)
        else:
            options["api_key"] = DEFAULT_API_KEY
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    cls = WenxinClient if mode == "sync" else AsyncWenxinClient
    return cls(model, **options)


def fast(client: Any, max_retries: int | None = None) -> Any:
    """Shrink ``client``'s backoff so retry tests take milliseconds (the policy is unit-tested)."""
    policy = client.retry_policy
    client.retry_policy = replace(
        policy,
        initial_delay=0.01,
        max_delay=0.05,
        max_retries=policy.max_retries if max_retries is None else max_retries,
    )
    return client


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """``"sync"`` or ``"async"``: the test runs once through each client."""
    return str(request.param)


@pytest_asyncio.fixture
async def make_client(wenxin_emulator: EmulatorServer) -> AsyncIterator[ClientFactory]:
    """Build clients on the session emulator (see :func:`build_client`), with a short backoff.

    Every client built is closed after the test (async ones on the test's loop; one a test
    already drove under its own ``asyncio.run`` is closed on a best-effort basis).
    """
    made: list[Any] = []

    def make(mode: str = "sync", model: str | None = _DEFAULT, **options: Any) -> Any:
        client = fast(build_client(mode, wenxin_emulator, model, **options))
        made.append(client)
        return client

    yield make
    for client in made:
        if isinstance(client, WenxinClient):
            client.close()
        else:
            with contextlib.suppress(RuntimeError):
                await client.aclose()
