"""The seven classes of attack the gate exists to stop, each with several programs, through the
real pack over the analyzer protocol and the gate's own runs; and the legitimate variations that
must still pass.

fixtures/attacks puts one case per resource through one render and one pack session (its key
known to the pack as the CLI decrypts it); what the analyzer protocol cannot carry is judged by
the gate: fixtures/deploy_time (options the monitor refuses), fixtures/two_faced (programs that
branch on is_dry_run() or the stack, or derive values from the key), and the project files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from harness.policy_gate.cli import main as gate
from harness.policy_gate.gate import GateResult
from harness.policy_gate.judge import judge
from harness.policy_gate.launcher import PackProcess
from harness.policy_gate.project_file import project_file_problems
from harness.policy_gate.report import Violation
from harness.program.capture import Capture
from harness.program.errors import ProgramRefused
from harness.program.render import render
from harness.program.wire import to_struct
from infra.spec import REPO_ROOT
from tests.policy.attack_cases import (
    ATTACKS,
    CLASSES,
    COMPLIANT_ATTACKS,
)
from tests.policy.support import DEPLOY_TIME_PROGRAM, POLICY_DIR, TWO_FACED_PROGRAM

pytestmark = pytest.mark.slow

TAGS = {
    "tags": {
        "honeyhive:stack": "gh-x",
        "honeyhive:branch": "x",
        "honeyhive:expires-at": "never",
        "honeyhive:managed-by": "pulumi",
    }
}


def _by_name(result: GateResult) -> dict[str, list[Violation]]:
    found: dict[str, list[Violation]] = {}
    for item in result.violations:
        found.setdefault(item.urn.split("::")[-1], []).append(item)
    return found


def _assert_reported(result: GateResult, cases: dict[str, dict[str, str]]) -> None:
    reported = _by_name(result)
    for name, rules in cases.items():
        for policy, fragment in rules.items():
            messages = [v.message for v in reported.get(name, []) if v.policy == policy]
            assert any(fragment in m for m in messages), (name, policy, messages)
            assert all(v.mandatory for v in reported[name] if v.policy == policy)


def test_exactly_the_attacks_are_reported_and_the_variations_pass(
    attacks_result: GateResult, attacks_capture: Capture
) -> None:
    reported = {(n, v.policy) for n, vs in _by_name(attacks_result).items() for v in vs}
    expected = {(name, policy) for name, rules in ATTACKS.items() for policy in rules}
    assert reported - expected == set(), "reported but not expected"
    assert expected - reported == set(), "expected but not reported"
    declared = {r.urn.split("::")[-1] for r in attacks_capture.resources}
    assert set(COMPLIANT_ATTACKS) <= declared


@pytest.mark.parametrize("klass", list(CLASSES))
def test_each_class_is_refused_naming_resource_property_and_fix(
    attacks_result: GateResult, klass: str
) -> None:
    _assert_reported(attacks_result, CLASSES[klass])


# --- the pack alone, with what a mock render cannot produce -------------------------------------


def _analyze(
    pack: PackProcess, stack: str, type_: str, props: dict[str, Any], **opts: Any
) -> list[str]:
    urn = f"urn:pulumi:{stack}::proj::{type_}::r"
    provider = analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        properties=to_struct({"region": "us-east-1", "defaultTags": json.dumps(TAGS)}),
        urn=f"urn:pulumi:{stack}::proj::pulumi:providers:aws::default_7_51_1",
        name="default_7_51_1",
    )
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        properties=to_struct(props),
        urn=urn,
        name="r",
        provider=provider,
        options=analyzer_pb2.AnalyzerResourceOptions(**opts),
    )
    response = analyzer_pb2_grpc.AnalyzerStub(pack.channel).Analyze(request)
    return [f"{d.policyName}: {d.message}" for d in response.diagnostics]


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"pluginDownloadURL": "https://attacker.example"}, "sets 'pluginDownloadURL'"),
        ({"version": "6.0.0"}, "asks for pulumi-aws version '6.0.0', not the pinned '7.51.1'"),
        ({"region": "attacker.example"}, "region 'attacker.example' is not an AWS region"),
        ({"skipMetadataApiCheck": "false"}, "sets 'skipMetadataApiCheck'"),
    ],
)
def test_a_provider_from_elsewhere_is_refused_by_the_pack(
    pack: PackProcess, props: dict[str, Any], fragment: str
) -> None:
    found = _analyze(pack, "dev", "pulumi:providers:aws", {"region": "us-east-1", **props})
    assert any(f.startswith("aws-provider-config") and fragment in f for f in found), found


@pytest.mark.parametrize(
    "alias",
    [
        "urn:pulumi:prod::proj::aws:cloudwatch/logGroup:LogGroup::kept",
        "urn:pulumi:dev::other::aws:cloudwatch/logGroup:LogGroup::kept",
    ],
)
def test_an_alias_to_another_stacks_resource_is_refused_by_the_pack(
    pack: PackProcess, alias: str
) -> None:
    props = {"name": "/aws/lambda/honeyhive-dev-x", "retentionInDays": 7}
    found = _analyze(pack, "dev", "aws:cloudwatch/logGroup:LogGroup", props, aliases=[alias])
    assert [f.split("\n", 1)[-1] for f in found if f.startswith("teardown")] == [
        f"has alias {alias!r}, a resource of stack "
        f"{alias.split('::', maxsplit=1)[0].removeprefix('urn:pulumi:')!r} of project "
        f"{alias.split('::')[1]!r}: this stack would adopt (and keep or delete) what another "
        "stack created; remove the alias"
    ]


def test_a_same_stack_alias_and_the_projects_own_options_pass(pack: PackProcess) -> None:
    props = {"name": "/aws/lambda/honeyhive-dev-x", "retentionInDays": 7}
    alias = "urn:pulumi:dev::proj::aws:cloudwatch/logGroup:LogGroup::old-name"
    assert _analyze(pack, "dev", "aws:cloudwatch/logGroup:LogGroup", props, aliases=[alias]) == []


@pytest.mark.parametrize(
    ("description", "fragment"),
    [
        # a layer version expires with its stack: one that says otherwise is refused
        ("stack=gh-x; expires-at=never; sdk=x", "so the sweeper cannot tell which stack"),
        ("stack=gh-x; expires-at=tomorrow; sdk=x", "so the sweeper cannot tell which stack"),
        ("stack=ci; sdk=x", "description names stack 'ci', not 'gh-x'"),
    ],
)
def test_a_per_branch_stacks_layer_expires_with_its_stack(
    pack: PackProcess, description: str, fragment: str
) -> None:
    props = {
        "layerName": "honeyhive-gh-x-sdk",
        "description": f"honeyhive-lambda-test sdk layer; {description}",
        "compatibleRuntimes": ["python3.13"],
    }
    layer = analyzer_pb2.AnalyzerResource(
        type="aws:lambda/layerVersion:LayerVersion",
        properties=to_struct(props),
        urn="urn:pulumi:gh-x::proj::aws:lambda/layerVersion:LayerVersion::layer",
        name="layer",
        provider=analyzer_pb2.AnalyzerProviderResource(
            type="pulumi:providers:aws",
            properties=to_struct({"region": "us-east-1"}),
            urn="urn:pulumi:gh-x::proj::pulumi:providers:aws::aws",
            name="aws",
        ),
    )
    request = analyzer_pb2.AnalyzeStackRequest(resources=[layer])
    response = analyzer_pb2_grpc.AnalyzerStub(pack.channel).AnalyzeStack(request)
    messages = [d.message for d in response.diagnostics if d.policyName == "stack-expiry"]
    assert any(fragment in m for m in messages), messages


# --- the gate: what the analyzer protocol does not carry ----------------------------------------


DEPLOY_TIME = {
    "hook": "registers resource hook 'aws:cloudwatch/logGroup:LogGroup_target-hook_before",
    "named-hook": "registers resource hook 'later'",
    "error-hook": "registers error hook 'retry'",
    "retain-on-delete": "'target-retain-on-delete' sets retain_on_delete",
    "env-var-mappings": "'target-env-var-mappings' sets env_var_mappings ['ATTACKER_PROXY']",
    "plugin-url": "'target-plugin-url' asks for a provider plugin from https://attacker.example",
    "version": "'target-version' asks for pulumi-aws '6.0.0', not the pinned",
    "alias-stack": "'target-alias-stack' has an alias to a resource of stack 'prod' and project",
    "alias-urn": "'target-alias-urn' has an alias to a resource of stack 'prod' and project",
}


@pytest.fixture(scope="module")
def deploy_time_refusal() -> str:
    """Every option at once, on its own log group: the monitor records each refusal."""
    with pytest.raises(ProgramRefused) as raised:
        render("fx", program_dir=DEPLOY_TIME_PROGRAM, overrides={"attack": "all"})
    return str(raised.value)


@pytest.mark.parametrize(("attack", "fragment"), DEPLOY_TIME.items())
def test_options_that_act_only_at_deploy_time_fail_the_run(
    deploy_time_refusal: str, attack: str, fragment: str
) -> None:
    assert fragment in deploy_time_refusal, (attack, deploy_time_refusal)


@pytest.mark.parametrize(
    ("attack", "first_line"),
    [
        (
            "deleted-with",
            "aws:cloudwatch/logGroup:LogGroup 'target-deleted-with' sets deleted_with",
        ),
        ("package", "the program registers package 'terraform-provider' 0.10.0 from 'https://"),
    ],
)
def test_deleted_with_and_a_parameterized_package_fail_the_run(
    attack: str, first_line: str
) -> None:
    with pytest.raises(ProgramRefused) as raised:
        render("fx", program_dir=DEPLOY_TIME_PROGRAM, overrides={"attack": attack})
    assert str(raised.value).startswith(first_line), str(raised.value)


def test_the_deploy_time_fixture_runs_without_an_attack() -> None:
    capture = render("fx", program_dir=DEPLOY_TIME_PROGRAM)
    assert len(capture.of_type("aws:cloudwatch/logGroup:LogGroup")) == 2


PROJECT = "name: p\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n"


@pytest.mark.parametrize(
    ("project", "stack_file", "fragment"),
    [
        ("name: p\nruntime: nodejs\n", None, "runtime 'nodejs' is not python"),
        (PROJECT + "plugins:\n  providers:\n  - name: aws\n    path: ./bin\n", None, "`plugins`"),
        (PROJECT + "packages:\n  evil: https://attacker.example/x\n", None, "`packages`"),
        (PROJECT + "backend:\n  url: s3://attacker\n", None, "`backend`"),
        (PROJECT.replace(".venv", "evil"), None, "virtualenv 'evil' is not the repository's"),
        (PROJECT + "main: ../elsewhere\n", None, "main '../elsewhere' points outside"),
        (PROJECT + "config:\n  pulumi:disable-default-providers: '[]'\n", None, "'pulumi'"),
        (PROJECT, "environment:\n  - attacker/env\n", "`environment` is not allowed"),
        (PROJECT, "config:\n  other:key: x\n", "config key 'other:key' is in namespace"),
    ],
)
def test_project_files_the_cli_acts_on_are_allowlists(
    tmp_path: Path, project: str, stack_file: str | None, fragment: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text(project)
    if stack_file is not None:
        (tmp_path / "Pulumi.s.yaml").write_text(stack_file)
    problems = project_file_problems(tmp_path, "s")
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("program", ["", "bootstrap"])
def test_the_projects_own_files_pass(program: str) -> None:
    for stack in ("ci", "example", "gh-feature-x"):
        assert project_file_problems(REPO_ROOT / program, stack) == []


def test_refused_project_files_stop_the_gate_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text(PROJECT + "plugins:\n  providers: []\n")
    marker = tmp_path / "ran"
    (tmp_path / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    assert gate(["--program", str(tmp_path), "--stack", "s"]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY gate-project-files" in out
    assert not marker.exists()


@pytest.fixture(scope="module")
def two_faced() -> dict[str, list[str]]:
    """The two-faced program on stack `fx`, with every attack: each shows on its own resource."""
    verdict = judge(
        POLICY_DIR,
        "fx",
        program_dir=TWO_FACED_PROGRAM,
        overrides={"attack": "derived,dry-run,branch-stack"},
        policy_config={},
        timeout=120,
    )
    found: dict[str, list[str]] = {}
    for item in verdict.violations:
        found.setdefault(item.urn.split("::")[-1], []).append(f"{item.policy}: {item.message}")
    return found


def test_values_derived_from_the_key_are_found_by_comparing_two_runs(
    two_faced: dict[str, list[str]],
) -> None:
    """A hash in a description, an XOR'd export, an export of its length, and the key itself
    without its secret mark: no search for the key's value finds them."""
    found = two_faced
    assert any("inputs.description differ(s) between two `up` runs" in m for m in found["fn"])
    assert any("HH_API_KEY holds the key without the secret mark" in m for m in found["fn"]), found
    outputs = found["two-faced-fixture-fx"]
    assert any("outputs.data computed from a secret" in m for m in outputs), outputs
    assert any("outputs.data, outputs.n differ(s)" in m for m in outputs), outputs


def test_a_program_that_shows_the_preview_something_else_is_judged_as_up_runs_it(
    two_faced: dict[str, list[str]],
) -> None:
    found = two_faced
    assert any(
        "lambda-api-url: HH_API_URL = 'https://attacker.example' is not on" in m
        for m in found["fn"]
    ), found
    assert any("retentionInDays is 0" in m for m in found["only-at-up"]), found


def test_the_stack_ci_deploys_for_a_branch_is_judged_with_cis_config(
    two_faced: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The program attacks only on CI's per-branch stack: judged on `fx` alone, it would pass."""
    assert not any("HTTPS_PROXY" in m for messages in two_faced.values() for m in messages)
    args = ["--program", str(TWO_FACED_PROGRAM), "--set", "attack=branch-stack"]
    assert gate([*args, "--ci-branch", "feature/Login"]) == 1
    out = capsys.readouterr().out
    assert "variable 'HTTPS_PROXY' is not one the test bed sets" in out
    summary = out.splitlines()[-1]
    assert summary.startswith("policy gate FAILED: 2 mandatory"), out
    assert "(stack gh-feature-login" in summary
