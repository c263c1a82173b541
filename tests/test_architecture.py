"""The repository's shape: imports point one way (infra <- layer <- harness), the two parts
that run alone (the policy pack, the handlers) import nothing of the repository, and every
loose module at the top of harness/ is shared by two or more of its packages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from infra.spec import REPO_ROOT

REPOSITORY_PACKAGES = {"infra", "layer", "harness", "bootstrap", "policy", "tests"}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(REPO_ROOT / "pyproject.toml", REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_catch_an_import_from_a_lower_layer(tmp_path: Path) -> None:
    """The same contracts over a tree where infra imports the harness: they fail."""
    for package, body in {
        "infra": "from harness import tool\n",
        "layer": "",
        "harness": "",
        "bootstrap": "",
    }.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(body)
    (tmp_path / "harness" / "tool.py").write_text("")
    config = tmp_path / "pyproject.toml"
    config.write_text((REPO_ROOT / "pyproject.toml").read_text())
    result = lint_imports(config, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "infra <- layer <- harness BROKEN" in result.stdout


def imported_roots(directory: Path) -> dict[str, set[str]]:
    """module file -> the top-level names it imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted(directory.rglob("*.py")):
        roots: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
        found[path.relative_to(REPO_ROOT).as_posix()] = roots
    return found


@pytest.mark.parametrize("part", ["policy", "lambda_functions"])
def test_the_parts_that_run_alone_import_nothing_of_the_repository(part: str) -> None:
    leaks = {
        module: sorted(roots & REPOSITORY_PACKAGES)
        for module, roots in imported_roots(REPO_ROOT / part).items()
        if roots & REPOSITORY_PACKAGES
    }
    assert leaks == {}


def test_every_loose_harness_module_is_shared_by_two_packages() -> None:
    """A module at the top of harness/ that only one package uses belongs in that package
    (use through another loose module counts: lifecycle serves every background server)."""
    graph = grimp.build_graph("harness")
    loose = {
        f"harness.{path.stem}"
        for path in sorted((REPO_ROOT / "harness").glob("*.py"))
        if path.stem not in {"__init__", "__main__"}
    }

    def packages_using(module: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found: set[str] = set()
        for importer in graph.find_modules_that_directly_import(module):
            if importer in loose and importer not in seen:
                found |= packages_using(importer, seen | {module})
            elif importer.count(".") >= 2:  # harness.<package>.<module>
                found.add(importer.split(".")[1])
        return found

    users = {module: packages_using(module) for module in sorted(loose)}
    assert loose
    assert {m: sorted(u) for m, u in users.items() if len(u) < 2} == {}
