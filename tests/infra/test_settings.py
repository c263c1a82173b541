"""Every config mistake stops the program before it declares anything, and says how to fix it.

The messages are checked on `stack_settings`: the settings the program parses from the stack's
config, computed in this process without running it (a render is a child process and takes
seconds). `test_the_program_refuses_with_the_settings_message` pins that the program refuses
with exactly that message, and the tests after it run the program itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.program.errors import ProgramRefused
from harness.program.render import render
from infra.settings import SettingsError, parse_settings
from infra.spec import LOCAL_ONLY_STACK, LOOPBACK_HOSTS
from infra.stack_config import ConfigFileError, stack_settings
from tests.infra.conftest import RenderStack


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "runtime",
            "python3.8",
            "runtime = 'python3.8': must be one of python3.12, python3.13, python3.14",
        ),
        (
            "runtime",
            "python3.11",
            "runtime = 'python3.11': Lambda blocks creating python3.11 functions since "
            "2026-07-31 (deprecated 2026-06-30; "
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); use python3.13 "
            "(offered: python3.12, python3.13, python3.14) "
            "(fix: `pulumi config set runtime python3.13",
        ),
        ("runtime", "nodejs20.x", "runtime = 'nodejs20.x'"),
        ("architecture", "sparc", "architecture = 'sparc': must be one of x86_64, arm64"),
        ("logRetentionDays", "10", "logRetentionDays = 10: CloudWatch accepts 0, 1, 3, 5, 7, 14"),
        ("logRetentionDays", "two weeks", "logRetentionDays = 'two weeks': must be an integer"),
        ("logFormat", "xml", "logFormat = 'xml': must be one of Text, JSON"),
        ("flushTimeoutMs", "99999", "flushTimeoutMs = 99999: must be between 100 and 25000 ms"),
        (
            "expiresAt",
            "2026-13-40T00:00:00Z",
            "expiresAt = '2026-13-40T00:00:00Z': must be a UTC time",
        ),
        ("expiresAt", "tomorrow", "expiresAt = 'tomorrow'"),
        ("expiresAt", "2026-11-28 10:00:00", "expiresAt = '2026-11-28 10:00:00'"),
        ("hhApiUrl", "ftp://example.com", "hhApiUrl = 'ftp://example.com': must be an https URL"),
        (
            "hhApiUrl",
            "https://attacker.example/collect",
            "hhApiUrl = 'https://attacker.example/collect': must be an https URL on honeyhive.ai",
        ),
        (
            "hhApiUrl",
            "http://hh.example.com",
            "hhApiUrl = 'http://hh.example.com': must be an https",
        ),
        ("hhProject", " ", "hhProject = '': must be 1 to 256 characters"),
        ("aws:region", "moon-base-1a", "aws:region = 'moon-base-1a': must be an AWS region"),
        ("functionRuntimes", "[1]", "functionRuntimes = '[1]': must be a JSON object"),
        ("functionRuntimes", "{oops", "functionRuntimes = '{oops': must be a JSON object"),
        (
            "functionRuntimes",
            json.dumps({"nope": "python3.12"}),
            "functionRuntimes.nope = 'python3.12': unknown function",
        ),
        (
            "functionRuntimes",
            json.dumps({"baseline": "python2.7"}),
            "functionRuntimes.baseline = 'python2.7': must be one of",
        ),
        ("logRetentionDay", "3", "logRetentionDay is not a setting of this program"),
        (
            "permissionsBoundary",
            "honeyhive-lambda-boundary",
            "permissionsBoundary = 'honeyhive-lambda-boundary': must be an IAM managed policy ARN",
        ),
        (
            "permissionsBoundary",
            "arn:aws:iam::12345:policy/honeyhive-lambda-boundary",
            "permissionsBoundary = 'arn:aws:iam::12345:policy/honeyhive-lambda-boundary'",
        ),
        (
            "permissionsBoundary",
            "arn:aws:iam::123456789012:role/honeyhive-lambda-boundary",
            "permissionsBoundary = 'arn:aws:iam::123456789012:role/honeyhive-lambda-boundary'",
        ),
        (
            "permissionsBoundary",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "permissionsBoundary = 'arn:aws:iam::aws:policy/AdministratorAccess'",
        ),
        ("sdk", "requests==2.34.2", "sdk = 'requests==2.34.2': SDK 'requests==2.34.2' asks for"),
        ("sdk", "./no/such/python-sdk", "sdk = './no/such/python-sdk': SDK './no/such/python-sdk'"),
        ("sdk", "honeyhive>=>1", "sdk = 'honeyhive>=>1': SDK 'honeyhive>=>1' is neither"),
        (
            "permissionsBoundary",
            "arn:aws:iam::123456789012:policy/",
            "permissionsBoundary = 'arn:aws:iam::123456789012:policy/'",
        ),
    ],
)
def test_bad_config_is_refused_with_key_value_and_fix(key: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        stack_settings("ci", overrides={key: value})
    message = str(excinfo.value)
    assert expected in message
    assert "fix: `pulumi config" in message


@pytest.mark.parametrize(
    "overrides",
    [
        {"runtime": "python3.11"},
        {"runtime": "python3.9", "architecture": "mips", "logFormat": "yaml"},
        {"sdk": "requests==2.34.2", "hhApiUrl": "https://attacker.example/collect"},
    ],
)
def test_the_program_refuses_with_the_settings_message(
    render_stack: RenderStack, fixture_layer_dir: Path, overrides: dict[str, str]
) -> None:
    """The program parses the same settings and refuses with their whole message."""
    with pytest.raises(SettingsError) as parsed:
        stack_settings("ci", overrides={"layerArtifactDir": str(fixture_layer_dir), **overrides})
    with pytest.raises(ProgramRefused) as refused:
        render_stack("ci", **overrides)
    assert str(parsed.value) in str(refused.value)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/honeyhive-lambda-boundary",
        "arn:aws-us-gov:iam::123456789012:policy/ci/boundaries/honeyhive-lambda-boundary",
    ],
)
def test_a_permissions_boundary_arn_is_accepted(render_stack: RenderStack, arn: str) -> None:
    roles = render_stack("ci", permissionsBoundary=arn).of_type("aws:iam/role:Role")
    assert {r.inputs["permissionsBoundary"] for r in roles} == {arn}


def test_a_bad_permissions_boundary_says_where_the_arn_comes_from() -> None:
    with pytest.raises(SettingsError) as excinfo:
        stack_settings(
            "ci", overrides={"permissionsBoundary": "arn:aws:iam::123456789012:policy/a b"}
        )
    assert (
        "(the bootstrap stack's lambdaBoundaryArn output) (fix: `pulumi config set "
        "permissionsBoundary arn:aws:iam::123456789012:policy/honeyhive-lambda-boundary "
        "--stack ci`)"
    ) in str(excinfo.value)


def test_all_problems_are_reported_together(render_stack: RenderStack) -> None:
    with pytest.raises(ProgramRefused) as excinfo:
        render_stack("ci", runtime="python3.9", architecture="mips", logFormat="yaml")
    assert [line for line in str(excinfo.value).splitlines() if line.startswith("  - ")] == [
        "  - runtime = 'python3.9': must be one of python3.12, python3.13, python3.14 "
        "(fix: `pulumi config set runtime python3.13 --stack ci`)",
        "  - architecture = 'mips': must be one of x86_64, arm64 "
        "(fix: `pulumi config set architecture x86_64 --stack ci`)",
        "  - logFormat = 'yaml': must be one of Text, JSON "
        "(fix: `pulumi config set logFormat Text --stack ci`)",
    ]


def test_never_expiring_logs_are_the_policy_packs_call(render_stack: RenderStack) -> None:
    """0 ("never expire") is a value CloudWatch takes; the pack, not the program, refuses it."""
    capture = render_stack("ci", logRetentionDays="0")
    assert {
        r.inputs.get("retentionInDays", 0)
        for r in capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    } == {0}


def test_missing_api_key_is_refused_like_the_cli_does(render_stack: RenderStack) -> None:
    """Pulumi.yaml declares hhApiKey without a default: the CLI refuses a stack without it."""
    with pytest.raises(ConfigFileError, match=r"missing configuration value\(s\) \S+:hhApiKey"):
        render_stack("ci", supply_secrets=False)


def test_empty_api_key_is_refused_by_the_program(render_stack: RenderStack) -> None:
    with pytest.raises(
        ProgramRefused,
        match=r"hhApiKey is not set.*pulumi config set --secret hhApiKey <key> --stack ci",
    ):
        render_stack("ci", hhApiKey=" ")


def test_a_crashing_program_is_a_program_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: crashing\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("raise KeyError('oops')\n")
    with pytest.raises(ProgramRefused, match=r"the program failed: KeyError: 'oops'"):
        render("dev", program_dir=tmp_path)


def test_missing_layer_artifact_says_to_run_make_layer(tmp_path: Path) -> None:
    with pytest.raises(
        ProgramRefused, match=r"python3.12/x86_64 has not been built.*make layer STACK=ci"
    ):
        render("ci", overrides={"layerArtifactDir": str(tmp_path), "runtime": "python3.12"})


def test_stale_layer_artifact_is_refused(fixture_layer_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(fixture_layer_dir, tmp_path, dirs_exist_ok=True)
    with (tmp_path / "python3.13-x86_64" / "layer.zip").open("ab") as handle:
        handle.write(b"changed after the build")
    with pytest.raises(ProgramRefused, match=r"does not match its manifest.*make layer"):
        render("ci", overrides={"layerArtifactDir": str(tmp_path)})


def test_artifact_for_another_target_is_refused(fixture_layer_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(fixture_layer_dir / "python3.12-x86_64", tmp_path / "python3.13-x86_64")
    with pytest.raises(ProgramRefused, match=r"describes python3.12/x86_64, not python3.13/x86_64"):
        render("ci", overrides={"layerArtifactDir": str(tmp_path)})


def test_a_layer_built_for_another_sdk_is_refused(fixture_layer_dir: Path) -> None:
    with pytest.raises(
        ProgramRefused,
        match=r"holds a release SDK, the stack names requirement 'honeyhive==1.6.1'.*"
        r"make layer STACK=ci SDK=honeyhive==1.6.1",
    ):
        render("ci", overrides={"layerArtifactDir": str(fixture_layer_dir),
                                "sdk": "honeyhive==1.6.1"})  # fmt: skip


def test_a_tree_that_changed_since_the_build_is_refused(
    fixture_layer_dir: Path, tmp_path: Path
) -> None:
    """The stack names a tree; the artefact records another tree's hash: rebuild, not deploy."""
    sdk_tree = tmp_path / "python-sdk"
    sdk_tree.mkdir()
    (sdk_tree / "pyproject.toml").write_text("[project]\nname = 'honeyhive'\n")
    layers = tmp_path / "layers"
    shutil.copytree(fixture_layer_dir, layers)
    manifest_path = layers / "python3.13-x86_64" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sdk"] |= {"kind": "tree", "spec": str(sdk_tree), "treeSha256": "0" * 64}
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ProgramRefused, match=r"the tree .*python-sdk changed since the layer"):
        render("ci", overrides={"layerArtifactDir": str(layers), "sdk": str(sdk_tree)})


