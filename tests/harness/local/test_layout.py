"""Laying out code and layers where Lambda puts them, and what this host can run."""

from __future__ import annotations

import os
import stat
import time
import zipfile
from pathlib import Path

import pytest

from harness.local import host, layout
from harness.local.errors import HostError, LayoutError
from harness.local.host import host_architecture, rie_binary
from harness.local.layout import lay_out, remove_tree
from layer.provider import interpreter_for
from tests.harness.local.fixtures import HANDLERS


def _zip(path: Path, files: dict[str, str], mode: int = 0o644) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text)
    return path


def test_code_dir_zip_and_assets_become_the_task_root(tmp_path: Path) -> None:
    from_dir = lay_out(HANDLERS, (), tmp_path / "a", tmp_path / "cache")
    assert (from_dir.task_root / "app.py").read_text() == (HANDLERS / "app.py").read_text()
    code_zip = _zip(tmp_path / "code.zip", {"pkg/mod.py": "X = 1\n"})
    assert (
        lay_out(code_zip, (), tmp_path / "b", tmp_path / "cache").task_root / "pkg" / "mod.py"
    ).is_file()
    assets = {"app.py": HANDLERS / "app.py", "sub/extra.py": HANDLERS / "app.py"}
    laid = lay_out(assets, (), tmp_path / "c", tmp_path / "cache")
    assert sorted(
        p.relative_to(laid.task_root).as_posix() for p in laid.task_root.rglob("*.py")
    ) == [
        "app.py",
        "sub/extra.py",
    ]


def test_layers_unpack_in_order_into_opt_keeping_modes(tmp_path: Path) -> None:
    first = _zip(
        tmp_path / "1.zip", {"python/shared.py": "WHO = 1\n", "bin/tool": "#!/bin/sh\n"}, 0o755
    )
    second = _zip(tmp_path / "2.zip", {"python/shared.py": "WHO = 2\n"})
    layout = lay_out(HANDLERS, (first, second), tmp_path / "fn", tmp_path / "cache")
    assert (layout.opt / "python" / "shared.py").read_text() == "WHO = 2\n"  # later layer wins
    assert (layout.opt / "bin" / "tool").stat().st_mode & stat.S_IXUSR
    again = lay_out(HANDLERS, (first, second), tmp_path / "fn2", tmp_path / "cache")
    assert again.opt == layout.opt  # unpacked once, shared
    assert lay_out(HANDLERS, (second,), tmp_path / "fn3", tmp_path / "cache").opt != layout.opt


def test_where_the_function_owns_its_files_only_their_other_bits_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not root, the harness's uid is the function's: the code and the layers get each entry's
    "other" bits in the owner's and group's place, so Lambda's user reads what it could there.
    Links are left alone (chmod would follow them out of the tree)."""
    outside = tmp_path / "outside.txt"
    outside.write_text("not the function's")
    outside.chmod(0o640)
    code = tmp_path / "code"
    (code / "secret").mkdir(parents=True)
    for name, mode in {"public.txt": 0o644, "private.txt": 0o600, "tool": 0o754}.items():
        (code / name).write_text(name)
        (code / name).chmod(mode)
    (code / "secret" / "inner.txt").write_text("inner")
    (code / "secret").chmod(0o700)
    (code / "link").symlink_to(outside)
    layer = _zip(tmp_path / "layer.zip", {"python/mod.py": "X = 1\n"}, 0o640)
    as_root = lay_out(code, (layer,), tmp_path / "as-root", tmp_path / "cache")
    monkeypatch.setattr(layout, "function_owns_files", lambda: True)
    confined = lay_out(code, (layer,), tmp_path / "confined", tmp_path / "cache")

    def modes(root: Path) -> dict[str, int]:
        return {
            p.relative_to(root).as_posix(): stat.S_IMODE(p.lstat().st_mode)
            for p in [root, *root.rglob("*")]
            if not p.is_symlink()
        }

    assert modes(confined.task_root) == {
        ".": 0o555,
        "public.txt": 0o444,
        "private.txt": 0o000,
        "tool": 0o444,
        "secret": 0o000,
        "secret/inner.txt": 0o444,
    }
    assert stat.S_IMODE(outside.stat().st_mode) == 0o640
    assert modes(confined.opt)["python/mod.py"] == 0o000
    assert confined.opt != as_root.opt  # a cache entry of its own
    assert modes(as_root.task_root)["private.txt"] == 0o600  # as root, the zip's modes
    assert (confined.code_sha256, confined.code_size) == (as_root.code_sha256, as_root.code_size)
    assert confined.code_size == len("public.txtprivate.txttoolinner") + len(outside.read_text())
    remove_tree(tmp_path / "confined")
    assert not (tmp_path / "confined").exists()


def test_bad_archives_are_named(tmp_path: Path) -> None:
    not_zip = tmp_path / "layer.zip"
    not_zip.write_text("not a zip")
    with pytest.raises(LayoutError, match=r"layer .*layer.zip is not a zip file"):
        lay_out(HANDLERS, (not_zip,), tmp_path / "fn", tmp_path / "cache")
    with pytest.raises(LayoutError, match="points outside the task root"):
        lay_out({"../escape.py": HANDLERS / "app.py"}, (), tmp_path / "fn2", tmp_path / "cache")


def test_the_aws_sam_cli_wheel_carries_an_rie_per_architecture() -> None:
    for arch in ("x86_64", "arm64"):
        assert rie_binary(arch).is_file()


def test_python3_12_on_the_other_architecture_is_refused_naming_why() -> None:
    """No reachable package has an arm64 CPython 3.12 (x86_64's on an arm64 machine)."""
    other = "arm64" if host_architecture() == "x86_64" else "x86_64"
    with pytest.raises(HostError, match=r"no Debian suite has a CPython 3\.12 package"):
        host.find_interpreter("3.12", other)


def test_a_runtime_without_interpreter_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    interpreter_for.cache_clear()
    try:
        with pytest.raises(HostError, match=r"runtime python3\.12 has no local interpreter"):
            host.find_interpreter("3.12")
    finally:
        interpreter_for.cache_clear()


def test_the_interpreter_is_the_base_one_not_a_virtualenvs() -> None:
    interpreter = host.find_interpreter("3.11").path
    assert ".venv" not in interpreter.parts
    assert interpreter.name == "python3.11"


def test_layer_sets_unused_for_a_week_are_forgotten(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = lay_out(
        HANDLERS, (_zip(tmp_path / "old.zip", {"python/a.py": ""}),), tmp_path / "a", cache
    )
    recent = lay_out(
        HANDLERS, (_zip(tmp_path / "new.zip", {"python/b.py": ""}),), tmp_path / "b", cache
    )
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(old.opt, (week_ago, week_ago))
    fresh = lay_out(
        HANDLERS, (_zip(tmp_path / "3.zip", {"python/c.py": ""}),), tmp_path / "c", cache
    )
    assert not old.opt.exists()
    assert recent.opt.is_dir() and fresh.opt.is_dir()
