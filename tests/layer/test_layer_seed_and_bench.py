"""The seed's recipe (benchmarks only) and the import-time comparison against it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.interpreters import find_interpreter
from infra.artifact import sha256_file
from layer import archive, bench, pins
from layer.build import Built, build
from layer.targets import Target

pytestmark = pytest.mark.slow
PY311 = Target("python3.11", "x86_64")


def test_seed_recipe_reproduces_the_seeds_layer(seed_layer: Built, tmp_path: Path) -> None:
    manifest = seed_layer.manifest
    assert (manifest["recipe"], manifest["bytecode"], manifest["platform"]) == (
        "seed",
        False,
        "host",
    )
    assert manifest["packages"] == pins.read_pins(), "same pins as ours: only the recipe differs"
    assert manifest["sha256"] == sha256_file(seed_layer.archive)
    with zipfile.ZipFile(seed_layer.archive) as zipped:
        names = zipped.namelist()
    assert "python/honeyhive/__init__.py" in names, "the seed installs straight into python/"
    stripped = ("/__pycache__/", "/tests/", ".dist-info/")
    assert not [n for n in names if any(part in n for part in stripped)]
    # What the seed's layer loses: importlib.metadata no longer knows the SDK.
    archive.unpack(seed_layer.archive, tmp_path)
    result = bench.run_probe(find_interpreter("3.11").path, tmp_path, PY311)
    assert result["honeyhiveVersion"] is None
    assert result["compiled"], "no bytecode: every module is compiled at import"


def test_seed_recipe_refuses_a_foreign_architecture(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seed recipe installs the host's wheels"):
        build(Target("python3.11", "arm64"), out=tmp_path, recipe="seed")


def test_bench_prints_and_writes_medians_and_ratio(
    built_layer: Callable[[Target], Built], layer_root: Path, seed_layer: Built, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    built_layer(PY311)  # so that the bench reuses the session's builds
    out = tmp_path / "bench.json"
    seed_root = seed_layer.directory.parent
    assert bench.main(["--runs", "5", "--out", str(layer_root), "--seed-out", str(seed_root),
                       "--json", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    [result] = json.loads(out.read_text())
    assert result["runs"] == 5 and len(result["ours"]["samplesMs"]) == 5
    assert result["ratio"] == round(result["ours"]["medianMs"] / result["seed"]["medianMs"], 3)
    assert f"ours {result['ours']['medianMs']} ms" in printed
    # Bytecode avoids compiling ~700 modules; measured here ~0.4x. 1.0 leaves room for a busy
    # machine while still failing if our layer loses its bytecode.
    assert result["ratio"] < 1.0


def test_bench_wants_at_least_five_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--runs", "3"])
    assert "use at least 5" in capsys.readouterr().err
