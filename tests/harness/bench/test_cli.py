"""`python -m harness bench`: one run serves our layer and the seed recipe's side by side and
compares their interleaved cold starts with baseline's (a smoke run: one round)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.bench.series import GOAL_RATIO
from infra.spec import REPO_ROOT

pytestmark = pytest.mark.slow


def test_bench_writes_and_prints_medians_and_ratios(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "bench", "--cold-starts", "1", "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert "bench: round 1/1: ours init" in done.stderr
    document = json.loads((tmp_path / "bench.json").read_text())
    series = document["series"]
    assert list(series) == ["ours", "seed", "baseline"]
    assert [series[s]["function"] for s in series] == ["working_sdk_test"] * 2 + ["baseline"]
    assert all(len(one["initMs"]) == 1 and one["errors"] == [] for one in series.values())
    assert (
        document["layers"]["ours"]["recipe"] == "lambda" and document["layers"]["ours"]["bytecode"]
    )
    assert (
        document["layers"]["seed"]["recipe"] == "seed"
        and not document["layers"]["seed"]["bytecode"]
    )
    compared = document["comparison"]
    medians = compared["medianInitMs"]
    assert compared["oursOverSeed"] == round(medians["ours"] / medians["seed"], 3)
    assert compared["oursMinusBaselineMs"] == round(medians["ours"] - medians["baseline"], 3)
    assert compared["seedMinusBaselineMs"] == round(medians["seed"] - medians["baseline"], 3)
    assert compared["goal"] == {
        "maxOursOverSeed": GOAL_RATIO,
        "met": compared["oursOverSeed"] <= GOAL_RATIO,
    }
    markdown = (tmp_path / "bench.md").read_text()
    assert markdown in done.stdout
    assert f"| ours / seed | {compared['oursOverSeed']:.3f} |" in markdown
    for label in ("ours", "seed", "baseline"):
        assert f"| {label} |" in markdown
