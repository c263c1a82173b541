"""The pack is loaded as the Pulumi CLI loads it, so a broken pack fails the gate loudly.

Each test copies policy/ next to a link to the project's virtualenv (PulumiPolicy.yaml runs the
pack with `../.venv`, as `pulumi preview --policy-pack policy` does), breaks the copy, and runs
the gate with `--pack` on it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from harness.policy_gate.cli import main
from harness.policy_gate.errors import PackStartError
from harness.policy_gate.launcher import PackProcess
from infra.spec import REPO_ROOT
from tests.policy.support import FIXTURE_PROGRAM, FIXTURE_STACK, POLICY_DIR

pytestmark = pytest.mark.slow


def copy_pack(root: Path, *, with_virtualenv: bool = True) -> Path:
    pack = root / "policy"
    shutil.copytree(POLICY_DIR, pack, ignore=shutil.ignore_patterns("__pycache__"))
    if with_virtualenv:
        (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    return pack


def run_gate(pack: Path, zips: dict[str, str]) -> int:
    args = ["--program", str(FIXTURE_PROGRAM), "--stack", FIXTURE_STACK, "--pack", str(pack)]
    for key, value in zips.items():
        args += ["--set", f"{key}={value}"]
    return main(args)


def edit(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text()
    after = change(before)
    assert after != before, f"the edit did not change {path}"
    path.write_text(after)


def test_an_intact_copy_runs(tmp_path: Path, fixture_zips: dict[str, str]) -> None:
    """The control: what the tests below break is the only thing wrong with their copies."""
    assert run_gate(copy_pack(tmp_path), fixture_zips) == 1  # the fixture's own violations


def test_a_syntax_error_fails_the_gate_with_the_traceback(
    tmp_path: Path, fixture_zips: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pack = copy_pack(tmp_path)
    edit(pack / "hhguard" / "naming.py", lambda text: text + "\ndef broken(:\n")
    assert run_gate(pack, fixture_zips) == 2  # the pack broke: the check could not run
    captured = capsys.readouterr()
    assert "exited with status 1 before printing its port" in captured.err
    assert "SyntaxError" in captured.err
    assert "naming.py" in captured.err
    assert "policy gate passed" not in captured.out


def test_an_import_error_fails_the_gate(
    tmp_path: Path, fixture_zips: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pack = copy_pack(tmp_path)
    edit(
        pack / "hhguard" / "iam.py",
        lambda text: text.replace(
            "from . import aws_types", "import hhguard_no_such_module\nfrom . import aws_types"
        ),
    )
    assert run_gate(pack, fixture_zips) == 2  # the pack broke: the check could not run
    err = capsys.readouterr().err
    assert "ModuleNotFoundError: No module named 'hhguard_no_such_module'" in err


def test_a_rule_that_raises_fails_the_gate(
    tmp_path: Path, fixture_zips: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pack = copy_pack(tmp_path)
    edit(
        pack / "hhguard" / "lambda_functions.py",
        lambda text: text.replace(
            "    if resource.type != t.FUNCTION:\n        return\n    allowed",
            "    raise RuntimeError('rule bug')\n    allowed",
        ),
    )
    assert run_gate(pack, fixture_zips) == 2  # the pack broke: the check could not run
    err = capsys.readouterr().err
    assert "policy gate FAILED: Analyze(" in err
    assert "failed: Exception calling application: rule bug" in err


def test_a_missing_virtualenv_is_named(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path, with_virtualenv=False)
    with pytest.raises(PackStartError, match="doesn't appear to be a virtual environment"):
        PackProcess(pack).start()


def test_the_pack_is_stopped_even_when_the_check_fails() -> None:
    with pytest.raises(KeyboardInterrupt), PackProcess(POLICY_DIR) as running:
        port = running.port
        raise KeyboardInterrupt
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    with pytest.raises(grpc.FutureTimeoutError):
        grpc.channel_ready_future(channel).result(timeout=1)
    channel.close()
