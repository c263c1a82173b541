"""What leaves the installed tree, and the seed's blunt strip."""

from __future__ import annotations

from pathlib import Path

import pytest

from layer import prune
from layer.errors import LayerError


def _site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    record = "".join(f"{rel},sha256=x,1\n" for rel in files if not rel.endswith("RECORD"))
    (root / "pkg-1.0.dist-info" / "RECORD").write_text(record + "../../bin/tool,sha256=y,2\n")
    return root


def test_prune_removes_rule_matches_and_their_record_entries(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        {
            "pkg/__init__.py": "from . import core\n",
            "pkg/core.py": "",
            "pkg/tests/__init__.py": "",
            "pkg/tests/test_core.py": "import pkg\n",
            "pkg-stubs/__init__.pyi": "",
            "bin/tool": "#!/build/host/python\n",
            "pkg-1.0.dist-info/RECORD": "",
        },
    )
    rules = (prune.Rule("bin", "r"), prune.Rule("pkg/tests", "r"), prune.Rule("**/*.pyi", "r"))
    removed = prune.prune(site, rules)
    assert removed == [
        "bin/tool",
        "pkg-stubs/__init__.pyi",
        "pkg/tests/__init__.py",
        "pkg/tests/test_core.py",
    ]
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
        "pkg", "pkg-1.0.dist-info", "pkg-1.0.dist-info/RECORD", "pkg/__init__.py", "pkg/core.py",
    ]  # fmt: skip
    record = (site / "pkg-1.0.dist-info" / "RECORD").read_text()
    assert record == "pkg/__init__.py,sha256=x,1\npkg/core.py,sha256=x,1\n"


@pytest.mark.parametrize(
    "importer",
    ["from .tests import helpers\n", "from . import core, tests\n", "import pkg.tests.helpers\n"],
)
def test_prune_refuses_to_remove_a_package_that_is_imported(tmp_path: Path, importer: str) -> None:
    site = _site(
        tmp_path,
        {"pkg/__init__.py": importer, "pkg/tests/__init__.py": "", "pkg-1.0.dist-info/RECORD": ""},
    )
    with pytest.raises(LayerError, match=r"pkg/__init__.py references pkg.tests.*delete that rule"):
        prune.prune(site, (prune.Rule("pkg/tests", "r"),))


def test_prune_rule_that_matches_nothing_fails(tmp_path: Path) -> None:
    site = _site(tmp_path, {"pkg/__init__.py": "", "pkg-1.0.dist-info/RECORD": ""})
    with pytest.raises(LayerError, match=r"prune rule 'docs' matched nothing"):
        prune.prune(site, (prune.Rule("docs", "r"),))


def test_every_rule_states_a_reason() -> None:
    assert all(len(rule.reason) > 20 for rule in prune.RULES)


def test_seed_strip_is_the_seeds_find_commands(tmp_path: Path) -> None:
    for rel in [
        "a/__pycache__/m.pyc",
        "a/tests/t.py",
        "a-1.dist-info/METADATA",
        "a/m.py",
        "b/x/tests/y.py",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    prune.seed_strip(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["a/m.py"]
