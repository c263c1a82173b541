"""`python -m harness bench --imports`: the SDK's import time from our layer against the seed
recipe's, each in fresh interpreters, interleaved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.bench import imports
from harness.bench.cli import main
from infra.spec import DEFAULT_RUNTIME as RUNTIME
from layer.build import Built

pytestmark = pytest.mark.slow


def test_the_comparison_prints_and_writes_medians_and_their_ratio(
    layer_root: Path, seed_layer: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    # Two runs each: this proves the comparison's plumbing; `make bench` takes the numbers.
    [result] = imports.run([RUNTIME], 2, layer_root, seed_layer.directory.parent, out)
    printed = capsys.readouterr().out
    assert json.loads(out.read_text()) == [result]
    assert result["runs"] == 2 and len(result["ours"]["samplesMs"]) == 2
    assert len(result["seed"]["samplesMs"]) == 2
    assert result["ratio"] == round(result["ours"]["medianMs"] / result["seed"]["medianMs"], 3)
    assert f"ours {result['ours']['medianMs']} ms" in printed
    assert result["oursSha256"] != result["seedSha256"]


def test_the_comparison_wants_at_least_five_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--imports", "--runs", "3"])
    assert "use at least 5" in capsys.readouterr().err
