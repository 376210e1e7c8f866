"""The public names of ``langchain_wenxin``: exactly these, each importable and documented."""

from __future__ import annotations

import ast
import itertools
import sys
import types
from pathlib import Path

import pytest

import langchain_wenxin

PUBLIC_API = [
    "DEFAULT_MODEL",
    "DEFAULT_V1_MODEL",
    "MIN_TEMPERATURE",
    "ChatWenxin",
    "WenxinEmbeddings",
    "WenxinRerank",
]
"""The exact list, in ruff's ``__all__`` order (RUF022: constants, then classes, each sorted)."""


def attribute_docstring(name: str, value: object) -> str | None:
    """The string under ``name = ...`` in the module (ours or the core's) that assigns ``value``."""
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not module.__name__.startswith(("langchain_wenxin", "wenxin_core")) or not source:
            continue
        if getattr(module, name, None) is not value:
            continue
        body = ast.parse(Path(source).read_text(encoding="utf-8")).body
        for node, after in itertools.pairwise(body):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            named = any(isinstance(t, ast.Name) and t.id == name for t in targets)
            if named and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return str(after.value.value)
    return None


def test_all_is_exactly_the_public_api() -> None:
    assert list(langchain_wenxin.__all__) == PUBLIC_API


def test_star_import_gives_every_name() -> None:
    namespace: dict[str, object] = {}
    exec("from langchain_wenxin import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC_API)


def test_every_public_name_has_a_docstring() -> None:
    for name in PUBLIC_API:
        value = getattr(langchain_wenxin, name)
        if isinstance(value, type):
            doc = vars(value).get("__doc__")  # its own, not a base class's
        else:
            doc = attribute_docstring(name, value)
        assert isinstance(doc, str) and doc.strip(), f"{name} has no docstring"


def test_the_docstring_check_tells_documented_from_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "langchain_wenxin_probe.py"
    path.write_text(
        'BARE = ("bare",)\nDOCUMENTED: tuple[str] = ("documented",)\n"""Its docstring."""\n',
        encoding="utf-8",
    )
    probe = types.ModuleType("langchain_wenxin_probe")
    probe.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), vars(probe))
    monkeypatch.setitem(sys.modules, probe.__name__, probe)  # removed again after the test
    assert attribute_docstring("BARE", probe.BARE) is None
    assert attribute_docstring("DOCUMENTED", probe.DOCUMENTED) == "Its docstring."
