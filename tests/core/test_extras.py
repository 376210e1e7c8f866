"""Install only the framework you use: the core's dependencies, the extras, the import guards.

The core needs httpx and pydantic (and typing-extensions) only; each framework comes with its
extra. A fresh virtual environment that holds nothing but the core's dependency closure (no
langchain-core, no llama-index-core, no aiohttp) imports the core and calls the emulator with
both clients, and importing an adapter there names the extra to install.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import venv
from importlib import metadata
from pathlib import Path

import pytest

from wenxin_core.emulator import EmulatorServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CORE = {"httpx", "pydantic", "typing-extensions"}
FRAMEWORKS = ("langchain_core", "llama_index", "aiohttp", "httpx_aiohttp")


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s;\[<>=!~]", req, maxsplit=1)[0].lower() for req in requirements}


def test_the_core_depends_on_httpx_and_pydantic_only() -> None:
    assert names(PYPROJECT["project"]["dependencies"]) == CORE


def test_each_framework_is_an_extra_with_the_fast_path() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert names(extras["fast"]) == {"aiohttp", "httpx-aiohttp", "orjson"}
    assert names(extras["langchain"]) == {"wenxin-integrations", "langchain-core"}
    assert names(extras["llama-index"]) == {"wenxin-integrations", "llama-index-core"}
    assert "wenxin-integrations[fast]" in extras["langchain"]
    assert "wenxin-integrations[fast]" in extras["llama-index"]
    assert extras["all"] == ["wenxin-integrations[langchain,llama-index]"]
    (own,) = [req for req in extras["dev"] if req.startswith("wenxin-integrations[")]
    # make test installs everything: dev brings every extra, the frameworks and the emulator
    assert {"all", "emulator"} <= set(own[len("wenxin-integrations[") : -1].split(","))
    assert "uvicorn" in names(extras["emulator"])


def _closure(roots: set[str]) -> set[str]:
    """The installed distributions the ``roots`` need (markers evaluated, no extras)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.requires(name) or ():
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def _top_level(dist_name: str) -> set[str]:
    dist = metadata.distribution(dist_name)
    tops: set[str] = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first.endswith((".dist-info", ".pth")) or first in ("..", "__pycache__"):
            continue
        tops.add(first)
    return tops


@pytest.fixture(scope="module")
def core_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv whose site-packages holds the core's closure and this tree, nothing else."""
    home = tmp_path_factory.mktemp("core-only")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home / "venv")
    python = home / "venv" / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    shim = home / "deps"
    shim.mkdir()
    for dist in sorted(_closure(CORE)):
        for top in _top_level(dist):
            source = Path(str(metadata.distribution(dist).locate_file(top)))
            if source.exists() and not (shim / top).exists():
                (shim / top).symlink_to(source)
    for package in ("wenxin_core", "langchain_wenxin", "llama_index_wenxin"):
        (shim / package).symlink_to(ROOT / package)
    (site / "core_only.pth").write_text(f"{shim}\n", encoding="utf-8")
    return python


def run(python: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd="/",
    )


def test_the_venv_holds_no_framework(core_only_python: Path) -> None:
    result = run(
        core_only_python,
        f"""
        import importlib.util
        print([n for n in {FRAMEWORKS!r} if importlib.util.find_spec(n) is not None])
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_core_works_without_frameworks(
    core_only_python: Path, wenxin_emulator: EmulatorServer
) -> None:
    from wenxin_core.emulator.config import DEFAULT_API_KEY

    result = run(
        core_only_python,
        """
        import asyncio, os, sys
        from wenxin_core import AsyncWenxinClient, WenxinClient
        msgs = [{"role": "user", "content": "hi"}]
        with WenxinClient("ernie-4.5-turbo-32k") as client:
            print("sync", bool(client.chat(msgs).text))
        async def main():
            async with AsyncWenxinClient("ernie-4.5-turbo-32k") as client:
                print("async", bool((await client.chat(msgs)).text))
        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.split(".")[0] in
                     ("langchain_core", "llama_index", "aiohttp", "httpx_aiohttp")))
        """,
        QIANFAN_BASE_URL=wenxin_emulator.v2_base_url,
        QIANFAN_API_KEY=DEFAULT_API_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["sync True", "async True", "[]"]


@pytest.mark.parametrize(
    ("module", "extra"),
    [("langchain_wenxin", "langchain"), ("llama_index_wenxin", "llama-index")],
)
def test_an_adapter_without_its_framework_names_the_extra(
    core_only_python: Path, module: str, extra: str
) -> None:
    result = run(core_only_python, f"import {module}")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ")
    assert f'pip install "wenxin-integrations[{extra}]"' in last


@pytest.mark.parametrize(
    ("module", "hidden", "extra"),
    [
        ("langchain_wenxin", "langchain_core", "langchain"),
        ("llama_index_wenxin", "llama_index", "llama-index"),
    ],
)
def test_the_guard_with_a_hidden_framework(module: str, hidden: str, extra: str) -> None:
    """The same guard in this environment, the framework hidden by a meta-path finder."""
    code = f"""
        import sys
        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name == {hidden!r} or name.startswith({hidden!r} + "."):
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None
        sys.meta_path.insert(0, Hide())
        try:
            import {module}
        except ImportError as exc:
            print(exc)
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f'pip install "wenxin-integrations[{extra}]"' in result.stdout


def test_a_broken_framework_is_not_reported_as_missing() -> None:
    """An ImportError *inside* the framework is re-raised as it is, not as a missing extra."""
    code = """
        import sys
        class Break:
            def find_spec(self, name, path=None, target=None):
                if name == "langchain_core.messages":
                    raise ImportError("something inside langchain-core is broken", name=name)
                return None
        sys.meta_path.insert(0, Break())
        try:
            import langchain_wenxin
        except ImportError as exc:
            print(exc)
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert "broken" in result.stdout and "wenxin-integrations[" not in result.stdout
