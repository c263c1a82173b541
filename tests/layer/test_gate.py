"""Lambda's size limits for a layer and who uses the bytes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from layer import archive
from layer.errors import LayerTooLarge
from layer.gate import Limits, check_size, package_sizes


def _fake_layer(path: Path) -> Path:
    """A layer with two distributions: `big` (a source, its pyc, metadata) and `small`."""
    sp = "python/lib/python3.11/site-packages/"
    record = "big/__init__.py,,\nbig/data.bin,,\nbig-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(sp + "big/__init__.py", b"x" * 3000)
        zipped.writestr(sp + "big/__pycache__/__init__.cpython-311.pyc", b"y" * 2000)
        zipped.writestr(sp + "big/data.bin", os.urandom(5000))
        zipped.writestr(sp + "big-1.0.dist-info/RECORD", record)
        zipped.writestr(sp + "small/__init__.py", b"z" * 10)
    return path


def test_package_sizes_attribute_pycs_and_unowned_files(tmp_path: Path) -> None:
    sizes = package_sizes(_fake_layer(tmp_path / "l.zip"))
    assert [name for name, _, _ in sizes] == ["big", "small"]
    big = sizes[0]
    assert big[1] == 3000 + 2000 + 5000 + len(
        "big/__init__.py,,\nbig/data.bin,,\nbig-1.0.dist-info/RECORD,,\n"
    )
    assert big[2] < big[1]


def test_size_gate_refuses_with_sizes_and_largest_packages(tmp_path: Path) -> None:
    layer = _fake_layer(tmp_path / "l.zip")
    check_size(layer, Limits(), "fake")  # far below Lambda's limits
    with pytest.raises(LayerTooLarge) as caught:
        check_size(layer, Limits(zipped=10**9, unzipped=1000), "python3.11-x86_64")
    message = str(caught.value)
    assert "layer python3.11-x86_64 is too large for Lambda" in message
    unzipped = archive.unzipped_bytes(layer)
    assert f"{unzipped} bytes unzipped (0.0 MiB; limit < 1000)" in message
    assert "bytes zipped" not in message, "only the exceeded limit is named"
    assert "Largest packages: big " in message
    assert "layer/requirements.in" in message
    with pytest.raises(LayerTooLarge, match=r"bytes zipped \(0.0 MiB; limit < 100\)"):
        check_size(layer, Limits(zipped=100), "x")


def test_default_limits_are_lambdas_byte_limits() -> None:
    assert Limits().zipped == 52_428_800
    assert Limits().unzipped == 262_144_000
