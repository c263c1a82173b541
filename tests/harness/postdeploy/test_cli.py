"""`python -m harness suite`: its options; the end-to-end runs (serve, suite, stop) are in
test_local_target.py."""

from __future__ import annotations

import shutil

import pytest

from harness.postdeploy.cli import main


def test_set_needs_local(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--stack", "ci", "--set", "runtime=python3.12"])
    assert exited.value.code == 2
    assert "--set changes the locally served stack: add --local" in capsys.readouterr().err


def test_a_deployed_stack_without_the_pulumi_cli_cannot_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against AWS the suite reads `pulumi stack output`; without the CLI every test would skip,
    which is not a pass: the command says so and exits 2."""
    monkeypatch.setenv("PATH", "/nonexistent")
    assert shutil.which("pulumi") is None
    assert main(["--stack", "gh-main"]) == 2
    assert "the Pulumi CLI is not on PATH" in capsys.readouterr().err


def test_proactive_init_is_the_local_runtimes_and_a_share(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, message in (
        (["--stack", "ci", "--proactive-init", "0.5"], "--proactive-init is the local runtime's"),
        (["--stack", "ci", "--local", "--proactive-init", "2"], "is not a share from 0 to 1"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err
