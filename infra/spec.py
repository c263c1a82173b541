"""The one place for the test bed's names, limits, runtimes and functions.

Everything else (settings validation, naming, the components, the harness) reads these values;
none of them repeats a literal defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

PROJECT: Final = "honeyhive-lambda-test"
NAME_PREFIX: Final = "honeyhive-"
LOG_GROUP_PREFIX: Final = "/aws/lambda/"
MANAGED_BY: Final = "pulumi"

SUPPORTED_RUNTIMES: Final = ("python3.11", "python3.12", "python3.13")
ARCHITECTURES: Final = ("x86_64", "arm64")
# Lambda's architecture names -> the Linux machine names (uname -m, manylinux platform tags).
LINUX_MACHINES: Final = MappingProxyType({"x86_64": "x86_64", "arm64": "aarch64"})
# An AWS region name in any partition (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1).
REGION_PATTERN: Final = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$"
LOG_FORMATS: Final = ("Text", "JSON")

# Values CloudWatch Logs accepts for a retention policy. 0 is Pulumi's "never expire" (no
# policy at all): the program accepts it, the policy pack refuses it.
CLOUDWATCH_RETENTION_DAYS: Final = (
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# AWS name limits (characters).
FUNCTION_NAME_MAX: Final = 64
ROLE_NAME_MAX: Final = 64
ROLE_POLICY_NAME_MAX: Final = 128
LAYER_NAME_MAX: Final = 140
LOG_GROUP_NAME_MAX: Final = 512
TAG_VALUE_MAX: Final = 256
LAYER_DESCRIPTION_MAX: Final = 256

# Lambda's own bounds for the values we let config change.
FLUSH_TIMEOUT_MS_RANGE: Final = (100, 25_000)

TAG_STACK: Final = "honeyhive:stack"
TAG_BRANCH: Final = "honeyhive:branch"
TAG_EXPIRES_AT: Final = "honeyhive:expires-at"
TAG_MANAGED_BY: Final = "honeyhive:managed-by"
REQUIRED_TAGS: Final = (TAG_STACK, TAG_BRANCH, TAG_EXPIRES_AT, TAG_MANAGED_BY)
UNSET_BRANCH: Final = "unset"
NEVER_EXPIRES: Final = "never"
EXPIRES_AT_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

LAYER_DESCRIPTION_TEMPLATE: Final = (
    "honeyhive-lambda-test sdk layer; stack={stack}; expires-at={expires_at}"
)


@dataclass(frozen=True)
class FunctionSpec:
    """A test function: its handler module in lambda_functions/ and its Lambda settings."""

    key: str
    memory_mb: int
    timeout_s: int
    uses_sdk: bool
    description: str

    @property
    def handler(self) -> str:
        return f"{self.key}.lambda_handler"

    @property
    def slug(self) -> str:
        return self.key.replace("_", "-")


# Memory sets the CPU share in Lambda, so `baseline` runs at the same 256 MB as
# `cold_start_test`: the SDK's init overhead is the difference between those two.
FUNCTIONS: Final = MappingProxyType(
    {
        spec.key: spec
        for spec in (
            FunctionSpec("working_sdk_test", 512, 30, True, "end to end through the SDK"),
            FunctionSpec("cold_start_test", 256, 30, True, "SDK import and init at cold start"),
            FunctionSpec("basic_tracing", 256, 30, True, "nested spans with Lambda attributes"),
            FunctionSpec("baseline", 256, 30, False, "the same contract with no SDK (the floor)"),
        )
    }
)

# Environment variable the handlers read for their flush bound.
FLUSH_TIMEOUT_ENV: Final = "FLUSH_TIMEOUT_MS"
