"""Policy pack config, read and reconciled the way `pulumi --policy-pack-config FILE` does it.

The file (pkg/resource/analyzer/config.go in pulumi/pulumi) is a JSON object keyed by policy
name, or `all` for every policy; a value is an enforcement level, or an object with an optional
`enforcementLevel` and the policy's settings:

    {"all": "advisory",
     "lambda-limits": {"maxMemoryMb": 2048},
     "layer-archive-size": {"enforcementLevel": "disabled"}}

Reconciling starts from each policy's level and its schema's defaults (from GetAnalyzerInfo),
applies the pack's initial config, then the file, and validates every policy's settings against
its JSON schema. The result, for every policy, is what `Configure` sends. Unlike the CLI, a
policy the pack does not have, or a setting its schema does not declare, is an error here, so a
typo cannot silently leave a rule as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import jsonschema
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from harness.policy_gate.errors import PolicyConfigError

ALL: Final = "all"
LEVELS: Final = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES: Final = {value: name for name, value in LEVELS.items()}
_FORMAT_HINT: Final = (
    'e.g. {"lambda-limits": {"maxMemoryMb": 2048}, "layer-archive-size": "disabled"}'
)


@dataclass(frozen=True)
class PolicySetting:
    level: str | None = None
    """advisory, mandatory, remediate, disabled; None keeps the current level."""
    properties: Mapping[str, Any] = field(default_factory=dict)


def _level(name: str, value: Any, source: str) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise PolicyConfigError(
            f"{source}: {value!r} for {name!r} is not an enforcement level; use one of "
            f"{', '.join(LEVELS)}"
        )
    return value


def parse_policy_config(text: str, source: str) -> dict[str, PolicySetting]:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{source}: not valid JSON ({exc}); {_FORMAT_HINT}") from exc
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{source}: expected a JSON object keyed by policy; {_FORMAT_HINT}")
    result: dict[str, PolicySetting] = {}
    for name, value in data.items():
        if isinstance(value, str):
            result[name] = PolicySetting(level=_level(name, value, source))
        elif isinstance(value, dict):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            result[name] = PolicySetting(
                level=None if level is None else _level(name, level, source),
                properties=properties,
            )
        else:
            raise PolicyConfigError(
                f"{source}: {value!r} for {name!r} must be an enforcement level or an object; "
                f"{_FORMAT_HINT}"
            )
    return result


def load_policy_config(path: Path) -> dict[str, PolicySetting]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise PolicyConfigError(f"cannot read the policy config {path}: {exc}") from exc
    return parse_policy_config(text, str(path))


def _schema(policy: analyzer_pb2.PolicyInfo) -> dict[str, Any]:
    schema: dict[str, Any] = json_format.MessageToDict(policy.configSchema)
    return schema


def _apply(
    result: dict[str, PolicySetting], given: Mapping[str, PolicySetting]
) -> dict[str, PolicySetting]:
    if (everything := given.get(ALL)) and everything.level:
        result = {k: PolicySetting(everything.level, v.properties) for k, v in result.items()}
    for name, setting in given.items():
        if name == ALL:
            continue
        current = result[name]
        result[name] = PolicySetting(
            level=setting.level or current.level,
            properties={**current.properties, **setting.properties},
        )
    return result


def _initial_config(info: analyzer_pb2.AnalyzerInfo) -> dict[str, PolicySetting]:
    return {
        name: PolicySetting(
            level=LEVEL_NAMES.get(config.enforcementLevel),
            properties=json_format.MessageToDict(config.properties),
        )
        for name, config in info.initialConfig.items()
    }


def _validate(policy: analyzer_pb2.PolicyInfo, setting: PolicySetting) -> list[str]:
    schema = _schema(policy)
    document_schema = {
        "type": "object",
        "properties": {
            **schema.get("properties", {}),
            "enforcementLevel": {"type": "string", "enum": list(LEVELS)},
        },
    }
    if schema.get("required"):
        document_schema["required"] = schema["required"]
    validator = jsonschema.Draft7Validator(document_schema)
    errors = []
    for error in sorted(validator.iter_errors(dict(setting.properties)), key=str):
        where = ".".join(str(p) for p in error.absolute_path) or "(settings)"
        errors.append(f"{policy.name}.{where}: {error.message}")
    unknown = sorted(set(setting.properties) - set(schema.get("properties", {})))
    if unknown:
        known = sorted(schema.get("properties", {})) or ["none"]
        errors.append(f"{policy.name}: unknown settings {unknown}; it takes {known}")
    return errors


def reconcile(
    info: analyzer_pb2.AnalyzerInfo, given: Mapping[str, PolicySetting]
) -> dict[str, PolicySetting]:
    """Every policy's level and settings: defaults, then initial config, then `given`."""
    policies = {p.name: p for p in info.policies}
    unknown = sorted(set(given) - set(policies) - {ALL})
    if unknown:
        raise PolicyConfigError(
            f"policy config names {unknown}, which the pack {info.name!r} does not have; "
            f"its policies are {sorted(policies)}"
        )
    result = {
        name: PolicySetting(
            level=LEVEL_NAMES[policy.enforcementLevel],
            properties={
                key: spec["default"]
                for key, spec in _schema(policy).get("properties", {}).items()
                if "default" in spec
            },
        )
        for name, policy in policies.items()
    }
    result = _apply(result, {k: v for k, v in _initial_config(info).items() if k in policies})
    result = _apply(result, given)
    errors = [e for name, policy in policies.items() for e in _validate(policy, result[name])]
    if errors:
        raise PolicyConfigError(
            "the policy config does not fit the pack's schema:\n"
            + "\n".join(f"  - {e}" for e in errors)
        )
    return result


def configure_request(
    settings: Mapping[str, PolicySetting],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, setting in settings.items():
        if setting.level is None:
            raise PolicyConfigError(f"{name}: no enforcement level; reconcile() the config first")
        config = request.policyConfig[name]
        config.enforcementLevel = LEVELS[setting.level]
        config.properties.update(dict(setting.properties))
    return request
