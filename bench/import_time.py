"""Import time: what importing an adapter adds over importing its framework (issue 14 item 7).

Each measurement is one fresh interpreter (``python -c``) with the bytecode caches warm: every
statement is run once first with ``PYTHONDONTWRITEBYTECODE`` unset (so ``.pyc`` files are
written), and the timed runs keep it unset. Inside the child, ``time.perf_counter`` (wall) and
``time.process_time`` (CPU, which other processes on a shared machine disturb much less) are
read around ``import <framework>`` and then around ``import <adapter>``, so the framework's time
and what the adapter adds are taken in the same process. The figures are the median and the
lowest over ``--runs`` processes (default 9), the cases interleaved in each round.

Two figures per case. *As left*: the adapter is imported right after the framework, so it also
pays any garbage collection the framework's import left due. After LangChain's import the
collector is one young collection away from a full one (gen2) over the whole heap, about 0.1 s
here, which whatever runs next pays: our import, the user's next import, or their first calls.
*Debt settled*: ``gc.collect()`` runs after the framework (on the framework's clock, shown as
"its GC"), then the adapter is timed; this is what the adapter itself adds, and the figure the
target is judged on. The verdict uses the CPU time (median): an import does no I/O once the
files are cached, so on an idle machine its wall time is its CPU time, while on a shared one
the wall time also counts the waits for a core (the wall median and lowest are printed too).

The framework is what a user of it already has imported before they import our adapter:

* LangChain: ``langchain_core.language_models.chat_models`` (``BaseChatModel``),
  ``langchain_core.embeddings``, ``langchain_core.documents`` and
  ``langchain_core.documents.compressor`` (what ``ChatWenxin``, ``WenxinEmbeddings`` and
  ``WenxinRerank`` subclass); the adapter is ``langchain_wenxin``.
* LlamaIndex: ``llama_index.core.llms`` (``LLM``, ``ChatMessage``),
  ``llama_index.core.base.embeddings.base`` (``BaseEmbedding``) and
  ``llama_index.core.postprocessor.types`` (``BaseNodePostprocessor``); the adapter is
  ``llama_index_wenxin``.
* the core alone: ``httpx`` and ``pydantic``, its two dependencies; the "adapter" is
  ``wenxin_core``.

The target is that an adapter adds at most 0.10 s. The last tables list the modules with the
largest self time (``-X importtime``, one extra process per case, GC debt settled) among those
the adapter import brought in: ours, and the others (stdlib or third-party) that only we pull
in, such as httpx, which LlamaIndex does not import (nor its CLI's rich, pygments and click,
which httpx imports whenever they are installed).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

CHECKOUT = str(Path(__file__).resolve().parents[1])
"""This tree: the checkout the script belongs to, whose packages it measures by default."""
TARGET_S = 0.10
"""Issue 14 item 7: the most an adapter may add to its framework's import time, in seconds."""
OURS = ("wenxin_core", "langchain_wenxin", "llama_index_wenxin")
"""Top-level packages of this project."""
MARK = "--adapter--"
"""What the ``-X importtime`` child writes to stderr between the framework and the adapter."""


class Case(NamedTuple):
    """One comparison: the framework's modules, then the adapter imported after them."""

    name: str
    framework: tuple[str, ...]
    adapter: str


CASES = (
    Case(
        "LangChain",
        (
            "langchain_core.language_models.chat_models",
            "langchain_core.embeddings",
            "langchain_core.documents",
            "langchain_core.documents.compressor",
        ),
        "langchain_wenxin",
    ),
    Case(
        "LlamaIndex",
        (
            "llama_index.core.llms",
            "llama_index.core.base.embeddings.base",
            "llama_index.core.postprocessor.types",
        ),
        "llama_index_wenxin",
    ),
    Case("core alone", ("httpx", "pydantic"), "wenxin_core"),
)


class Sample(NamedTuple):
    """One child's readings, in seconds (``gc_*`` is 0 when the GC debt was not settled)."""

    framework_wall: float
    framework_cpu: float
    gc_wall: float
    added_wall: float
    added_cpu: float


Samples = dict[tuple[str, bool], list[Sample]]
"""Readings per case name and GC-debt mode (settled or not)."""


