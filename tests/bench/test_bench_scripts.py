"""The bench scripts run from a checkout: each is started as ``python bench/X.py`` with tiny counts.

The figures themselves are not checked here (speed is judged by running the scripts, never by
timed assertions); these tests only make sure every script starts its emulator, measures every
client and prints its table, so ``make bench`` works on a fresh clone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_script(name: str, *args: str) -> str:
    """Run ``bench/<name>`` as a file (as the README says) and return what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    done = subprocess.run(
        [sys.executable, str(BENCH / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_throughput_prints_every_client_at_every_level() -> None:
    out = run_script("throughput.py", "--calls", "40", "--levels", "1,32", "--rounds", "2")
    rows = {
        "raw aiohttp",
        "raw httpx.AsyncClient",
        "AsyncWenxinClient",
        "ChatWenxin.abatch",
        "Wenxin.achat (gathered)",
    }
    for name in rows:
        # calls/s and ratio at both levels, then CPU per call at both levels
        assert re.search(rf"^{re.escape(name)}\s+\d+\s+[\d.]+x\s+\d+\s+[\d.]+x$", out, re.M), out
        assert re.search(rf"^{re.escape(name)}\s+\d+\s+\d+$", out, re.M), out
    assert re.search(r"^raw aiohttp\s+\d+\s+1\.00x", out, re.M)
    for target in ("AsyncWenxinClient >= 0.50x", "ChatWenxin.abatch >= 0.35x"):
        assert re.search(rf"{re.escape(target)}.*: \d+\.\d\dx \[\d+\.\d\d-\d+\.\d\d\]", out), out


V2_ROWS = (
    "WenxinClient.chat vs raw httpx",
    "ChatWenxin.invoke vs ChatOpenAI",
    "Wenxin.chat vs OpenAILike",
    "WenxinClient.stream vs raw httpx",
    "ChatWenxin.stream vs ChatOpenAI",
    "ChatWenxin.stream vs thin LangChain",
    "Wenxin.stream_chat vs OpenAILike",
    "Wenxin.stream_chat vs thin LlamaIndex",
    "ChatWenxin.abatch vs ChatOpenAI @32",
    "Wenxin.achat vs OpenAILike @32",
)


def test_v2_compare_prints_every_comparison_with_its_target() -> None:
    out = run_script(
        "v2_compare.py",
        "--quick",
        "--calls",
        "10",
        "--streams",
        "2",
        "--chunks",
        "50",
        "--batch",
        "40",
    )
    for label in V2_ROWS:
        row = rf"^{re.escape(label)}\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d\dx  [<>]= \d\.\d\dx$"
        assert re.search(row, out, re.M), (label, out)
    # the long stream really is long: the scripted sentences, one chunk each (+ the usage chunk)
    match = re.search(r"median over a (\d+)-chunk stream", out)
    assert match and int(match.group(1)) >= 50, out


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("transport.py", ("--calls", "20", "--async-calls", "64"), "async"),
        ("framework_floor.py", ("--calls", "200"), "calls/s"),
        ("langchain_adapter.py", ("--calls", "10"), "ainvoke"),
        ("llama_index_adapter.py", ("--calls", "10"), "Wenxin.stream_chat"),
    ],
)
def test_other_scripts_run(script: str, args: tuple[str, ...], expected: str) -> None:
    assert expected in run_script(script, *args)


def test_tool_roundtrip_checks_both_round_trips_and_prints_the_ratio() -> None:
    out = run_script("tool_roundtrip.py", "--quick")
    assert re.search(r"^ChatWenxin\s+\d+$", out, re.M), out
    assert re.search(r"^ChatOpenAI\s+\d+$", out, re.M), out
    assert re.search(r"^ChatWenxin / ChatOpenAI: \d+\.\d\dx$", out, re.M), out


def test_embeddings_bench_measures_every_contender_with_the_same_calls() -> None:
    out = run_script("embeddings.py", "--quick")
    contenders = (
        "raw httpx (16 x 4)",
        "AsyncWenxinClient.embed",
        "OpenAIEmbeddings.aembed_documents",
        "WenxinEmbeddings.aembed_documents",
        "WenxinEmbedding.aget_text_embedding_batch",
    )
    calls = set()
    for name in contenders:
        match = re.search(rf"^{re.escape(name)}\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+x", out, re.M)
        assert match, out
        calls.add(match.group(1))
    assert len(calls) == 1, out  # every contender made the same number of calls
