"""``make demo`` (examples/demo.py) runs offline on V2 against the bundled emulator and says so.

The demo runs in a fresh interpreter with no ``QIANFAN_*`` variable and every proxy variable
pointing at a closed local port (``NO_PROXY`` covering 127.0.0.1 only), so any attempt to reach
the network (the real service, a tokenizer download) fails the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
DEAD_PROXY = "http://127.0.0.1:9"


def run_demo(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the demo as ``make demo`` does, offline, with ``extra_env`` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[name] = DEAD_PROXY
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, str(DEMO)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_demo_runs_offline_on_the_v2_emulator(tmp_path: Path) -> None:
    done = run_demo(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert re.match(
        r"^Using the bundled Qianfan emulator \(V2\) at http://127\.0\.0\.1:\d+/v2\.", lines[0]
    )
    out = done.stdout
    assert "== LangChain: prompt | ChatWenxin(ernie-4.5-turbo-32k) | StrOutputParser ==" in out
    assert "answering on ernie-4.5-turbo-32k" in out
    assert "== LlamaIndex: VectorStoreIndex query engine on ernie-4.5-turbo-32k ==" in out
    assert "redeployed on V2" in out  # the retrieved document reached the prompt
    assert re.search(r"usage \(TokenCountingHandler\): prompt [1-9]\d*, completion [1-9]", out)
    assert re.search(r"== wenxin_core: WenxinClient.stream, multi-turn ==\nYou said: When", out)
    assert re.search(r"^usage: prompt [1-9]\d*, completion [1-9]\d*, total \d+$", out, re.M)
    assert "Traceback" not in done.stderr


def test_demo_says_v1_keys_no_longer_reach_the_service(tmp_path: Path) -> None:
    done = run_demo(tmp_path, QIANFAN_AK="old-app-key", QIANFAN_SK="old-secret")
    assert done.returncode == 0, done.stderr[-3000:]
    first = done.stdout.splitlines()[0]
    assert first.startswith("Using the bundled Qianfan emulator (V2)")
    assert "QIANFAN_AK, QIANFAN_SK are V1 credentials" in first
    assert "old-app-key" not in done.stdout + done.stderr


def test_demo_takes_a_service_name(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    done = subprocess.run(
        [sys.executable, str(DEMO), "--model", "llama-2-13b-chat"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ChatWenxin(llama-2-13b-chat)" in done.stdout
    assert "answering on llama-2-13b-chat" in done.stdout