def child_env(tree: str | None) -> dict[str, str]:
    """This environment with bytecode writing allowed (so the caches are, and stay, warm).

    ``tree``: a checkout whose packages the child imports instead (put first on its path).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([tree, *filter(None, [env.get("PYTHONPATH")])])
    return env


def timing_code(case: Case, *, settle: bool) -> str:
    """Source of the child that times ``case``'s two imports: five floats and the adapter's file.

    ``settle``: run ``gc.collect()`` between the framework and the adapter, timed apart.
    """
    collect = "gc.collect()\n" if settle else ""
    return (
        "import gc, time\n"
        "w0, c0 = time.perf_counter(), time.process_time()\n"
        f"import {', '.join(case.framework)}\n"
        "w1, c1 = time.perf_counter(), time.process_time()\n"
        f"{collect}"
        "w2 = time.perf_counter()\n"
        "c2 = time.process_time()\n"
        f"import {case.adapter}\n"
        "w3, c3 = time.perf_counter(), time.process_time()\n"
        f"import sys\nsource = sys.modules[{case.adapter!r}].__file__\n"
        "print(w1 - w0, c1 - c0, w2 - w1, w3 - w2, c3 - c2, source)\n"
    )


def run_child(code: str, *flags: str, tree: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (on ``tree``'s packages if given); fail if it fails."""
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(tree),
        cwd=tree or CHECKOUT,  # ``-c`` puts the working directory first on the path
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr[-2000:]}")
    return done


def sample(case: Case, *, settle: bool, tree: str | None = None) -> Sample:
    """Time ``case`` once, in a fresh interpreter (on ``tree``'s packages if given)."""
    *figures, source = run_child(timing_code(case, settle=settle), tree=tree).stdout.split()
    if not Path(source).resolve().is_relative_to(Path(tree or CHECKOUT).resolve()):
        raise RuntimeError(f"{case.adapter} came from {source}, not from {tree or CHECKOUT}")
    return Sample(*(float(v) for v in figures))


class ImportRow(NamedTuple):
    """One line of ``-X importtime``: self and cumulative microseconds and the module."""

    self_us: int
    cumulative_us: int
    module: str


IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)\s*$")


def imported_by_adapter(case: Case) -> list[ImportRow]:
    """The ``-X importtime`` rows of the modules that ``import <adapter>`` brought in."""
    code = (
        f"import gc, sys\nimport {', '.join(case.framework)}\ngc.collect()\n"
        f"sys.stderr.write({MARK!r} + '\\n')\nimport {case.adapter}\n"
    )
    err = run_child(code, "-X", "importtime").stderr
    rows = []
    for line in err.split(MARK, 1)[1].splitlines():
        match = IMPORTTIME.match(line)
        if match:
            rows.append(ImportRow(int(match[1]), int(match[2]), match[3]))
    return rows


def is_ours(module: str) -> bool:
    """Whether ``module`` belongs to this project."""
    return module.split(".")[0] in OURS


def describe(case: Case) -> str:
    """What ``case``'s adapter is compared with, for the verdict lines."""
    return "httpx + pydantic" if case.adapter == "wenxin_core" else case.name


def print_figures(samples: Samples) -> None:
    """The framework's import time, what the adapter adds (median, lowest), CPU, the target."""
    header = f"{'case':<12} {'GC debt':<8} {'framework':>10} {'its GC':>7} {'+adapter':>9}"
    print(f"{header} {'(min)':>7} {'+CPU':>7}")
    for case in CASES:
        for settle in (False, True):
            runs = samples[case.name, settle]
            print(
                f"{case.name:<12} {'settled' if settle else 'as left':<8}"
                f" {statistics.median(s.framework_wall for s in runs):>10.3f}"
                f" {statistics.median(s.gc_wall for s in runs):>7.3f}"
                f" {statistics.median(s.added_wall for s in runs):>+9.3f}"
                f" {min(s.added_wall for s in runs):>7.3f}"
                f" {statistics.median(s.added_cpu for s in runs):>+7.3f}"
            )
    print()
    for case in CASES:
        settled, left = samples[case.name, True], samples[case.name, False]
        cpu = statistics.median(s.added_cpu for s in settled)
        verdict = "ok" if cpu <= TARGET_S else "OVER"
        print(
            f"{case.adapter} adds {cpu:.3f} s CPU over {describe(case)}"
            f" (wall: median {statistics.median(s.added_wall for s in settled):.3f},"
            f" min {min(s.added_wall for s in settled):.3f};"
            f" as left {statistics.median(s.added_cpu for s in left):.3f} s CPU)"
            f" target <= {TARGET_S:.2f} s: {verdict}"
        )