VALID = {
    "aws:region": "us-east-1",
    "honeyhive-lambda-test:hhApiKey": "hh-key",
}


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://api.dp1.us.honeyhive.ai", True),
        ("https://honeyhive.ai/", True),
        ("http://127.0.0.1:4318", True),
        ("http://localhost:8080", True),
        ("https://attacker.example/collect", False),
        ("https://api.honeyhive.ai.attacker.example", False),
        ("https://nothoneyhive.ai", False),
        ("https://api.honeyhive.ai@attacker.example", False),
        ("https://user:secret@api.honeyhive.ai", False),
        ("http://api.honeyhive.ai", False),
    ],
)
def test_the_api_url_cannot_send_the_key_elsewhere(url: str, accepted: bool) -> None:
    values = {**VALID, "honeyhive-lambda-test:hhApiUrl": url}
    loopback = urlsplit(url).hostname in LOOPBACK_HOSTS
    stack = LOCAL_ONLY_STACK if loopback else "ci"
    if accepted:
        assert parse_settings(stack, values).hh_api_url == url.rstrip("/")
    else:
        with pytest.raises(SettingsError, match=r"must be an https URL on honeyhive\.ai"):
            parse_settings(stack, values)
    if loopback:  # only on the stack that is never deployed
        with pytest.raises(SettingsError, match=r"loopback address on stack 'local' only"):
            parse_settings("ci", values)


def test_ci_branch_stacks_must_expire() -> None:
    with pytest.raises(SettingsError) as excinfo:
        parse_settings("gh-feature-x", VALID)
    assert "expiresAt is not set: CI's gh-* stacks must expire" in str(excinfo.value)
    assert "--stack gh-feature-x" in str(excinfo.value)
    expiring = {**VALID, "honeyhive-lambda-test:expiresAt": "2026-12-01T10:00:00Z"}
    assert parse_settings("gh-feature-x", expiring).expires_at == "2026-12-01T10:00:00Z"
    assert parse_settings("ci", VALID).expires_at is None, "other stacks may never expire"
