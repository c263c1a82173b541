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

from . import aws_types as t

NAME_PREFIX: Final = "honeyhive-"
LAMBDA_LOG_GROUP_PREFIX: Final = "/aws/lambda/"
ALLOWED_RUNTIMES: Final = ("python3.12", "python3.13", "python3.14")
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
# The resource types the test bed declares; anything else is refused unless the config adds it.
ALLOWED_TYPES: Final = (
    t.AWS_PROVIDER,
    t.FUNCTION,
    t.ALIAS,  # the published version SnapStart runs (infra/snapstart.py)
    t.LAYER_VERSION,
    t.ROLE,
    t.ROLE_POLICY,
    t.LOG_GROUP,
)
# The bootstrap program (bootstrap/Pulumi.yaml) also declares GitHub's OIDC provider, the
# roles' permissions boundary (a managed policy) and the state bucket with its settings.
BOOTSTRAP_PROJECT: Final = "honeyhive-lambda-test-bootstrap"
ALLOWED_TYPES_BY_PROJECT: Final = {
    BOOTSTRAP_PROJECT: (
        t.OIDC_PROVIDER,
        t.POLICY,
        t.BUCKET,
        t.BUCKET_VERSIONING,
        t.BUCKET_ENCRYPTION,
        t.BUCKET_PUBLIC_ACCESS_BLOCK,
        t.BUCKET_OWNERSHIP,
    )
}
# Wildcarded resource ARNs that are allowed anyway; `{account}` is an account the resource's
# provider is pinned to (allowedAccountIds). The bootstrap's permissions boundary lets a test
# role write its own log groups' events in any region of the account (it only limits roles).
ALLOWED_WILDCARD_ARNS: Final = (
    "arn:aws:logs:*:{account}:log-group:/aws/lambda/" + NAME_PREFIX + "*:*",
)
# AWS-managed policies that may be attached (path and name under arn:<partition>:iam::aws:policy/).
ALLOWED_AWS_MANAGED_POLICIES: Final = ("service-role/AWSLambdaBasicExecutionRole",)
# Where a function may send the HoneyHive key: https on these domains (and their subdomains),
# or a loopback address (the local target's ingest).
HONEYHIVE_API_HOSTS: Final = ("honeyhive.ai",)
LOOPBACK_HOSTS: Final = ("localhost", "127.0.0.1", "::1")
API_PORTS: Final = (443,)
# Stacks that are only ever run locally (never deployed): the only ones whose functions may
# name a loopback API URL. CI deploys gh-* stacks; `ci` may be deployed by hand.
LOOPBACK_STACKS: Final = ("local",)
# The only variables a function's environment may hold: what the program sets (infra/spec.py).
# Anything else the SDK or its HTTP stack reads (proxies, CA bundles, TLS switches,
# HTTP_CONFIG, PYTHONPATH, AWS_LAMBDA_EXEC_WRAPPER) could redirect or expose the key.
FUNCTION_ENV_VARIABLES: Final = (
    "HH_API_KEY",
    "HH_API_URL",
    "HH_PROJECT",
    "HH_SOURCE",
    "HH_TEST_MODE",
    "FLUSH_TIMEOUT_MS",
)
# The SDK's variables that name where it sends requests with the key, and the proxies it uses.
API_URL_VARIABLES: Final = (
    "HH_API_URL",
    "HH_SERVER_URL",
    "HONEYHIVE_SERVER_URL",
    "HH_OTLP_ENDPOINT",
)
PROXY_VARIABLES: Final = (
    "HH_HTTP_PROXY",
    "HH_HTTPS_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)
# Lambda layers cannot be tagged: their description names the stack instead (infra/spec.py).
# It carries no expiry (every input of a layer version replaces it): the sweeper expires a layer
# version with its stack's tagged resources, whose expiry stack-expiry judges.
LAYER_DESCRIPTION_TEMPLATE: Final = "honeyhive-lambda-test sdk layer; stack={stack}; sdk={sdk}"
# How long a stack may live (its honeyhive:expires-at tag), and the stacks that must expire.
MAX_TTL_HOURS: Final = 24
EPHEMERAL_STACK_PREFIX: Final = "gh-"

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
    **PREFIX_SCHEMA,
    "prefixWildcardProjects": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": [BOOTSTRAP_PROJECT],
        "description": "Projects whose policies may scope a name by the prefix (`role/<prefix>*`: "
        "the CI deployer's reach over every stack); elsewhere a wildcard in a name is a "
        "wildcard resource",
    },
    "allowedWildcardResourceActions": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(WILDCARD_RESOURCE_ACTIONS),
        "description": 'Actions that may be granted on Resource "*" or any wildcard ARN (they '
        "take no resource ARN)",
    },
    "allowedWildcardArns": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(ALLOWED_WILDCARD_ARNS),
        "description": "Resource ARNs allowed despite a wildcard in their service, region, "
        "account or resource type ({account}: an account the provider is pinned to)",
    },
}
WILDCARD_ACTION_SCHEMA: Final = {
    "allowedActionPatterns": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": [],
        "description": "Partial action wildcards allowed anyway, e.g. 's3:Get*' (whole-service "
        "wildcards never are)",
    }
}
RESOURCE_TYPES_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "allowedTypes": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(ALLOWED_TYPES),
        "description": "Resource types (and providers) any program may declare",
    },
    "allowedTypesByProject": {
        "type": "object",
        "additionalProperties": {**_STRING_LIST, "uniqueItems": True},
        "default": {k: list(v) for k, v in ALLOWED_TYPES_BY_PROJECT.items()},
        "description": "More resource types, for the Pulumi project named by the key",
    },
}
MANAGED_POLICIES_SCHEMA: Final = {
    "allowedAwsManagedPolicies": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(ALLOWED_AWS_MANAGED_POLICIES),
        "description": "AWS-managed policies that may be attached, as path/name (e.g. "
        "service-role/AWSLambdaBasicExecutionRole)",
    }
}
API_URL_SCHEMA: Final = {
    "allowedApiHosts": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(HONEYHIVE_API_HOSTS),
        "description": "Domains (and their subdomains) a function may send the HoneyHive key "
        "to, over https",
    },
    "allowedApiPorts": {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 65535},
        "uniqueItems": True,
        "default": list(API_PORTS),
        "description": "Ports an API URL on those domains may name (none named: 443)",
    },
    "loopbackStacks": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(LOOPBACK_STACKS),
        "description": "Stacks that are never deployed, whose functions may name a loopback "
        "ingest (http allowed there)",
    },
}
EXPIRY_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "maxTtlHours": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": MAX_TTL_HOURS,
        "description": "Latest honeyhive:expires-at, in hours from now",
    },
    "ephemeralStackPrefix": {
        "type": "string",
        "default": EPHEMERAL_STACK_PREFIX,
        "description": "Stacks named with this prefix (CI's) must set an expiry",
    },
    "asOf": {
        "type": "string",
        "pattern": "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        "default": "",
        "description": "The time expiries are judged at, YYYY-MM-DDTHH:MM:SSZ (empty: now)",
    },
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


