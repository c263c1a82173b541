"""Stack settings: every config value validated before any resource is declared.

`parse_settings` is pure (no Pulumi runtime), so the layer builder and the harness use the same
rules as the program. All problems are reported at once, each naming the key, the value, what is
allowed and the command that fixes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from infra.errors import InfraError, ProblemList
from infra.naming import BRANCH_STACK_PREFIX
from infra.runtimes import PYTHON_RUNTIMES, SOURCE_URL, TABLE_REVIEWED
from infra.sdk import SdkSpec, SdkSpecError, parse_sdk_spec
from infra.snapstart import SnapStartShape, snapstart_problems
from infra.spec import (
    ARCHITECTURES,
    BASE_LAYER_ARTIFACT_DIR,
    BENCH_FUNCTION,
    CLOUDWATCH_RETENTION_DAYS,
    DEFAULT_ARCHITECTURE,
    DEFAULT_RUNTIME,
    EXPIRES_AT_FORMAT,
    FLUSH_TIMEOUT_MS_RANGE,
    FUNCTIONS,
    HONEYHIVE_API_HOSTS,
    LAYER_ARTIFACT_DIR,
    LOCAL_ONLY_STACK,
    LOG_FORMATS,
    LOOPBACK_HOSTS,
    PROJECT,
    REGION_PATTERN,
    REPO_ROOT,
    SUPPORTED_RUNTIMES,
)

# The defaults Pulumi.yaml declares; tests/infra checks the two agree.
DEFAULTS: Final[Mapping[str, str]] = {
    "hhProject": "lambda-ci-test",
    "hhSource": "aws-lambda-ci",
    "runtime": DEFAULT_RUNTIME,
    "architecture": DEFAULT_ARCHITECTURE,
    "logRetentionDays": "14",
    "logFormat": "Text",
    "flushTimeoutMs": "5000",
    "layerArtifactDir": LAYER_ARTIFACT_DIR,
    "sdk": "",
    "baseSdk": "",
    "baseLayerArtifactDir": BASE_LAYER_ARTIFACT_DIR,
    "snapStart": "false",
}
OPTIONAL_KEYS: Final = (
    "hhApiKey",
    "hhApiUrl",
    "branch",
    "expiresAt",
    "functionRuntimes",
    "permissionsBoundary",
)
KNOWN_KEYS: Final = frozenset(DEFAULTS) | frozenset(OPTIONAL_KEYS)
REGION_KEY: Final = "aws:region"

_REGION = re.compile(REGION_PATTERN)
_EXPIRES_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# A managed policy's ARN: partition (aws, aws-cn, aws-us-gov, ...), 12-digit account, then the
# policy's path and name in IAM's character set (a name is at most 128 characters).
_POLICY_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:iam::\d{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$"
)
_TEXT_MAX = 256


class SettingsError(ProblemList, InfraError):
    """The stack's configuration is invalid; the message lists every problem and its fix."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        super().__init__(f"invalid configuration for stack {stack!r}", problems)


@dataclass(frozen=True)
class StackSettings:
    stack: str
    region: str
    hh_project: str
    hh_source: str
    hh_api_url: str | None
    runtime: str
    function_runtimes: Mapping[str, str]
    """Runtime of every function, keyed like `infra.spec.FUNCTIONS`."""
    architecture: str
    log_retention_days: int
    log_format: str
    flush_timeout_ms: int
    branch: str | None
    expires_at: str | None
    permissions_boundary: str | None
    """ARN of the managed policy every function role gets as its permissions boundary."""
    layer_artifact_dir: Path
    sdk: SdkSpec
    """The SDK under test (infra/sdk.py): the locked release, a requirement, a wheel or a tree."""
    base_sdk: SdkSpec | None
    """The SDK the benchmark compares against (`baseSdk`): BENCH_FUNCTION again on a layer of
    its own. None: no base function."""
    base_layer_artifact_dir: Path
    snap_start: bool = False
    """Publish each SDK function with SnapStart, invoked through an alias (infra/snapstart.py)."""

    @property
    def base_runtime(self) -> str:
        """The base function's runtime: BENCH_FUNCTION's, so the two differ only by the SDK."""
        return self.function_runtimes[BENCH_FUNCTION]

    @property
    def layer_runtimes(self) -> tuple[str, ...]:
        """Runtimes that need an SDK layer: those of the functions that use the SDK."""
        return tuple(
            sorted({self.function_runtimes[k] for k, spec in FUNCTIONS.items() if spec.uses_sdk})
        )


def _fix(key: str, example: str, stack: str) -> str:
    return f"`pulumi config set {key} {example} --stack {stack}`"


