"""Function specs: Lambda's limits, the environment a function gets, specs from a render."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.local.config import FunctionConfig
from harness.local.errors import FunctionConfigError
from harness.local.from_capture import specs_from_capture
from harness.local.serve import local_api_key, with_ingest
from harness.program.render import render
from infra.stack_config import OFFLINE_SECRET_PLACEHOLDER
from tests.harness.local.fixtures import HANDLERS


def make(**changes: object) -> FunctionConfig:
    settings: dict[str, object] = {"name": "fn", "handler": "app.echo", "code": HANDLERS}
    settings.update(changes)
    return FunctionConfig(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runtime": "python2.7"}, "runtime 'python2.7' is not supported"),
        ({"architecture": "aarch64"}, "architecture 'aarch64' is not valid"),
        ({"handler": "nodot"}, "handler 'nodot' is not valid: use module.function"),
        ({"memory_size": 64}, r"memory size 64 MB is out of range: use 128-10240"),
        ({"timeout": 901}, r"timeout 901 s is out of range: use 1-900"),
        ({"environment": {"AWS_REGION": "x"}}, "AWS_REGION is reserved by Lambda"),
        ({"environment": {"1BAD": "x"}}, "name '1BAD' is not valid"),
        ({"environment": {"BIG": "x" * 4096}}, "over Lambda's 4096-byte limit"),
        ({"name": "has space"}, "function name 'has space' is not valid"),
        ({"ephemeral_storage": 256}, r"ephemeral storage 256 MB is out of range: use 512-10240"),
    ],
)
def test_lambda_refusals_name_the_value_and_the_fix(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(FunctionConfigError, match=message):
        make(**changes)


def test_defaults_follow_lambda() -> None:
    spec = make(region="eu-west-1")
    assert spec.log_group == "/aws/lambda/fn"
    assert spec.arn == "arn:aws:lambda:eu-west-1:123456789012:function:fn"
    assert (spec.memory_size, spec.timeout) == (128, 3)


def test_update_validates_and_keeps_the_rest() -> None:
    spec = make(environment={"A": "1"}, memory_size=256)
    updated = spec.updated(environment={"B": "2"}, timeout=9)
    assert (updated.environment, updated.memory_size, updated.timeout) == ({"B": "2"}, 256, 9)
    with pytest.raises(FunctionConfigError, match="timeout 0 s"):
        spec.updated(timeout=0)


def test_specs_from_the_rendered_program(fixture_layer_dir: Path) -> None:
    capture = render(
        "ci", overrides={"layerArtifactDir": str(fixture_layer_dir), "logFormat": "JSON"}
    )
    specs = {spec.name: spec for spec in specs_from_capture(capture)}
    functions = capture.outputs["functions"]
    assert set(specs) == {f["name"] for f in functions.values()}
    sdk = specs[functions["working_sdk_test"]["name"]]
    assert sdk.handler == "working_sdk_test.lambda_handler"
    assert (sdk.memory_size, sdk.timeout) == (
        functions["working_sdk_test"]["memorySize"],
        functions["working_sdk_test"]["timeout"],
    )
    assert sdk.arn == functions["working_sdk_test"]["arn"]
    assert sdk.log_group == functions["working_sdk_test"]["logGroup"]
    assert sdk.log_format == "JSON"
    assert sdk.layers == (fixture_layer_dir / "python3.13-x86_64" / "layer.zip",)
    assert sdk.layer_arns == (capture.outputs["layerArns"]["python3.13"],)
    assert isinstance(sdk.code, dict)
    assert "working_sdk_test.py" in sdk.code
    assert sdk.environment["HH_API_KEY"]  # revealed, not the "[secret]" placeholder
    assert sdk.ephemeral_storage == 512
    assert sdk.tags == {  # the provider's default tags
        "honeyhive:stack": "ci",
        "honeyhive:branch": "unset",
        "honeyhive:expires-at": "never",
        "honeyhive:managed-by": "pulumi",
    }
    baseline = specs[functions["baseline"]["name"]]
    assert baseline.layers == ()
    assert not any(key.startswith("HH_") for key in baseline.environment)


def test_sdk_functions_are_pointed_at_the_ingest() -> None:
    sdk = make(environment={"HH_API_KEY": OFFLINE_SECRET_PLACEHOLDER, "HH_TEST_MODE": "true"})
    key = local_api_key([sdk])
    assert key.startswith("hh_local_")
    local = with_ingest(sdk, "http://127.0.0.1:9", key)
    assert local.environment == {
        "HH_API_KEY": key,
        "HH_TEST_MODE": "false",
        "HH_API_URL": "http://127.0.0.1:9",
    }
    assert local_api_key([make(environment={"HH_API_KEY": "real"})]) == "real"
    plain = make()
    assert with_ingest(plain, "http://127.0.0.1:9", key) is plain