def by_package(rows: list[ImportRow], top: int = 6) -> str:
    """The self time of ``rows`` added up per top-level package, largest first."""
    totals: dict[str, int] = {}
    for row in rows:
        package = row.module.split(".")[0]
        totals[package] = totals.get(package, 0) + row.self_us
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{package} {us / 1000:.1f} ms" for package, us in ranked)


def print_top_modules(case: Case, top: int) -> None:
    """The modules with the largest self time among those ``case.adapter`` brought in."""
    rows = imported_by_adapter(case)
    ours = sorted((r for r in rows if is_ours(r.module)), reverse=True)
    others = sorted((r for r in rows if not is_ours(r.module)), reverse=True)
    own_ms = sum(r.self_us for r in ours) / 1000
    other_ms = sum(r.self_us for r in others) / 1000
    print(
        f"\n{case.name}: {len(rows)} modules imported by {case.adapter}, self time"
        f" {own_ms:.1f} ms in {len(ours)} of ours, {other_ms:.1f} ms in {len(others)} others"
    )
    if others:
        print(f"  others by package: {by_package(others)}")
    print(f"  {'ours':<44} {'self ms':>8}   {'others':<36} {'self ms':>8}")
    for index in range(top):
        left = (
            f"{ours[index].module:<44} {ours[index].self_us / 1000:>8.1f}"
            if index < len(ours)
            else " " * 53
        )
        right = (
            f"{others[index].module:<36} {others[index].self_us / 1000:>8.1f}"
            if index < len(others)
            else ""
        )
        if left.strip() or right:
            print(f"  {left}   {right}".rstrip())


def print_side_by_side(before: Samples, after: Samples) -> None:
    """What each adapter adds in the baseline and in this tree: CPU (median), wall (lowest)."""
    print(f"{'added, s (debt settled)':<24} {'CPU: baseline':>14} {'this tree':>10}", end="")
    print(f" {'wall min: baseline':>19} {'this tree':>10}")
    for case in CASES:
        runs = (before[case.name, True], after[case.name, True])
        cpu = [statistics.median(s.added_cpu for s in r) for r in runs]
        wall = [min(s.added_wall for s in r) for r in runs]
        print(
            f"{case.adapter:<24} {cpu[0]:>14.3f} {cpu[1]:>10.3f} {wall[0]:>19.3f} {wall[1]:>10.3f}"
        )


def main() -> None:
    """Warm the caches, time every case ``--runs`` times interleaved, print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per case")
    parser.add_argument("--top", type=int, default=12, help="modules listed per case")
    parser.add_argument(
        "--baseline",
        metavar="CHECKOUT",
        help="also time the packages of this checkout (e.g. a `git worktree` of main),"
        " interleaved with this tree's, and print both side by side",
    )
    args = parser.parse_args()
    trees: list[str | None] = [None] if args.baseline is None else [args.baseline, None]
    for tree in trees:
        for case in CASES:  # warm: write every .pyc these imports need
            run_child(timing_code(case, settle=False), tree=tree)
    samples: dict[str | None, Samples] = {
        tree: {(case.name, settle): [] for case in CASES for settle in (False, True)}
        for tree in trees
    }
    for _ in range(args.runs):
        for case in CASES:
            for settle in (False, True):
                for tree in trees:
                    samples[tree][case.name, settle].append(sample(case, settle=settle, tree=tree))
    print(f"import time, seconds: median of {args.runs} fresh processes, bytecode caches warm\n")
    if args.baseline is not None:
        print(f"baseline: {args.baseline}")
        print_figures(samples[args.baseline])
        print("\nthis tree:")
    print_figures(samples[None])
    if args.baseline is not None:
        print()
        print_side_by_side(samples[args.baseline], samples[None])
    for case in CASES:
        print_top_modules(case, args.top)


if __name__ == "__main__":
    main()
