"""docs/core-api.md's module map matches the tree: no module missing, none that is gone.

Every ``wenxin_core`` module outside the emulator (which has docs/emulator.md) must appear in
the map by its path (``client.py``, ``wire/v2/chat.py``, ``_http/aio.py``; a package's
``__init__.py`` by its folder), and every path the map names must exist, so the map cannot go
stale when a module is added, moved or removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wenxin_core

pytestmark = pytest.mark.slow

ROOT = Path(wenxin_core.__file__).resolve().parent
DOC = Path(__file__).resolve().parents[2] / "docs" / "core-api.md"
TEXT = DOC.read_text(encoding="utf-8")
MAP = TEXT[TEXT.index("## Module map") : TEXT.index("\n## ", TEXT.index("## Module map") + 1)]


def _modules() -> list[str]:
    """Paths of the core's modules relative to the package, the emulator's left out."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith("emulator/"):
            found.append(rel)
    return found


def _mentioned(rel: str) -> bool:
    """Whether the map names ``rel`` (a package's ``__init__.py``: its folder)."""
    if f"`{rel}`" in MAP:
        return True
    if rel.endswith("__init__.py"):
        folder = rel.removesuffix("__init__.py")
        return folder == "" or f"`{folder}" in MAP
    return False


def test_every_module_is_in_the_map() -> None:
    missing = [rel for rel in _modules() if not _mentioned(rel)]
    assert not missing, missing


def test_every_path_in_the_map_exists() -> None:
    named = set(re.findall(r"`((?:[a-z_0-9]+/)*[a-z_0-9]+(?:\.py|/))`", MAP))
    named = {path for path in named if not path.startswith("data/")}
    assert len(named) > 20
    gone = sorted(path for path in named if not (ROOT / path).exists())
    assert not gone, gone


def test_the_contract_names_the_public_api() -> None:
    for name in (
        "WenxinClient(",
        "client.embed(",
        "client.rerank(",
        "EmbeddingSpec",
        "RerankSpec",
        "ModelSpec",
        "last_turn_user_only",
        "MemoryRateLimiter",
        "RedisRateLimiter",
        "InvalidIamTokenError",
        "ContentPolicyError",
        "iam_bearer",
    ):
        assert name in TEXT, name
    for name in wenxin_core.__all__:
        if name[0].isupper() and name.endswith("Error"):
            assert name in TEXT, name