class _Parser:
    def __init__(self, stack: str, raw: Mapping[str, str]) -> None:
        self.stack = stack
        self.values = {k.removeprefix(f"{PROJECT}:"): v for k, v in raw.items()}
        self.problems: list[str] = []

    def get(self, key: str) -> str | None:
        value = self.values.get(key, DEFAULTS.get(key))
        return None if value is None else str(value)

    def bad(
        self, key: str, value: object, allowed: str, example: str, config_key: str = ""
    ) -> None:
        """Record `key = value` as wrong; `config_key` is the key to set when `key` is a part."""
        fix = _fix(config_key or key, example, self.stack)
        self.problems.append(f"{key} = {value!r}: {allowed} (fix: {fix})")

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.get(key) or ""
        if value not in allowed:
            self.bad(key, value, f"must be one of {', '.join(allowed)}", allowed[0])
        return value

    def integer(self, key: str, allowed: Callable[[int], bool], what: str) -> int:
        value = self.get(key) or ""
        try:
            number = int(value)
        except ValueError:
            self.bad(key, value, "must be an integer", DEFAULTS[key])
            return 0
        if not allowed(number):
            self.bad(key, number, what, DEFAULTS[key])
        return number

    def text(self, key: str) -> str:
        value = (self.get(key) or "").strip()
        if not value or len(value) > _TEXT_MAX:
            self.bad(key, value, f"must be 1 to {_TEXT_MAX} characters", DEFAULTS[key])
        return value


def runtime_problem(runtime: str) -> str | None:
    """Why the test bed will not deploy `runtime` (None: it will). Dated: Lambda's table as of
    `TABLE_REVIEWED`, never the clock, so the program's answer is deterministic."""
    offered = ", ".join(SUPPORTED_RUNTIMES)
    known = PYTHON_RUNTIMES.get(runtime)
    if known is not None and not known.creatable_on(TABLE_REVIEWED):
        return (
            f"Lambda blocks creating {runtime} functions since {known.create_blocked} "
            f"(deprecated {known.deprecated}; {SOURCE_URL}); use {DEFAULT_RUNTIME} "
            f"(offered: {offered})"
        )
    if runtime not in SUPPORTED_RUNTIMES:
        return f"must be one of {offered}"
    return None


def _runtime(p: _Parser) -> str:
    runtime = p.get("runtime") or ""
    if (problem := runtime_problem(runtime)) is not None:
        p.bad("runtime", runtime, problem, DEFAULT_RUNTIME)
    return runtime


def _function_runtimes(p: _Parser, default_runtime: str) -> dict[str, str]:
    runtimes = dict.fromkeys(FUNCTIONS, default_runtime)
    raw = p.get("functionRuntimes")
    if raw is None:
        return runtimes
    example = '\'{"cold_start_test": "python3.13"}\''
    try:
        overrides = json.loads(raw)
    except json.JSONDecodeError as exc:
        p.bad("functionRuntimes", raw, f"must be a JSON object ({exc.msg})", example)
        return runtimes
    if not isinstance(overrides, dict):
        p.bad("functionRuntimes", raw, "must be a JSON object of function -> runtime", example)
        return runtimes
    for key, runtime in overrides.items():
        if key not in FUNCTIONS:
            p.bad(
                f"functionRuntimes.{key}",
                runtime,
                f"unknown function; functions are {', '.join(FUNCTIONS)}",
                example,
                "functionRuntimes",
            )
        elif (problem := runtime_problem(str(runtime))) is not None:
            p.bad(f"functionRuntimes.{key}", runtime, problem, example, "functionRuntimes")
        else:
            runtimes[key] = runtime
    return runtimes


def _sdk(p: _Parser, key: str = "sdk") -> SdkSpec:
    text = p.get(key) or ""
    try:
        return parse_sdk_spec(text)
    except SdkSpecError as exc:
        p.bad(key, text, str(exc), "honeyhive==1.7.0")
        return SdkSpec("release", "")


def _snap_start(p: _Parser, function_runtimes: Mapping[str, str]) -> bool:
    """`snapStart`: true or false (Pulumi's booleans); on, every SDK function must allow it."""
    value = (p.get("snapStart") or "").strip().lower()
    if value not in ("true", "false"):
        p.bad("snapStart", value, "must be true or false", "true")
        return False
    if value == "false":
        return False
    for key, spec in FUNCTIONS.items():
        if spec.uses_sdk:
            shape = SnapStartShape(key, function_runtimes[key])
            p.problems.extend(f"snapStart: {problem}" for problem in snapstart_problems(shape))
    return True


def _base_sdk(p: _Parser) -> SdkSpec | None:
    """`baseSdk`: empty for no base function, `locked` for the locked release, else a SPEC."""
    return _sdk(p, "baseSdk") if (p.get("baseSdk") or "").strip() else None


