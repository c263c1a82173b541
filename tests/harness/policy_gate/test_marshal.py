"""A capture marshalled as the engine sends it: links, providers, the root stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import resource_pb2

from harness.policy_gate.config import PolicySetting
from harness.policy_gate.gate import check_capture
from harness.policy_gate.launcher import PackProcess
from harness.policy_gate.marshal import (
    ROOT_STACK_TYPE,
    CaptureMarshaller,
    engine_value,
    inputs_of,
    seconds,
)
from harness.program.capture import Capture, CapturedResource
from harness.program.wire import OUTPUT_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY
from harness.program.wire import UNKNOWN_SENTINEL as UNKNOWN
from policy.hhguard.limits import ALLOWED_TYPES

pytestmark = pytest.mark.slow

TAGS = {
    "honeyhive:stack": "dev",
    "honeyhive:branch": "unset",
    "honeyhive:expires-at": "never",
    "honeyhive:managed-by": "pulumi",
}


def test_stack_resources_carry_parents_dependencies_and_providers(
    violations_capture: Capture,
) -> None:
    marshaller = CaptureMarshaller(violations_capture)
    resources = {r.urn.split("::")[-1]: r for r in marshaller.stack_resources()}
    root = marshaller.stack_resources()[0]
    assert (root.type, root.urn) == (ROOT_STACK_TYPE, marshaller.stack_urn)

    function = resources["good-function"]
    role, layer = resources["good-role"], resources["good-layer"]
    assert list(function.propertyDependencies["role"].urns) == [role.urn]
    assert list(function.propertyDependencies["layers"].urns) == [layer.urn]
    assert "runtime" not in function.propertyDependencies  # empty ones are left out
    assert {role.urn, layer.urn} <= set(function.dependencies)
    assert function.parent == marshaller.stack_urn
    assert function.provider.name == "tagged"
    provider = json_format.MessageToDict(function.provider.properties)
    assert json.loads(provider["defaultTags"])["tags"] == {
        "honeyhive:stack": "fixture",
        "honeyhive:branch": "unset",
        "honeyhive:expires-at": "never",
        "honeyhive:managed-by": "pulumi",
    }
    # outputs: the inputs plus what the mocks computed
    outputs = json_format.MessageToDict(function.properties)
    assert outputs["arn"].startswith("arn:aws:lambda:us-east-1:")
    assert not resources["tagged"].HasField("provider")


def _bucket_capture(config: dict[str, str]) -> Capture:
    request = resource_pb2.RegisterResourceRequest(
        type="aws:s3/bucket:Bucket", name="bucket", custom=True, version="7.51.1"
    )
    json_format.ParseDict({"bucket": "honeyhive-dev-bucket"}, request.object)
    bucket = CapturedResource(
        urn="urn:pulumi:dev::proj::aws:s3/bucket:Bucket::bucket",
        type=request.type,
        name=request.name,
        custom=True,
        parent="urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",
        provider="",
        dependencies=(),
        property_dependencies={},
        inputs={"bucket": "honeyhive-dev-bucket"},
        state={"bucket": "honeyhive-dev-bucket"},
        id="honeyhive-dev-bucket",
        request=request,
    )
    return Capture("proj", "dev", Path(), config, (bucket,), {})


def test_a_default_provider_is_built_from_the_stack_config() -> None:
    config = {"aws:region": "eu-west-1", "aws:defaultTags": json.dumps({"tags": TAGS})}
    capture = _bucket_capture(config)
    provider = CaptureMarshaller(capture).provider_of(capture.resources[0])
    assert provider is not None
    assert (provider.type, provider.name) == ("pulumi:providers:aws", "default_7_51_1")
    assert provider.urn == "urn:pulumi:dev::proj::pulumi:providers:aws::default_7_51_1"
    assert dict(provider.properties) == {
        "region": "eu-west-1",
        "defaultTags": config["aws:defaultTags"],
        "version": "7.51.1",
    }


BUCKETS_ALLOWED = {
    "allowed-resource-types": PolicySetting(
        properties={"allowedTypes": [*ALLOWED_TYPES, "aws:s3/bucket:Bucket"]}
    )
}


def test_default_provider_tags_count_for_required_tags(pack: PackProcess) -> None:
    tagged = _bucket_capture({"aws:defaultTags": json.dumps({"tags": TAGS})})
    assert check_capture(tagged, pack.channel, BUCKETS_ALLOWED).violations == ()
    untagged = check_capture(_bucket_capture({}), pack.channel, BUCKETS_ALLOWED)
    assert [(v.policy, v.resource) for v in untagged.violations] == [
        ("required-tags", "aws:s3/bucket:Bucket bucket")
    ]


def test_engine_marshalling_downgrades_references_and_outputs() -> None:
    """As the engine marshals for analyzers: no KeepResources, no KeepOutputValues."""
    custom = {SIG_KEY: RESOURCE_SIG, "urn": "urn:x", "id": "role-id"}
    component = {SIG_KEY: RESOURCE_SIG, "urn": "urn:component"}
    pending = {SIG_KEY: RESOURCE_SIG, "urn": "urn:y", "id": ""}
    secret_output = {SIG_KEY: OUTPUT_SIG, "value": "k", "secret": True}
    assert engine_value(
        {
            "role": custom,
            "parent": component,
            "later": pending,
            "key": secret_output,
            "unknown": {SIG_KEY: OUTPUT_SIG, "dependencies": ["urn:z"]},
            "plain": {SIG_KEY: OUTPUT_SIG, "value": [1, 2]},
            "__defaults": ["name"],
            "nested": {"__meta": 1, "kept": True},
        }
    ) == {
        "role": "role-id",
        "parent": "urn:component",
        "later": UNKNOWN,
        "key": {SIG_KEY: SECRET_SIG, "value": "k"},
        "unknown": UNKNOWN,
        "plain": [1, 2],
        "nested": {"kept": True},
    }


def test_inputs_keep_secrets_signed() -> None:
    request = resource_pb2.RegisterResourceRequest()
    json_format.ParseDict(
        {"environment": {"variables": {"K": {SIG_KEY: SECRET_SIG, "value": "v"}}}}, request.object
    )
    assert inputs_of(request)["environment"]["variables"]["K"] == {
        SIG_KEY: SECRET_SIG,
        "value": "v",
    }


@pytest.mark.parametrize(
    ("duration", "expected"),
    [("", 0.0), ("5m", 300.0), ("1h30m", 5400.0), ("1.5s", 1.5), ("250ms", 0.25)],
)
def test_custom_timeouts_in_seconds(duration: str, expected: float) -> None:
    assert seconds(duration) == pytest.approx(expected)
