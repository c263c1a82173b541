"""The program's resources, wiring and outputs, proven under Pulumi's mock monitor."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import yaml

from harness.program.capture import Capture, CapturedResource, reveal, to_jsonable
from harness.secret import Secret
from infra import naming
from infra.settings import DEFAULTS
from infra.spec import FUNCTIONS, PROJECT, REPO_ROOT
from tests.infra.conftest import RenderStack

FUNCTION = "aws:lambda/function:Function"
LAYER = "aws:lambda/layerVersion:LayerVersion"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
PROVIDER = "pulumi:providers:aws"
SDK_FUNCTIONS = [k for k, s in FUNCTIONS.items() if s.uses_sdk]


def one(capture: Capture, type_: str, logical: str) -> CapturedResource:
    matches = [r for r in capture.of_type(type_) if r.name == logical]
    assert len(matches) == 1, f"{type_} {logical}: {len(matches)} found"
    return matches[0]


def aws_names(capture: Capture, type_: str, key: str = "name") -> set[str]:
    return {r.inputs[key] for r in capture.of_type(type_)}


def test_ci_declares_exactly_the_test_bed(render_stack: RenderStack) -> None:
    capture = render_stack("ci")
    counts = Counter(r.type for r in capture.resources)
    assert counts == {
        FUNCTION: 4, ROLE: 4, ROLE_POLICY: 4, LOG_GROUP: 4, LAYER: 1, PROVIDER: 1,
        "honeyhive:lambda:TestBed": 1, "honeyhive:lambda:TestFunction": 4,
        "honeyhive:iam:FunctionRole": 4, "honeyhive:lambda:SdkLayer": 1,
    }  # fmt: skip
    assert aws_names(capture, FUNCTION) == {
        "honeyhive-ci-working-sdk-test",
        "honeyhive-ci-cold-start-test",
        "honeyhive-ci-basic-tracing",
        "honeyhive-ci-baseline",
    }
    assert aws_names(capture, ROLE) == {
        f"honeyhive-ci-{s}-role"
        for s in ("working-sdk-test", "cold-start-test", "basic-tracing", "baseline")
    }
    assert aws_names(capture, LOG_GROUP) == {
        f"/aws/lambda/honeyhive-ci-{s}"
        for s in ("working-sdk-test", "cold-start-test", "basic-tracing", "baseline")
    }
    assert aws_names(capture, LAYER, "layerName") == {"honeyhive-ci-sdk-python3-13"}


def test_branch_stack_names_follow_the_stack(render_stack: RenderStack) -> None:
    stack = naming.branch_stack_name("feature/Tracing-On_Lambda")
    capture = render_stack(
        stack, branch="feature/Tracing-On_Lambda", expiresAt="2026-12-01T10:00:00Z"
    )
    expected = {naming.function_name(stack, spec) for spec in FUNCTIONS.values()}
    assert aws_names(capture, FUNCTION) == expected
    assert all(name.startswith(f"honeyhive-{stack}-") for name in expected), (
        "short enough to stay readable"
    )
    ci_names = {r.inputs.get("name") for r in render_stack("ci").resources}
    assert not ci_names & {r.inputs.get("name") for r in capture.resources} - {None}


def test_a_new_expiry_does_not_replace_the_layer(render_stack: RenderStack) -> None:
    """CI sets a fresh expiresAt on every run; every input of a layer version replaces it
    (terraform-provider-aws: all ForceNew), so none may carry the expiry, or each re-run of a
    stack would publish its layer again. The tags, updated in place, carry it."""
    first = render_stack("gh-x", branch="feature/x#1", expiresAt="2026-12-01T10:00:00Z")
    rerun = render_stack("gh-x", branch="feature/x#1", expiresAt="2026-12-01T16:30:00Z")
    (layer,), (layer_again,) = first.of_type(LAYER), rerun.of_type(LAYER)
    assert layer.inputs == layer_again.inputs
    assert "2026-12-01" not in json.dumps(layer.inputs, default=str)
    tags = json.loads(rerun.of_type(PROVIDER)[0].inputs["defaultTags"])["tags"]
    assert tags["honeyhive:expires-at"] == "2026-12-01T16:30:00Z"


def test_every_resource_hangs_off_a_component_with_the_explicit_provider(
    render_stack: RenderStack,
) -> None:
    capture = render_stack("ci")
    provider = capture.of_type(PROVIDER)[0]
    for resource in capture.resources:
        if resource.type.startswith("aws:"):
            assert resource.provider_urn == provider.urn, resource.urn
            assert capture.by_urn(resource.parent).type.startswith("honeyhive:"), resource.urn


def test_provider_default_tags(render_stack: RenderStack) -> None:
    capture = render_stack("gh-x", branch="feature/x#1", expiresAt="2026-12-01T10:00:00Z")
    provider = capture.of_type(PROVIDER)[0]
    tags = json.loads(provider.inputs["defaultTags"])["tags"]  # provider inputs travel as JSON
    assert tags == {
        "honeyhive:stack": "gh-x",
        "honeyhive:branch": "feature/x_1",
        "honeyhive:expires-at": "2026-12-01T10:00:00Z",
        "honeyhive:managed-by": "pulumi",
    }
    assert provider.inputs["region"] == "us-east-1"
    plain = json.loads(render_stack("ci").of_type(PROVIDER)[0].inputs["defaultTags"])["tags"]
    assert (plain["honeyhive:branch"], plain["honeyhive:expires-at"]) == ("unset", "never")


def _statements(document: str) -> list[dict[str, Any]]:
    parsed = json.loads(document)
    assert parsed["Version"] == "2012-10-17"
    statements: list[dict[str, Any]] = parsed["Statement"]
    return statements


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_iam_is_least_privilege(render_stack: RenderStack, key: str) -> None:
    capture = render_stack("ci")
    role = one(capture, ROLE, key)
    policy = one(capture, ROLE_POLICY, key)
    log_group = one(capture, LOG_GROUP, key)
    function = one(capture, FUNCTION, key)
    assert _statements(role.inputs["assumeRolePolicy"]) == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert _statements(policy.inputs["policy"]) == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group.state['arn']}:*",
        }
    ]
    assert policy.inputs["role"] == role.id
    assert function.inputs["role"] == role.state["arn"]
    assert not role.inputs.get("managedPolicyArns") and not role.inputs.get("inlinePolicies")


BOUNDARY = "arn:aws:iam::123456789012:policy/honeyhive-lambda-boundary"


def test_every_role_carries_the_configured_permissions_boundary(render_stack: RenderStack) -> None:
    roles = render_stack("ci", permissionsBoundary=BOUNDARY).of_type(ROLE)
    assert {r.name: r.inputs.get("permissionsBoundary") for r in roles} == dict.fromkeys(
        FUNCTIONS, BOUNDARY
    )


def test_without_the_key_no_role_has_a_boundary(render_stack: RenderStack) -> None:
    roles = render_stack("ci").of_type(ROLE)
    assert len(roles) == len(FUNCTIONS)
    assert not [r.name for r in roles if "permissionsBoundary" in r.inputs]


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_function_waits_for_its_log_group_and_policy(render_stack: RenderStack, key: str) -> None:
    capture = render_stack("ci")
    function = one(capture, FUNCTION, key)
    assert one(capture, LOG_GROUP, key).urn in function.dependencies
    assert one(capture, ROLE_POLICY, key).urn in function.dependencies
    assert function.inputs["loggingConfig"] == {
        "logFormat": "Text",
        "logGroup": naming.log_group_name(function.inputs["name"]),
    }


def test_log_retention(render_stack: RenderStack) -> None:
    assert {r.inputs["retentionInDays"] for r in render_stack("ci").of_type(LOG_GROUP)} == {14}
    assert {
        r.inputs["retentionInDays"]
        for r in render_stack("ci", logRetentionDays="30").of_type(LOG_GROUP)
    } == {30}


def test_function_settings_and_environment(
    render_stack: RenderStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HH_API_KEY", "hh-test-key-4c1d")
    capture = render_stack("ci", hhApiUrl="https://api.dp1.us.honeyhive.ai/", flushTimeoutMs="2500")
    for key, spec in FUNCTIONS.items():
        function = one(capture, FUNCTION, key)
        inputs = function.inputs
        assert (inputs["handler"], inputs["runtime"], inputs["architectures"]) == (
            f"{key}.lambda_handler",
            "python3.13",
            ["x86_64"],
        )
        assert (inputs["memorySize"], inputs["timeout"]) == (spec.memory_mb, spec.timeout_s)
        assert set(inputs["code"].assets) >= {f"{k}.py" for k in FUNCTIONS}
        assert not any("__pycache__" in name for name in inputs["code"].assets)
        if not spec.uses_sdk:
            assert "environment" not in inputs, "baseline gets no SDK settings and no key"
            continue
        # The key's secretness covers the whole `environment` input, as the engine sees it.
        assert isinstance(inputs["environment"], Secret)
        assert reveal(inputs["environment"])["variables"] == {
            "HH_API_KEY": "hh-test-key-4c1d",
            "HH_PROJECT": "lambda-ci-test",
            "HH_SOURCE": "aws-lambda-ci",
            "HH_TEST_MODE": "false",
            "HH_API_URL": "https://api.dp1.us.honeyhive.ai",
            "FLUSH_TIMEOUT_MS": "2500",
        }
    default = one(render_stack("ci"), FUNCTION, "working_sdk_test")
    assert "HH_API_URL" not in reveal(default.inputs["environment"])["variables"]


def test_layer_wiring_per_runtime(render_stack: RenderStack, fixture_layer_dir: Any) -> None:
    only_baseline = json.dumps({"baseline": "python3.13"})
    capture = render_stack("ci", functionRuntimes=only_baseline, runtime="python3.12")
    compatible = [r.inputs["compatibleRuntimes"] for r in capture.of_type(LAYER)]
    assert compatible == [["python3.12"]], "baseline's runtime needs no layer"
    overrides = json.dumps({"cold_start_test": "python3.13", "baseline": "python3.13"})
    capture = render_stack(
        "ci", functionRuntimes=overrides, runtime="python3.12", architecture="arm64"
    )
    layers = {r.inputs["compatibleRuntimes"][0]: r for r in capture.of_type(LAYER)}
    assert set(layers) == {"python3.12", "python3.13"}
    for runtime, layer in layers.items():
        assert layer.inputs["compatibleArchitectures"] == ["arm64"]
        assert layer.inputs["layerName"] == naming.layer_name("ci", runtime)
        assert layer.inputs["code"].path == fixture_layer_dir / f"{runtime}-arm64" / "layer.zip"
        assert layer.inputs["description"] == (
            "honeyhive-lambda-test sdk layer; stack=ci; sdk=honeyhive 1.7.0 (release)"
        )
    for key in FUNCTIONS:
        function = one(capture, FUNCTION, key)
        runtime = function.inputs["runtime"]
        expected = [layers[runtime].state["arn"]] if key in SDK_FUNCTIONS else []
        assert function.inputs.get("layers", []) == expected, key
    assert one(capture, FUNCTION, "baseline").inputs["runtime"] == "python3.13"
    assert capture.outputs["layerArns"] == {rt: layer.state["arn"] for rt, layer in layers.items()}


def test_layer_hash_comes_from_the_artifact(
    render_stack: RenderStack, fixture_layer_dir: Any
) -> None:
    import base64
    import hashlib

    layer = render_stack("ci").of_type(LAYER)[0]
    data = (fixture_layer_dir / "python3.13-x86_64" / "layer.zip").read_bytes()
    assert (
        layer.inputs["sourceCodeHash"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    )


def test_outputs_follow_the_contract_and_never_hold_the_key(
    render_stack: RenderStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HH_API_KEY", "hh-sentinel-9f27e1")
    capture = render_stack("ci")
    outputs = capture.outputs
    assert set(outputs) == {"functions", "layerArns", "region", "sdk"}
    assert outputs["sdk"] == {"version": "1.7.0", "kind": "release", "commit": "", "dirty": False}
    assert outputs["region"] == "us-east-1"
    assert set(outputs["functions"]) == set(FUNCTIONS)
    for key, spec in FUNCTIONS.items():
        entry = outputs["functions"][key]
        function = one(capture, FUNCTION, key)
        assert entry == {
            "name": function.inputs["name"],
            "arn": function.state["arn"],
            "runtime": "python3.13",
            "memorySize": spec.memory_mb,
            "timeout": spec.timeout_s,
            "logGroup": naming.log_group_name(function.inputs["name"]),
        }
    assert "hh-sentinel-9f27e1" not in json.dumps(reveal(outputs))
    assert "hh-sentinel-9f27e1" not in json.dumps(
        to_jsonable([r.inputs for r in capture.resources])
    )
    assert "hh-sentinel-9f27e1" in json.dumps(
        reveal([r.inputs for r in capture.resources]), default=str
    )


def test_rendering_is_deterministic(render_stack: RenderStack) -> None:
    def snapshot(capture: Capture) -> str:
        return json.dumps(
            sorted((r.urn, to_jsonable(r.inputs)) for r in capture.resources), sort_keys=True
        )

    assert snapshot(render_stack("ci")) == snapshot(render_stack("ci"))


def test_pulumi_yaml_declares_the_programs_defaults() -> None:
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    declared = {  # as the CLI hands them to the program: booleans as JSON (`false`)
        key: entry["default"] if isinstance(entry["default"], str) else json.dumps(entry["default"])
        for key, entry in project["config"].items()
        if isinstance(entry, dict) and "default" in entry
    }
    assert declared == dict(DEFAULTS)
    assert project["config"]["hhApiKey"]["secret"] is True
    stack = yaml.safe_load((REPO_ROOT / "Pulumi.ci.yaml").read_text())["config"]
    assert stack == {
        "aws:region": "us-east-1",
        f"{PROJECT}:hhProject": "lambda-ci-test",
        f"{PROJECT}:hhSource": "aws-lambda-ci",
    }
