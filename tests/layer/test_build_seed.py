"""The seed's recipe (benchmarks only): what it reproduces of the original plan's layer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from infra.digest import sha256_file
from infra.spec import DEFAULT_RUNTIME
from layer import archive, pins
from layer.build import Built, build
from layer.errors import LayerError
from layer.interpreters import find_interpreter
from layer.targets import LayerTarget
from layer.verify import run_probe

pytestmark = pytest.mark.slow
DEFAULT = LayerTarget(DEFAULT_RUNTIME, "x86_64")


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
    result = run_probe(find_interpreter(DEFAULT.python_version).path, tmp_path, DEFAULT)
    assert result["honeyhiveVersion"] is None
    assert result["compiled"], "no bytecode: every module is compiled at import"


def test_seed_recipe_refuses_a_foreign_architecture(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match="seed recipe installs the host's wheels"):
        build(LayerTarget(DEFAULT_RUNTIME, "arm64"), out=tmp_path, recipe="seed")
