"""Fixtures shared across the test tree."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from infra.spec import ARCHITECTURES, SUPPORTED_RUNTIMES
from tests.deployed.options import add_options

# Session fixtures several test packages share: layer builds (built once per session) and the
# policy pack process with the fixture program's captures.
pytest_plugins = (
    "tests.harness.local.pool_fixtures",
    "tests.layer.build_fixtures",
    "tests.policy.pack_fixtures",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The post-deploy suite's options, here so that `pytest` from the repository root knows
    them too (tests/deployed/options.py says why)."""
    add_options(parser)


FIXTURE_SDK_VERSION = "1.7.0"


def write_fixture_artifact(root: Path, runtime: str, arch: str) -> Path:
    """A small but real layer artefact in the builder's format (zip + manifest)."""
    directory = root / f"{runtime}-{arch}"
    directory.mkdir(parents=True, exist_ok=True)
    zip_path = directory / "layer.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        info = zipfile.ZipInfo(f"python/lib/{runtime}/site-packages/fixture_layer.py")
        archive.writestr(info, "FIXTURE = True\n")
    data = zip_path.read_bytes()
    manifest = {
        "runtime": runtime,
        "arch": arch,
        "sha256": hashlib.sha256(data).hexdigest(),
        "zippedBytes": len(data),
        "unzippedBytes": 15,
        "bytecode": False,
        "recipe": "fixture",
        "packages": {"honeyhive": FIXTURE_SDK_VERSION},
        "sdk": {
            "name": "honeyhive",
            "version": FIXTURE_SDK_VERSION,
            "kind": "release",
            "spec": "",
            "wheelSha256": None,
            "treeSha256": None,
            "commit": None,
            "dirty": False,
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return zip_path


@pytest.fixture(scope="session")
def fixture_layer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fixture artefacts for every supported runtime and architecture."""
    root = tmp_path_factory.mktemp("layer-artifacts")
    for runtime in SUPPORTED_RUNTIMES:
        for arch in ARCHITECTURES:
            write_fixture_artifact(root, runtime, arch)
    return root
