"""What a local function is, and the limits Lambda's API enforces on it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from harness.local.errors import FunctionConfigError
from infra.runtimes import PYTHON_RUNTIMES
from infra.spec import (
    ARCHITECTURES,
    DEFAULT_ARCHITECTURE,
    DEFAULT_REGION,
    DEFAULT_RUNTIME,
    LOG_FORMATS,
)

# Any Python runtime Lambda has: existing functions keep running on a deprecated runtime, and
# `local invoke` runs any handler (the host must have that Python: `host.find_interpreter`).
RUNTIMES: Final = tuple(PYTHON_RUNTIMES)
MEMORY_RANGE: Final = (128, 10_240)
EPHEMERAL_STORAGE_RANGE: Final = (512, 10_240)
"""MB of /tmp; botocore's shape allows up to 32768 (Lambda Managed Instances), standard
functions 10240 (Lambda's EphemeralStorage documentation)."""
TIMEOUT_RANGE: Final = (1, 900)
ENV_BYTES_MAX: Final = 4096
LOCAL_ACCOUNT: Final = "123456789012"
LATEST: Final = "$LATEST"
PUBLISHED_VERSION: Final = "1"
"""The version a SnapStart function's alias runs: a new function's first published version."""

# Keys Lambda refuses in a function's environment ("reserved environment variables").
RESERVED_ENV: Final = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_ENV_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_HANDLER = re.compile(r"^[^\s]+\.[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Code = Path | Mapping[str, Path]
"""A code directory or zip, or archive name -> file (a Pulumi AssetArchive's assets)."""


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    handler: str
    code: Code
    runtime: str = DEFAULT_RUNTIME
    architecture: str = DEFAULT_ARCHITECTURE
    memory_size: int = 128
    timeout: int = 3
    environment: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[Path, ...] = ()
    log_group: str = ""
    log_format: str = "Text"
    region: str = DEFAULT_REGION
    arn: str = ""
    role: str = ""
    description: str = ""
    layer_arns: tuple[str, ...] = ()
    """The ARNs the program gave the layers (reported by GetFunctionConfiguration)."""
    ephemeral_storage: int = 512
    """The size of /tmp, in MB."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """The function's tags, the provider's default tags included (GetFunction, ListTags)."""
    snap_start: bool = False
    """Lambda SnapStart: every new environment is restored from one post-init image
    (harness/local/snapstart.py)."""
    snap_start_alias: str = ""
    """Published with SnapStart and invoked through this alias (the registry serves it with a
    `snap_start` pool of its own); the unqualified function stays on demand, as `$LATEST` is."""

    def __post_init__(self) -> None:
        if not self.log_group:
            object.__setattr__(self, "log_group", f"/aws/lambda/{self.name}")
        if not self.arn:
            arn = f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT}:function:{self.name}"
            object.__setattr__(self, "arn", arn)
        if not self.role:
            role = f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{self.name}-local"
            object.__setattr__(self, "role", role)
        validate(self)

    @property
    def python_version(self) -> str:
        """`3.13` for `python3.13`."""
        return self.runtime.removeprefix("python")

    def updated(
        self,
        *,
        environment: Mapping[str, str] | None = None,
        memory_size: int | None = None,
        timeout: int | None = None,
        handler: str | None = None,
        description: str | None = None,
        ephemeral_storage: int | None = None,
    ) -> FunctionConfig:
        """A copy with the given settings changed and validated (UpdateFunctionConfiguration)."""
        return replace(
            self,
            environment=dict(self.environment if environment is None else environment),
            memory_size=self.memory_size if memory_size is None else memory_size,
            timeout=self.timeout if timeout is None else timeout,
            handler=self.handler if handler is None else handler,
            description=self.description if description is None else description,
            ephemeral_storage=(
                self.ephemeral_storage if ephemeral_storage is None else ephemeral_storage
            ),
        )


def validate(spec: FunctionConfig) -> None:
    if not _NAME.match(spec.name):
        raise FunctionConfigError(
            f"function name {spec.name!r} is not valid: use 1-64 letters, digits, '-' or '_'"
        )
    if spec.runtime not in RUNTIMES:
        raise FunctionConfigError(
            f"runtime {spec.runtime!r} is not supported: use one of {RUNTIMES}"
        )
    if spec.architecture not in ARCHITECTURES:
        raise FunctionConfigError(
            f"architecture {spec.architecture!r} is not valid: use one of {ARCHITECTURES}"
        )
    if not _HANDLER.match(spec.handler):
        raise FunctionConfigError(f"handler {spec.handler!r} is not valid: use module.function")
    check_memory(spec.memory_size)
    check_timeout(spec.timeout)
    low, high = EPHEMERAL_STORAGE_RANGE
    size = spec.ephemeral_storage
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        raise FunctionConfigError(
            f"ephemeral storage {spec.ephemeral_storage} MB is out of range: use {low}-{high}"
        )
    check_environment(spec.environment)
    if spec.log_format not in LOG_FORMATS:
        raise FunctionConfigError(
            f"log format {spec.log_format!r} is not valid: use one of {LOG_FORMATS}"
        )


def check_memory(value: object) -> None:
    low, high = MEMORY_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FunctionConfigError(f"memory size {value!r} MB is out of range: use {low}-{high}")


def check_timeout(value: object) -> None:
    low, high = TIMEOUT_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FunctionConfigError(f"timeout {value!r} s is out of range: use {low}-{high}")


def check_environment(env: Mapping[str, str]) -> None:
    """Lambda's checks: key syntax, no reserved keys, string values, 4 KB in total."""
    for key, value in env.items():
        if not isinstance(key, str) or not _ENV_KEY.match(key):
            raise FunctionConfigError(
                f"environment variable name {key!r} is not valid: start with a letter, "
                "then letters, digits or '_'"
            )
        if key in RESERVED_ENV:
            raise FunctionConfigError(
                f"environment variable {key} is reserved by Lambda and cannot be set: remove it"
            )
        if not isinstance(value, str):
            raise FunctionConfigError(f"environment variable {key} must be a string, got {value!r}")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in env.items())
    if size > ENV_BYTES_MAX:
        raise FunctionConfigError(
            f"environment variables take {size} bytes, over Lambda's {ENV_BYTES_MAX}-byte "
            "limit: remove some"
        )
