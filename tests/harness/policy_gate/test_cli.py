"""`python -m harness policy` end to end: the real program, the real pack, exit codes, output."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from harness.policy_gate.cli import main
from harness.policy_gate.config import PolicySetting
from harness.policy_gate.gate import check_capture
from harness.policy_gate.launcher import PackProcess
from harness.program.capture import Capture
from harness.program.render import render
from infra.spec import REPO_ROOT
from tests.policy.support import TWO_FACED_PROGRAM

pytestmark = pytest.mark.slow


def _program(fixture_layer_dir: Path, *overrides: str) -> list[str]:
    args = ["--stack", "ci", "--set", f"layerArtifactDir={fixture_layer_dir}"]
    for item in overrides:
        args += ["--set", item]
    return args


def test_ci_and_the_branch_stack_ci_deploys_pass(
    fixture_layer_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ci`, and the gh-<branch> stack with the config CI sets (branch, expiresAt, the
    permissions boundary): project files, the preview and two `up` runs, the comparison."""
    boundary = "permissionsBoundary=arn:aws:iam::123456789012:policy/honeyhive-lambda-boundary"
    started = time.monotonic()
    code = main([*_program(fixture_layer_dir, boundary), "--ci-branch", "feature/Login"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert all(line.startswith("policy gate passed: 0 mandatory, 0 advisory") for line in lines)
    assert "(stack ci:" in lines[0]
    assert "(stack gh-feature-login" in lines[1]
    print(f"\npolicy gate on ci and a branch stack: {elapsed:.1f}s ({out.strip()})")


def test_branch_stack_with_several_runtimes_has_no_violation(
    pack: PackProcess, fixture_layer_dir: Path
) -> None:
    capture: Capture = render(
        "gh-feature-login",
        overrides={
            "layerArtifactDir": str(fixture_layer_dir),
            "branch": "feature/login",
            "expiresAt": "2030-01-01T00:00:00Z",
            "runtime": "python3.12",
            "architecture": "arm64",
            "functionRuntimes": json.dumps({"cold_start_test": "python3.13"}),
        },
    )
    assert len(capture.of_type("aws:lambda/layerVersion:LayerVersion")) == 2
    # judged an hour before it expires (the pack reads the clock unless asOf is set)
    expiry = {"stack-expiry": PolicySetting(properties={"asOf": "2029-12-31T23:00:00Z"})}
    result = check_capture(capture, pack.channel, expiry)
    assert result.violations == ()
    assert result.passed


def test_a_stack_with_the_benchmarks_base_function_passes(
    pack: PackProcess, fixture_layer_dir: Path
) -> None:
    """`baseSdk` adds a fifth function on a second layer: names, roles, limits and layer
    compatibility are all the pack's to judge, and it allows them (the AWS benchmark)."""
    capture: Capture = render(
        "ci",
        overrides={
            "layerArtifactDir": str(fixture_layer_dir),
            "baseSdk": "locked",
            "baseLayerArtifactDir": str(fixture_layer_dir),
        },
    )
    assert len(capture.of_type("aws:lambda/function:Function")) == 5
    result = check_capture(capture, pack.channel, {})
    assert result.violations == ()
    assert result.passed


def test_a_refused_config_fails_the_gate_with_the_programs_message(
    fixture_layer_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_program(fixture_layer_dir, "runtime=python3.8"))
    err = capsys.readouterr().err
    assert code == 1
    assert "policy gate FAILED: the program did not complete its run" in err
    assert "runtime" in err
    assert "python3.8" in err


def test_zero_retention_is_accepted_by_the_program_and_refused_by_the_pack(
    fixture_layer_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_program(fixture_layer_dir, "logRetentionDays=0"))
    out = capsys.readouterr().out
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("MANDATORY")]
    assert len(lines) == 4, out  # one log group per function
    assert all("lambda-log-groups  aws:cloudwatch/logGroup:LogGroup" in line for line in lines)
    assert out.count("retentionInDays is 0, so CloudWatch never expires the logs") == 4
    assert "policy gate FAILED: 4 mandatory, 0 advisory" in out


def test_a_policy_config_file_lowers_every_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "advisory"}))
    args = ["--program", str(TWO_FACED_PROGRAM), "--stack", "fx", "--set", "attack=dry-run"]
    code = main([*args, "--policy-config", str(config)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "MANDATORY" not in out
    assert "ADVISORY  lambda-api-url  aws:lambda/function:Function fn" in out
    assert "policy gate passed: 0 mandatory," in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "runtime"], "--set 'runtime': expected key=value"),
        (["--policy-config", "/nonexistent/cfg.json"], "cannot read the policy config"),
        (["--program", "/nonexistent"], "is not a Pulumi project"),
    ],
)
def test_usage_errors_fail_with_the_fix(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--stack", "ci", *args]) == 2  # could not run: never a pass
    assert fragment in capsys.readouterr().err


def test_the_bootstrap_program_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--program", str(REPO_ROOT / "bootstrap"), "--stack", "example"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("policy gate passed: 0 mandatory, 0 advisory violation(s)"), out


def test_the_bootstrap_without_its_oidc_provider_or_state_bucket_passes(
    pack: PackProcess,
) -> None:
    """An account that has GitHub's OIDC provider, on Pulumi Cloud: the pack alone (the gate's
    runs of this program are proven above)."""
    capture = render(
        "example",
        program_dir=REPO_ROOT / "bootstrap",
        overrides={"createOidcProvider": "false", "stateBucket": ""},
    )
    result = check_capture(capture, pack.channel, {})
    assert result.violations == ()
