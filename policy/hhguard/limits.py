"""Every limit and list the pack enforces, with its default: the one place they are written.

Each policy declares the settings it reads as a JSON schema with these defaults. The Pulumi CLI
(and `python -m harness policy`) fills the defaults in and validates a
`--policy-pack-config` file against the schema before `Configure`; `settings()` falls back to the
defaults as well, so a rule never runs without its limits.

The pack checks any program, so it does not import the program's `infra/` (the CLI runs the pack
with only this directory on its path); these values agree with `infra/spec.py` by design, and
the gate's tests prove the `ci` stack passes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import PolicyConfigSchema

NAME_PREFIX: Final = "honeyhive-"
LAMBDA_LOG_GROUP_PREFIX: Final = "/aws/lambda/"
ALLOWED_RUNTIMES: Final = ("python3.12", "python3.13")
DEPRECATION_WARNING_DAYS: Final = 90
MAX_MEMORY_MB: Final = 1024
MAX_TIMEOUT_SECONDS: Final = 60
MAX_LAYERS: Final = 5  # Lambda's own limit per function
MIN_RETENTION_DAYS: Final = 1  # 0 means "never expire" to CloudWatch
MAX_RETENTION_DAYS: Final = 30
REQUIRED_TAGS: Final = (
    "honeyhive:stack",
    "honeyhive:branch",
    "honeyhive:expires-at",
    "honeyhive:managed-by",
)
# Actions the Service Authorization Reference lists with no resource type: `Resource: "*"` is
# the only way to grant them. Anything else must name its resources (sts:GetCallerIdentity
# needs no grant at all).
WILDCARD_RESOURCE_ACTIONS: Final = (
    "lambda:ListFunctions",
    "lambda:ListLayers",
    "lambda:ListLayerVersions",
    "lambda:GetAccountSettings",
    "logs:DescribeLogGroups",
    "iam:ListRoles",
    "tag:GetResources",
)
MAX_LAYER_ZIPPED_MB: Final = 50  # Lambda's limit for a direct upload

_STRING_LIST: Final = {"type": "array", "items": {"type": "string", "minLength": 1}}

PREFIX_SCHEMA: Final = {
    "prefix": {
        "type": "string",
        "minLength": 1,
        "pattern": "^[a-z0-9][a-z0-9-]*$",
        "default": NAME_PREFIX,
        "description": "Every AWS name starts with this (log groups: /aws/lambda/<prefix>)",
    }
}
_AS_OF: Final[dict[str, dict[str, Any]]] = {
    "asOf": {
        "type": "string",
        "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "default": "",
        "description": "The day runtime dates are judged on, YYYY-MM-DD (empty: today, UTC)",
    }
}
RUNTIMES_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "allowedRuntimes": {
        **_STRING_LIST,
        "minItems": 1,
        "uniqueItems": True,
        "default": list(ALLOWED_RUNTIMES),
        "description": "Lambda runtimes a function may use",
    },
    **_AS_OF,
}
RUNTIME_DEPRECATION_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "warningDays": {
        "type": "integer",
        "minimum": 0,
        "default": DEPRECATION_WARNING_DAYS,
        "description": "Warn this many days before a runtime's deprecation date",
    },
    **_AS_OF,
}
LAMBDA_LIMITS_SCHEMA: Final = {
    "maxMemoryMb": {
        "type": "integer",
        "minimum": 128,
        "maximum": 10240,
        "default": MAX_MEMORY_MB,
        "description": "Largest memorySize a function may ask for, in MB",
    },
    "maxTimeoutSeconds": {
        "type": "integer",
        "minimum": 1,
        "maximum": 900,
        "default": MAX_TIMEOUT_SECONDS,
        "description": "Longest timeout a function may have, in seconds",
    },
    "maxLayers": {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_LAYERS,
        "default": MAX_LAYERS,
        "description": "Most layers a function may use (Lambda allows 5)",
    },
}
RETENTION_SCHEMA: Final = {
    "minRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": MIN_RETENTION_DAYS,
        "description": "Shortest retention a log group may have (0, never expire, is refused)",
    },
    "maxRetentionDays": {
        "type": "integer",
        "minimum": 1,
        "default": MAX_RETENTION_DAYS,
        "description": "Longest retention a log group may have, in days",
    },
}
TAGS_SCHEMA: Final = {
    "requiredTags": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(REQUIRED_TAGS),
        "description": "Tag keys every taggable resource carries (provider default tags count)",
    }
}
WILDCARD_RESOURCE_SCHEMA: Final = {
    "allowedWildcardResourceActions": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(WILDCARD_RESOURCE_ACTIONS),
        "description": 'Actions that may be granted on Resource "*" (they take no resource ARN)',
    }
}
ARCHIVE_SIZE_SCHEMA: Final = {
    "maxZippedMb": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": MAX_LAYER_ZIPPED_MB,
        "description": "Largest layer archive, zipped, in MB (1 MB = 1024 * 1024 bytes)",
    }
}


def schema(properties: Mapping[str, Mapping[str, Any]]) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={k: dict(v) for k, v in properties.items()})


def settings(
    given: Mapping[str, Any], properties: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The policy's settings: the schema's defaults overlaid with what `Configure` sent."""
    return {key: given.get(key, spec["default"]) for key, spec in properties.items()}
