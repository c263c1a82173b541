"""The SDK SPEC and a tree's identity: what `sdk` means before anything is built."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.sdk import SdkSpecError, describe, parse_sdk_spec, tree_identity


def _tree(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'honeyhive'\n")
    (root / "src").mkdir()
    (root / "src" / "tracer.py").write_text("VALUE = 1\n")
    return root


def _git(tree: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_each_kind_of_spec(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "python-sdk")
    wheel = tmp_path / "honeyhive-1.8.0-py3-none-any.whl"
    wheel.write_bytes(b"zip")
    assert parse_sdk_spec("").kind == "release"
    assert parse_sdk_spec("  ").label == "the locked release"
    requirement = parse_sdk_spec("HoneyHive == 1.6.1")
    assert (requirement.kind, requirement.requirement) == ("requirement", "HoneyHive==1.6.1")
    assert parse_sdk_spec(str(tree)).kind == "tree"
    assert parse_sdk_spec("python-sdk", base=tmp_path).path == tree, "relative to the base"
    assert parse_sdk_spec(str(wheel)).kind == "wheel"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("./missing", "does not exist"),
        ("dist/honeyhive-9-py3-none-any.whl", "does not exist"),
        ("requests>=2", "asks for 'requests', not the honeyhive distribution"),
        ("honeyhive===", "is neither an existing path nor a requirement"),
        ("pyproject.toml", "is a file but not a wheel"),
    ],
)
def test_bad_specs_name_the_spec_and_the_fix(tmp_path: Path, spec: str, reason: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    with pytest.raises(SdkSpecError) as error:
        parse_sdk_spec(spec, base=tmp_path)
    assert f"SDK {spec!r}" in str(error.value) and reason in str(error.value)


def test_a_plain_tree_is_its_files_without_caches(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "sdk")
    first = tree_identity(tree)
    assert (first.commit, first.dirty) == (None, False)
    (tree / "build").mkdir()
    (tree / "build" / "leftover.txt").write_text("x")
    (tree / "src" / "__pycache__").mkdir()
    (tree / "src" / "__pycache__" / "tracer.cpython-313.pyc").write_bytes(b"pyc")
    assert tree_identity(tree) == first, "build outputs and caches are not the SDK"
    (tree / "src" / "tracer.py").write_text("VALUE = 2\n")
    assert tree_identity(tree).sha256 != first.sha256
    (tree / "src" / "tracer.py").write_text("VALUE = 1\n")
    (tree / "src" / "tracer.py").rename(tree / "src" / "renamed.py")
    assert tree_identity(tree).sha256 != first.sha256, "paths count, not only bytes"


def test_a_git_checkout_is_its_tracked_files_commit_and_dirty_flag(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "checkout")
    _git(tree, "init", "-q")
    _git(tree, "add", ".")
    _git(tree, "commit", "-q", "-m", "sdk")
    commit = _git(tree, "rev-parse", "HEAD")
    clean = tree_identity(tree)
    assert (clean.commit, clean.dirty) == (commit, False)
    (tree / "notes.txt").write_text("untracked")
    assert tree_identity(tree) == clean, "untracked files are not the SDK"
    (tree / "src" / "tracer.py").write_text("VALUE = 3\n")
    dirty = tree_identity(tree)
    assert (dirty.commit, dirty.dirty) == (commit, True)
    assert dirty.sha256 != clean.sha256, "an uncommitted change is part of what is tested"
    assert describe("1.8.0.dev1", "tree", commit, True) == (
        f"honeyhive 1.8.0.dev1 (tree {commit[:12]}+dirty)"
    )


def test_a_subdirectory_of_a_checkout_is_its_tracked_files_there(tmp_path: Path) -> None:
    outer = tmp_path / "monorepo"
    outer.mkdir()
    _git(outer, "init", "-q")
    tree = _tree(outer / "sdk")
    (outer / "other.txt").write_text("x")
    _git(outer, "add", ".")
    _git(outer, "commit", "-q", "-m", "all")
    identity = tree_identity(tree)
    assert (identity.commit, identity.dirty) == (_git(outer, "rev-parse", "HEAD"), False)
    (outer / "other.txt").write_text("changed outside the SDK")
    assert tree_identity(tree) == identity, "a change elsewhere in the checkout is not the SDK's"
    (tree / "src" / "tracer.py").write_text("VALUE = 4\n")
    assert tree_identity(tree).dirty
