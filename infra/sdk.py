"""The SDK under test: which HoneyHive SDK a layer holds, named one way everywhere.

A stack's `sdk` and `baseSdk` config, `python -m layer --sdk`, `make ... SDK=` and the
benchmark's `--base` / `--head` all take the same SPEC:
- empty or `locked`: the locked release (layer/requirements.in, with every dependency pinned by
  the lock);
- a requirement on the `honeyhive` distribution, e.g. `honeyhive==1.6.1`;
- a wheel file, e.g. `dist/honeyhive-1.8.0.dev1-py3-none-any.whl`;
- a source tree: a directory with `pyproject.toml` (a checkout of the SDK repository, or an
  unpacked sdist); the builder turns it into a wheel first.
Relative paths are relative to the repository (where make, the layer builder and `pulumi` run).

This module is pure (no pip, no network): it parses a SPEC and computes the identity of a wheel
or a tree (their bytes, a tree's commit and dirty flag), so the program can tell whether the
layer it deploys holds the SDK its stack names. Building is the layer builder's job
(layer/sdk.py).
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from infra.digest import sha256_file
from infra.errors import InfraError
from infra.spec import REPO_ROOT

SDK_DISTRIBUTION: Final = "honeyhive"
LOCKED: Final = "locked"
"""The locked release, spelt out where an empty value means something else (`baseSdk`)."""
SdkKind = Literal["release", "requirement", "wheel", "tree"]
# Never part of a tree's identity: caches and build outputs a checkout may hold untracked.
_TREE_SKIP: Final = frozenset(
    {".git", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
     ".ruff_cache", "build", "dist", "node_modules"}
)  # fmt: skip


class SdkSpecError(InfraError):
    """The SPEC names no usable SDK; the message names the SPEC, the reason and the fix."""


@dataclass(frozen=True)
class SdkSpec:
    """What the user asked for; `text` is the SPEC as given (empty for the locked release)."""

    kind: SdkKind
    text: str
    requirement: str | None = None
    path: Path | None = None

    @property
    def label(self) -> str:
        """How messages name it: the SPEC, or `the locked release`."""
        return self.text or "the locked release"


@dataclass(frozen=True)
class TreeIdentity:
    sha256: str
    """Hash of the tree's files (tracked files only in a git checkout), paths and bytes."""
    commit: str | None
    dirty: bool


def _looks_like_a_path(text: str) -> bool:
    return "/" in text or text.startswith(".") or text.endswith(".whl") or text == "~"


def parse_sdk_spec(text: str, *, base: Path = REPO_ROOT) -> SdkSpec:
    """The SPEC as one of the four kinds; `SdkSpecError` names what is wrong and the fix."""
    text = text.strip()
    if text in ("", LOCKED):
        return SdkSpec("release", "")
    candidate = (base / Path(text).expanduser()).resolve()
    if candidate.exists() or _looks_like_a_path(text):
        if not candidate.exists():
            raise SdkSpecError(
                f"SDK {text!r}: {candidate} does not exist; pass an existing wheel file, a "
                "source tree (a directory with pyproject.toml) or a requirement such as "
                "honeyhive==1.6.1"
            )
        if candidate.is_dir():
            if not (candidate / "pyproject.toml").is_file():
                raise SdkSpecError(
                    f"SDK {text!r}: {candidate} is a directory without pyproject.toml, so it is "
                    "not a source tree; pass the SDK repository's checkout (its root holds "
                    "pyproject.toml) or an unpacked sdist"
                )
            return SdkSpec("tree", text, path=candidate)
        if candidate.suffix != ".whl":
            raise SdkSpecError(
                f"SDK {text!r}: {candidate} is a file but not a wheel (.whl); pass a wheel, a "
                "source tree or a requirement"
            )
        return SdkSpec("wheel", text, path=candidate)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise SdkSpecError(
            f"SDK {text!r} is neither an existing path nor a requirement ({exc}); e.g. "
            "honeyhive==1.6.1, dist/honeyhive-1.8.0-py3-none-any.whl or ../python-sdk"
        ) from exc
    if canonicalize_name(requirement.name) != SDK_DISTRIBUTION:
        raise SdkSpecError(
            f"SDK {text!r} asks for {requirement.name!r}, not the {SDK_DISTRIBUTION} "
            f"distribution; e.g. {SDK_DISTRIBUTION}==1.6.1"
        )
    return SdkSpec("requirement", text, requirement=str(requirement))


def _git(tree: Path, *args: str) -> str | None:
    """git's answer in `tree`, or None when it is not a git checkout (or git is missing)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(tree), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _tree_files(tree: Path) -> tuple[list[str], str | None, bool]:
    """(relative paths, commit, dirty): git's tracked files in a checkout, else every file."""
    # In a checkout (the tree may be a subdirectory of it), git lists the tree's tracked files
    # relative to the tree, and the commit and the dirty flag are the checkout's, for this tree.
    if _git(tree, "rev-parse", "--show-toplevel") is not None:
        listed = _git(tree, "ls-files", "-z") or ""
        commit = (_git(tree, "rev-parse", "HEAD") or "").strip() or None
        status = _git(tree, "status", "--porcelain", "--untracked-files=no", "--", ".") or ""
        files = sorted(p for p in listed.split("\0") if p and (tree / p).is_file())
        return files, commit, bool(status.strip())
    files = sorted(
        p.relative_to(tree).as_posix()
        for p in tree.rglob("*")
        if p.is_file() and not _TREE_SKIP & set(p.relative_to(tree).parts)
    )
    return files, None, False


def tree_identity(tree: Path) -> TreeIdentity:
    """The tree's files (paths and bytes) hashed in order, plus its commit and dirty flag."""
    files, commit, dirty = _tree_files(tree)
    digest = hashlib.sha256()
    for relative in files:
        digest.update(relative.encode() + b"\0" + sha256_file(tree / relative).encode() + b"\0")
    return TreeIdentity(digest.hexdigest(), commit, dirty)


def describe(version: str, kind: str, commit: str | None, dirty: bool) -> str:
    """One short line naming an SDK build: `honeyhive 1.6.1 (tree 0a1b2c3d4e5f+dirty)`."""
    detail = kind
    if commit:
        detail += f" {commit[:12]}{'+dirty' if dirty else ''}"
    return f"{SDK_DISTRIBUTION} {version} ({detail})"
