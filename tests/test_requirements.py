"""The requirement files agree: every `name==version` in the program's, the pack's and the
bootstrap's files is the version constraints.txt (every package `make venv` installs) pins, so
the three Pulumi projects that share .venv run with what the tests ran with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.spec import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
FILES = ["requirements.txt", "requirements-dev.txt", "policy/requirements.txt",
         "bootstrap/requirements.txt"]  # fmt: skip


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.split("#", 1)[0].strip())
        if match:
            found[canonical(match[1])] = match[2]
    return found


def test_constraints_pin_every_package_once() -> None:
    names = [
        canonical(line.split("==")[0])
        for line in (REPO_ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    ]
    assert len(names) == len(set(names))
    assert {"pip", "uv"} <= set(names), "the installers are pinned too"


def differences(path: Path) -> dict[str, tuple[str, str | None]]:
    """package -> (the file's version, constraints.txt's) wherever they differ."""
    constraints = pins(REPO_ROOT / "constraints.txt")
    return {
        package: (version, constraints.get(package))
        for package, version in pins(path).items()
        if constraints.get(package) != version
    }


@pytest.mark.parametrize("name", FILES)
def test_each_file_pins_what_constraints_pins(name: str) -> None:
    assert pins(REPO_ROOT / name), f"{name} pins nothing"
    assert differences(REPO_ROOT / name) == {}


def test_a_stale_pin_is_a_difference(tmp_path: Path) -> None:
    stale = tmp_path / "requirements.txt"
    stale.write_text("pulumi==0.0.1  # stale\nnot-in-constraints==1.0\n")
    assert set(differences(stale)) == {"pulumi", "not-in-constraints"}
