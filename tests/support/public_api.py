"""Checks of an adapter's public names: its exact ``__all__``, star import and own docstrings.

Shared by ``tests/langchain/test_langchain_public_api.py`` and
``tests/llama_index/test_llamaindex_public_api.py``; each passes its package.
"""

from __future__ import annotations

import ast
import itertools
import sys
import types
from pathlib import Path

import pytest

__all__ = [
    "assert_docstring_check_works",
    "assert_every_name_documented",
    "assert_exact_all",
    "assert_star_import",
    "attribute_docstring",
]

CORE = "wenxin_core"


def attribute_docstring(name: str, value: object, package: str) -> str | None:
    """The string under ``name = ...`` in a module of ``package`` or the core assigning ``value``.

    ``None`` when no loaded module of theirs assigns ``value`` to ``name`` with a string after it.
    """
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not module.__name__.startswith((package, CORE)) or not source:
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


def assert_exact_all(package: types.ModuleType, public_api: list[str]) -> None:
    """``package.__all__`` is exactly ``public_api``, in that order."""
    assert list(package.__all__) == public_api


def assert_star_import(package: types.ModuleType, public_api: list[str]) -> None:
    """``from package import *`` gives every name of ``public_api`` and nothing else."""
    namespace: dict[str, object] = {}
    exec(f"from {package.__name__} import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(public_api)


def assert_every_name_documented(package: types.ModuleType, public_api: list[str]) -> None:
    """Each class has its own docstring (not a base class's); each constant an attribute one."""
    for name in public_api:
        value = getattr(package, name)
        if isinstance(value, type):
            doc = vars(value).get("__doc__")  # its own, not a base class's
        else:
            doc = attribute_docstring(name, value, package.__name__)
        assert isinstance(doc, str) and doc.strip(), f"{name} has no docstring"


def assert_docstring_check_works(
    package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`attribute_docstring` finds a documented constant of ``package`` and no bare one."""
    name = f"{package}_probe"
    path = tmp_path / f"{name}.py"
    path.write_text(
        'BARE = ("bare",)\nDOCUMENTED: tuple[str] = ("documented",)\n"""Its docstring."""\n',
        encoding="utf-8",
    )
    probe = types.ModuleType(name)
    probe.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), vars(probe))
    monkeypatch.setitem(sys.modules, probe.__name__, probe)  # removed again after the test
    assert attribute_docstring("BARE", probe.BARE, package) is None
    assert attribute_docstring("DOCUMENTED", probe.DOCUMENTED, package) == "Its docstring."
