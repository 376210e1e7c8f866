"""``repr()`` of a client never raises and never shows a secret, even half-built.

Error reporters (Sentry, ``traceback`` with locals) call ``repr`` on every local of every frame,
``self`` of a constructor that failed included: it must neither raise nor show a key. Each
client is made to fail at several points of its constructor and the half-built ``self`` of each
of our frames in the traceback is ``repr``'d; so is an instance whose ``__init__`` never ran.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wenxin_core import AsyncWenxinClient, WenxinClient

KEY = "bce-v3/ALTAK-reprkey0001/0123456789abcdef0123456789abcdef"
V1_KEY = "v1-app-key-repr-3c5e7a9b1d"
OURS = ("wenxin_core", "langchain_wenxin", "llama_index_wenxin")


def _classes() -> list[Any]:
    classes: list[Any] = [WenxinClient, AsyncWenxinClient]
    langchain = pytest.importorskip("langchain_wenxin")
    llama_index = pytest.importorskip("llama_index_wenxin")
    return [*classes, langchain.ChatWenxin, llama_index.Wenxin]


# Constructor arguments that fail at different points: the first check, after the API is
# known, resolving the model, resolving the credentials, the capabilities, the pool options.
FAILING: dict[str, dict[str, Any]] = {
    "api": {"api": "v3", "api_key": KEY},
    "max_retries": {"model": "ernie-4.5-turbo-32k", "api_key": KEY, "max_retries": -1},
    "unknown_v1_model": {"model": "no-such-model", "api": "v1", "qianfan_ak": V1_KEY},
    "credentials_of_the_other_api": {"model": "ernie-4.5-turbo-32k", "api": "v1", "api_key": KEY},
    "capabilities": {"model": "ernie-4.5-turbo-32k", "api_key": KEY, "capabilities": {"x": 1}},
    "no_credentials": {"model": "ernie-4.5-turbo-32k"},
}


def _half_built(exc: BaseException) -> list[object]:
    found: list[object] = []
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").split(".")[0] in OURS:
            candidate = frame.f_locals.get("self")
            if candidate is not None and all(candidate is not f for f in found):
                found.append(candidate)
        tb = tb.tb_next
    return found


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("QIANFAN_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("case", sorted(FAILING))
@pytest.mark.parametrize("index", range(4), ids=["sync", "async", "ChatWenxin", "Wenxin"])
def test_repr_of_a_half_built_client(case: str, index: int) -> None:
    cls = _classes()[index]
    make: Callable[..., object] = cls
    try:
        client = make(**FAILING[case])
    except Exception as exc:
        halves = _half_built(exc)
    else:  # the adapters build their client lazily: "no credentials" fails at the first call
        halves = [client]
    assert halves  # the walk found the half-built object(s)
    for half in halves:
        text = repr(half)
        str(half)
        assert KEY not in text and V1_KEY not in text


@pytest.mark.parametrize("index", range(4), ids=["sync", "async", "ChatWenxin", "Wenxin"])
def test_repr_of_an_instance_whose_init_never_ran(index: int) -> None:
    cls = _classes()[index]
    bare = cls.__new__(cls)
    assert cls.__name__ in repr(bare)
    str(bare)


def test_a_half_built_client_is_collected_quietly(recwarn: pytest.WarningsRecorder) -> None:
    import gc

    for kwargs in FAILING.values():
        for cls in (WenxinClient, AsyncWenxinClient):
            with pytest.raises(Exception):  # noqa: B017 - each fails its own way
                cls(**kwargs)
    gc.collect()
    assert not [w for w in recwarn if "never awaited" in str(w.message) or "Unraisable" in str(w)]
