"""resource-properties: the test bed's resources set only the properties the test bed uses.

A function, log group or layer can reach outside the stack through a property no other rule
reads: a KMS key of another account (`kmsKeyArn`, `kmsKeyId`), a dead-letter target or a VPC,
an EFS mount, code or a layer from an S3 object nobody reviewed (`s3Bucket`, `imageUri`), a code
signing config. So each type's inputs are an allowlist; and the ones that take capacity from the
account (reserved concurrency, ephemeral storage) stay within limits. What keeps a resource past
`pulumi destroy` (`skipDestroy`) is the teardown rule's to report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from . import aws_types as t
from .framework import Resource, Settings, resource_policy
from .limits import EXTRAS_SCHEMA
from .values import NotAnInteger, bridge_int, fmt, is_unknown, unverifiable

# Reported by their own rules: teardown (skipDestroy) and explicit-names (auto-naming).
OWNED_ELSEWHERE: Final = frozenset({"skipDestroy", "namePrefix", "bucketPrefix"})
ALLOWED_PROPERTIES: Final[Mapping[str, frozenset[str]]] = {
    t.FUNCTION: frozenset(
        {
            "name",
            "description",
            "role",
            "runtime",
            "architectures",
            "handler",
            "code",
            "memorySize",
            "timeout",
            "layers",
            "environment",
            "loggingConfig",
            "tags",
            "publish",
            "snapStart",
            "ephemeralStorage",
            "reservedConcurrentExecutions",
            "sourceCodeHash",
            "region",
            "packageType",
            "tracingConfig",
        }
    ),
    t.LOG_GROUP: frozenset({"name", "retentionInDays", "tags", "region", "logGroupClass"}),
    t.LAYER_VERSION: frozenset(
        {
            "layerName",
            "code",
            "compatibleRuntimes",
            "compatibleArchitectures",
            "description",
            "licenseInfo",
            "sourceCodeHash",
            "region",
        }
    ),
    t.ROLE_POLICY: frozenset({"name", "role", "policy", "region"}),
}
_LOGGING_KEYS: Final = frozenset({"logFormat", "logGroup", "applicationLogLevel", "systemLogLevel"})
DEFAULT_EPHEMERAL_MB: Final = 512


def _bounded(key: str, value: object, low: int, high: float, setting: str) -> Iterator[str]:
    if is_unknown(value):
        yield unverifiable(key)
        return
    try:
        number = bridge_int(value)
    except NotAnInteger as exc:
        yield f"{key} {exc}"
        return
    if number is not None and not low <= number <= high:
        yield (
            f"{key} {number} is outside {low}..{fmt(high)}: lower it (or raise "
            f"resource-properties.{setting} in the policy config)"
        )


def check_properties(resource: Resource, settings: Settings) -> Iterator[str]:
    allowed = ALLOWED_PROPERTIES.get(resource.type)
    if allowed is None or not resource.is_aws:
        return
    props = resource.props
    for key in sorted(set(props) - allowed - OWNED_ELSEWHERE):
        if props[key] is not None:
            yield (
                f"sets {key!r}, which the test bed never uses and no rule checks (it can reach "
                f"outside the stack): remove it; allowed are {sorted(allowed)}"
            )
    if resource.type != t.FUNCTION:
        return
    if props.get("packageType") not in (None, "Zip"):
        yield f"packageType {props['packageType']!r}: only 'Zip' (code from the reviewed tree)"
    logging = props.get("loggingConfig")
    if isinstance(logging, dict) and (extra := sorted(set(logging) - _LOGGING_KEYS)):
        yield f"loggingConfig sets {extra}; allowed are {sorted(_LOGGING_KEYS)}: remove them"
    storage = props.get("ephemeralStorage")
    size = storage.get("size") if isinstance(storage, dict) else storage
    if storage is not None:
        limit = float(settings["maxEphemeralStorageMb"])
        yield from _bounded("ephemeralStorage.size", size, 512, limit, "maxEphemeralStorageMb")
    reserved = props.get("reservedConcurrentExecutions")
    if reserved is not None:
        limit = float(settings["maxReservedConcurrency"])
        yield from _bounded(
            "reservedConcurrentExecutions", reserved, -1, limit, "maxReservedConcurrency"
        )


POLICIES: Final = [
    resource_policy(
        "resource-properties",
        "Functions, log groups, layers and role policies set only the properties the test bed "
        "uses, within limits (no foreign KMS key, dead-letter target, VPC, S3 code)",
        check_properties,
        config=EXTRAS_SCHEMA,
    ),
]