# --- the AWS provider: what a provider (explicit, or the default one from `aws:*` config) may set
# pulumi-aws, as pinned in constraints.txt: a provider asking for another version (or a plugin
# from a URL) would run a binary nobody reviewed, with CI's AWS credentials.
AWS_PROVIDER_VERSION: Final = "7.51.1"
# Provider inputs that may be set, each to values that keep every API call on AWS's own
# endpoints with CI's own credentials (None: any value; a tuple: only those, as strings).
PROVIDER_PROPERTIES: Final[Mapping[str, tuple[str, ...] | None]] = {
    "region": None,  # checked against REGION_PATTERN
    "defaultTags": None,  # required-tags and stack-expiry read them
    "allowedAccountIds": None,  # checked: one 12-digit account
    "skipCredentialsValidation": ("false",),
    "skipRegionValidation": ("true", "false"),  # pulumi-aws sets true itself
    "version": None,  # checked against providerVersion
}
REGION_PATTERN: Final = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$"
PROVIDER_SCHEMA: Final = {
    "providerVersion": {
        "type": "string",
        "minLength": 1,
        "default": AWS_PROVIDER_VERSION,
        "description": "The pulumi-aws version a provider may ask for (the pinned one)",
    }
}
EXTRAS_SCHEMA: Final = {
    "maxEphemeralStorageMb": {
        "type": "integer",
        "minimum": 512,
        "maximum": 10240,
        "default": 512,
        "description": "Largest /tmp a function may ask for, in MB (512 is Lambda's default)",
    },
    "maxReservedConcurrency": {
        "type": "integer",
        "minimum": 0,
        "default": 5,
        "description": "Most concurrency a function may reserve from the account",
    },
}
TEARDOWN_SCHEMA: Final = {
    "protectedProjects": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": [BOOTSTRAP_PROJECT],
        "description": "Projects that may protect resources (the bootstrap's state bucket)",
    }
}
ENVIRONMENT_SCHEMA: Final = {
    "allowedVariables": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": list(FUNCTION_ENV_VARIABLES),
        "description": "The environment variables a function may set (exact names)",
    }
}
SECRETS_SCHEMA: Final = {
    "secretConfigKeys": {
        **_STRING_LIST,
        "uniqueItems": True,
        "default": ["hhApiKey"],
        "description": "Config keys (without namespace) whose values are secrets to track",
    },
    "minFragment": {
        "type": "integer",
        "minimum": 4,
        "default": 8,
        "description": "A piece of a secret this long, anywhere but HH_API_KEY, is a leak",
    },
}
