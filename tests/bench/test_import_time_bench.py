"""``bench/import_time.py`` runs from a checkout and prints every case, its verdict and its modules.

The figures themselves are not checked (speed is judged by running the script, never by timed
assertions); one run per case, with this checkout as its own ``--baseline``, makes sure the
children import what the script says they do (the script checks where each adapter came from).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bench.test_bench_scripts import run_script

pytestmark = pytest.mark.slow

CASES = {
    "LangChain": "langchain_wenxin",
    "LlamaIndex": "llama_index_wenxin",
    "core alone": "wenxin_core",
}


OURS_ROW = re.compile(r"^  (wenxin_core|langchain_wenxin|llama_index_wenxin)\S*\s+\d+\.\d", re.M)
"""A row of the top-modules table naming one of our modules and its self time."""


def figure_row(case: str, debt: str) -> str:
    """The pattern of a figures row: framework, its GC, +adapter (median), (min), +CPU."""
    number, added = r"\s+\d+\.\d{3}", r"\s+\+\d+\.\d{3}"
    return rf"^{re.escape(case)}\s+{debt}{number}{number}{added}{number}{added}$"


def test_import_time_prints_both_figures_the_verdicts_and_the_top_modules() -> None:
    # this checkout as its own baseline: both trees' tables and the side-by-side one are printed
    checkout = str(Path(__file__).resolve().parents[2])
    out = run_script("import_time.py", "--runs", "1", "--top", "3", "--baseline", checkout)
    assert out.count("langchain_wenxin adds ") == 2, out
    for adapter in CASES.values():
        side_by_side = rf"^{adapter}(\s+\d+\.\d{{3}}){{4}}$"
        assert re.search(side_by_side, out, re.M), (adapter, out)
    for case, adapter in CASES.items():
        for debt in ("as left", "settled"):
            assert re.search(figure_row(case, debt), out, re.M), (case, debt, out)
        verdict = (
            rf"^{adapter} adds \d+\.\d{{3}} s CPU over .+ \(wall: median \d+\.\d{{3}}, min "
            r"\d+\.\d{3}; as left \d+\.\d{3} s CPU\) target <= 0\.10 s: (ok|OVER)$"
        )
        assert re.search(verdict, out, re.M), (adapter, out)
        # each case's table lists modules of ours: its children really imported the adapter
        table = out.split(f"\n{case}: ", 1)[1].split("\n\n", 1)[0]
        header = rf"^\d+ modules imported by {adapter}, self time \d+\.\d ms in [1-9]\d* of ours"
        assert re.search(header, table), (case, out)
        assert OURS_ROW.search(table), (case, out)