def _is_allowed_api_url(url: str, stack: str) -> bool:
    """https on HoneyHive's domains, or, on the never-deployed local stack, a loopback address
    (the policy pack judges the exact form the HTTP clients read alike)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None:
        return False
    if host in LOOPBACK_HOSTS:
        return stack == LOCAL_ONLY_STACK and parts.scheme in ("http", "https")
    on_honeyhive = any(host == d or host.endswith(f".{d}") for d in HONEYHIVE_API_HOSTS)
    return parts.scheme == "https" and on_honeyhive


def _optional_url(p: _Parser) -> str | None:
    url = p.get("hhApiUrl")
    if url is None:
        return None
    if not _is_allowed_api_url(url, p.stack):
        p.bad(
            "hhApiUrl",
            url,
            f"must be an https URL on {' or '.join(HONEYHIVE_API_HOSTS)} (or a subdomain), or a "
            f"loopback address on stack {LOCAL_ONLY_STACK!r} only: the functions send the "
            "HoneyHive API key in every request",
            "https://api.dp1.us.honeyhive.ai",
        )
    return url.rstrip("/")


_EXPIRES_EXAMPLE = "$(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ)"


def _optional_expires_at(p: _Parser) -> str | None:
    """A UTC time; required on CI's per-branch stacks, which the sweeper must remove. How far
    ahead it may lie is the policy pack's to judge: the program never reads the clock."""
    value = p.get("expiresAt")
    if value is None:
        if p.stack.startswith(BRANCH_STACK_PREFIX):
            p.problems.append(
                f"expiresAt is not set: CI's {BRANCH_STACK_PREFIX}* stacks must expire, or the "
                f"sweeper never removes them (fix: {_fix('expiresAt', _EXPIRES_EXAMPLE, p.stack)})"
            )
        return None
    try:
        if not _EXPIRES_AT.match(value):
            raise ValueError(value)
        datetime.strptime(value, EXPIRES_AT_FORMAT)
    except ValueError:
        p.bad("expiresAt", value, "must be a UTC time like 2026-01-31T18:00:00Z", _EXPIRES_EXAMPLE)
    return value


def _optional_policy_arn(p: _Parser) -> str | None:
    value = p.get("permissionsBoundary")
    if value is None:
        return None
    if not _POLICY_ARN.match(value):
        p.bad(
            "permissionsBoundary",
            value,
            "must be an IAM managed policy ARN, arn:<partition>:iam::<12-digit account>:policy/"
            "<path/name> (the bootstrap stack's lambdaBoundaryArn output)",
            "arn:aws:iam::123456789012:policy/honeyhive-lambda-boundary",
        )
    return value


def parse_settings(stack: str, raw: Mapping[str, str]) -> StackSettings:
    """Validate the stack's config (full keys, e.g. `honeyhive-lambda-test:runtime`)."""
    p = _Parser(stack, raw)
    unknown = sorted(
        k.removeprefix(f"{PROJECT}:")
        for k in raw
        if k.startswith(f"{PROJECT}:") and k.removeprefix(f"{PROJECT}:") not in KNOWN_KEYS
    )
    for key in unknown:
        p.problems.append(
            f"{key} is not a setting of this program (known: {', '.join(sorted(KNOWN_KEYS))}); "
            f"fix: `pulumi config rm {key} --stack {stack}`"
        )
    region = raw.get(REGION_KEY, "")
    if not _REGION.match(region):
        p.bad(REGION_KEY, region, "must be an AWS region", "us-east-1")
    if not (p.get("hhApiKey") or "").strip():
        p.problems.append(
            f"hhApiKey is not set: the SDK functions need a HoneyHive API key "
            f"(fix: `pulumi config set --secret hhApiKey <key> --stack {stack}`)"
        )
    runtime = _runtime(p)
    retention = p.integer(
        "logRetentionDays",
        CLOUDWATCH_RETENTION_DAYS.__contains__,
        f"CloudWatch accepts {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))}",
    )
    low, high = FLUSH_TIMEOUT_MS_RANGE
    flush = p.integer(
        "flushTimeoutMs", lambda ms: low <= ms <= high, f"must be between {low} and {high} ms"
    )
    branch = p.get("branch")
    function_runtimes = _function_runtimes(p, runtime)
    settings = StackSettings(
        stack=stack,
        region=region,
        hh_project=p.text("hhProject"),
        hh_source=p.text("hhSource"),
        hh_api_url=_optional_url(p),
        runtime=runtime,
        function_runtimes=function_runtimes,
        architecture=p.choice("architecture", ARCHITECTURES),
        log_retention_days=retention,
        log_format=p.choice("logFormat", LOG_FORMATS),
        flush_timeout_ms=flush,
        branch=(branch or "").strip() or None,
        expires_at=_optional_expires_at(p),
        permissions_boundary=_optional_policy_arn(p),
        layer_artifact_dir=REPO_ROOT / (p.get("layerArtifactDir") or DEFAULTS["layerArtifactDir"]),
        sdk=_sdk(p),
        base_sdk=_base_sdk(p),
        base_layer_artifact_dir=REPO_ROOT
        / (p.get("baseLayerArtifactDir") or DEFAULTS["baseLayerArtifactDir"]),
        snap_start=_snap_start(p, function_runtimes),
    )
    if p.problems:
        raise SettingsError(stack, p.problems)
    return settings
