"""Deterministic zips, and unpacking as Lambda does."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from layer import archive
from layer.errors import LayerError


def _tree(root: Path, mode: int, mtime: int) -> Path:
    files = {"python/b.py": b"B = 1\n", "python/a/x.so": b"\x7fELF", "python/a/__init__.py": b""}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    return root


def test_zip_is_independent_of_location_mtime_and_mode(tmp_path: Path) -> None:
    first = _tree(tmp_path / "one", 0o755, 1_700_000_000)
    second = _tree(tmp_path / "two", 0o600, 1_600_000_000)
    archive.zip_tree(first, tmp_path / "one.zip")
    archive.zip_tree(second, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as zipped:
        infos = zipped.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert names[0] == "python/"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: stat.filemode(i.external_attr >> 16) for i in infos}
    assert modes["python/a/"] == "drwxr-xr-x"
    assert modes["python/a/x.so"] == "-rw-r--r--"


def test_zip_refuses_symlinks(tmp_path: Path) -> None:
    root = _tree(tmp_path / "t", 0o644, 0)
    (root / "python" / "link").symlink_to(root / "python" / "b.py")
    with pytest.raises(LayerError, match="link is a symlink"):
        archive.zip_tree(root, tmp_path / "t.zip")


def test_unpack_applies_modes_and_confines_paths(tmp_path: Path) -> None:
    archive.zip_tree(_tree(tmp_path / "t", 0o700, 0), tmp_path / "t.zip")
    archive.unpack(tmp_path / "t.zip", tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "out/python/b.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out/python/a").stat().st_mode) == 0o755
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as evil:
        evil.writestr("../escape.py", b"")
    with pytest.raises(LayerError, match=r"'\.\./escape\.py' escapes the layer"):
        archive.unpack(tmp_path / "evil.zip", tmp_path / "out2")
    assert not (tmp_path / "escape.py").exists()
