"""The public names of ``langchain_wenxin``: exactly these, each importable and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import langchain_wenxin
from tests.support.public_api import (
    assert_docstring_check_works,
    assert_every_name_documented,
    assert_exact_all,
    assert_star_import,
)

PUBLIC_API = [
    "DEFAULT_MODEL",
    "DEFAULT_V1_MODEL",
    "MIN_TEMPERATURE",
    "ChatWenxin",
    "WenxinEmbeddings",
    "WenxinRerank",
]
"""The exact list, in ruff's ``__all__`` order (RUF022: constants, then classes, each sorted)."""


def test_all_is_exactly_the_public_api() -> None:
    assert_exact_all(langchain_wenxin, PUBLIC_API)


def test_star_import_gives_every_name() -> None:
    assert_star_import(langchain_wenxin, PUBLIC_API)


def test_every_public_name_has_a_docstring() -> None:
    assert_every_name_documented(langchain_wenxin, PUBLIC_API)


def test_the_docstring_check_tells_documented_from_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_docstring_check_works("langchain_wenxin", tmp_path, monkeypatch)
