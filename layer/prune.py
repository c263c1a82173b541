"""What leaves the installed tree: our short, checked list, and the seed's blunt one."""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from layer.errors import LayerError


@dataclass(frozen=True)
class Rule:
    pattern: str  # glob relative to site-packages
    reason: str


# Everything here is provably unused at run time. A rule that matches nothing fails the build,
# so the list stays true when the pins move.
RULES = (
    Rule("bin", "console-script wrappers; their shebang is the build host's interpreter, Lambda "
         "never puts this directory on PATH, and nothing imports them"),
    Rule("certifi/tests", "certifi's own test suite; no certifi module imports it (checked below "
         "by `check_unreferenced`)"),
    Rule("**/*.pyi", "type stubs, for type checkers only; the import system has no .pyi loader"),
    Rule("**/py.typed", "PEP 561 marker, read by type checkers only"),
)  # fmt: skip

# The seed's build-layer.sh: `find layer/python -type d -name X -exec rm -rf {} +` for each X.
SEED_STRIP = ("__pycache__", "tests", "*.dist-info")


def prune(site_packages: Path, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """Apply rules, drop their files from RECORD, remove emptied dirs; return removed paths."""
    removed: list[str] = []
    for rule in rules:
        matches = sorted(site_packages.glob(rule.pattern))
        if not matches:
            raise LayerError(
                f"prune rule {rule.pattern!r} matched nothing in {site_packages}: the packages "
                "changed. Fix: update or delete the rule in layer/prune.py."
            )
        for path in matches:
            removed += _remove(path, site_packages)
    check_unreferenced(site_packages, removed)
    _rewrite_records(site_packages, set(removed))
    _remove_emptied_dirs(site_packages, removed)
    return sorted(removed)


def _remove(path: Path, root: Path) -> list[str]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    rel = [p.relative_to(root).as_posix() for p in files]
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    return rel


def check_unreferenced(site_packages: Path, removed: list[str]) -> None:
    """Fail if a remaining module names a removed package (absolutely, or relatively from its
    parent package), so a package that imports its own `tests` at run time keeps them."""
    packages = {p.removesuffix("/__init__.py") for p in removed if p.endswith("/__init__.py")}
    for package in sorted(packages):
        parent, _, leaf = package.rpartition("/")
        dotted = re.escape(package.replace("/", "."))
        absolute = re.compile(rf"\b{dotted}\b")
        relative = re.compile(rf"from\s+\.+\s*{leaf}\b|from\s+\.+\s+import\s+[^\n]*\b{leaf}\b")
        for source in sorted(site_packages.rglob("*.py")):
            rel = source.relative_to(site_packages).as_posix()
            text = source.read_text(encoding="utf-8", errors="replace")
            in_parent = rel.startswith(parent + "/")
            if absolute.search(text) or (in_parent and relative.search(text)):
                raise LayerError(
                    f"{rel} references {package.replace('/', '.')}, which a prune rule removes. "
                    "Fix: delete that rule in layer/prune.py; the package needs it at run time."
                )


def _rewrite_records(site_packages: Path, removed: set[str]) -> None:
    """Keep each RECORD true to the tree: drop entries of removed files. Console-script entries
    (`../../bin/...`) also carry hashes of host-specific shebangs, which would break
    reproducibility across machines."""
    for record in sorted(site_packages.glob("*.dist-info/RECORD")):
        rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
        kept = [r for r in rows if r and _resolve(r[0]) not in removed]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(kept)
        record.write_text(out.getvalue(), encoding="utf-8")


def _resolve(entry: str) -> str:
    """RECORD paths are relative to site-packages; pip writes scripts as `../../bin/x`."""
    if entry.startswith("../") and "/bin/" in entry:
        return "bin/" + entry.rsplit("/", 1)[1]
    return entry


def _remove_emptied_dirs(root: Path, removed: list[str]) -> None:
    """Directories the rules emptied (e.g. `wrapt-stubs/`), and no others: an empty directory
    that came with a wheel is importable as a namespace package."""
    for start in sorted({(root / rel).parent for rel in removed}, reverse=True):
        directory = start
        while directory != root and directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent


def seed_strip(layer_python: Path) -> None:
    """Exactly the seed's deletions, at any depth."""
    for pattern in SEED_STRIP:
        for path in sorted(layer_python.rglob(pattern), reverse=True):
            if path.is_dir():
                shutil.rmtree(path)
