"""The one place for the test bed's facts: names, limits, runtimes, functions, span names, the
SDK's environment variables and the layer artefact's contract.

Everything in `infra`, `layer`, `harness` and `bootstrap` imports these values instead of
repeating them. The two parts that must run alone keep their own copies: the policy pack
(`policy/hhguard`, run by the Pulumi CLI without this repository on its path) and the handlers
(`lambda_functions`, run by Lambda); `tests/policy/test_agreement.py` and
`tests/lambda_functions/test_agreement.py` pin those copies to this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

from infra import runtimes

REPO_ROOT: Final = Path(__file__).resolve().parent.parent

PROJECT: Final = "honeyhive-lambda-test"
NAME_PREFIX: Final = "honeyhive-"
LOG_GROUP_PREFIX: Final = "/aws/lambda/"
MANAGED_BY: Final = "pulumi"
LAMBDA_SERVICE_PRINCIPAL: Final = "lambda.amazonaws.com"

# The runtimes the test bed offers and its default: dated facts in infra/runtimes.py.
SUPPORTED_RUNTIMES: Final = runtimes.OFFERED_RUNTIMES
DEFAULT_RUNTIME: Final = runtimes.DEFAULT_RUNTIME
ARCHITECTURES: Final = ("x86_64", "arm64")
DEFAULT_ARCHITECTURE: Final = "x86_64"
# Lambda's architecture names -> the Linux machine names (uname -m, manylinux platform tags).
LINUX_MACHINES: Final = MappingProxyType({"x86_64": "x86_64", "arm64": "aarch64"})
DEFAULT_REGION: Final = "us-east-1"
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

TAG_STACK: Final = "honeyhive:stack"
TAG_BRANCH: Final = "honeyhive:branch"
TAG_EXPIRES_AT: Final = "honeyhive:expires-at"
TAG_MANAGED_BY: Final = "honeyhive:managed-by"
REQUIRED_TAGS: Final = (TAG_STACK, TAG_BRANCH, TAG_EXPIRES_AT, TAG_MANAGED_BY)
UNSET_BRANCH: Final = "unset"
NEVER_EXPIRES: Final = "never"
EXPIRES_AT_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

LAYER_DESCRIPTION_TEMPLATE: Final = "honeyhive-lambda-test sdk layer; stack={stack}; sdk={sdk}"
"""No expiry: every input of a layer version replaces it (terraform-provider-aws's schema marks
each one ForceNew), and CI gives a stack a fresh expiry on every run, which would republish the
layer each time. A layer version expires with its stack's tagged resources (harness/cleanup)."""

# Where the SDK may send the HoneyHive key (`hhApiUrl`): https on HoneyHive's domains (and their
# subdomains; the SDK's default is https://api.dp1.us.honeyhive.ai), or a loopback address, where
# the local target's ingest listens (http allowed there: the key never leaves the machine).
HONEYHIVE_API_HOSTS: Final = ("honeyhive.ai",)
LOOPBACK_HOSTS: Final = ("localhost", "127.0.0.1", "::1")
# The one stack that is never deployed: only its functions may name a loopback API URL (the
# local target sets its own ingest URL whatever the stack; CI deploys gh-*, `ci` may be deployed).
LOCAL_ONLY_STACK: Final = "local"

# --- the SDK functions' environment (honeyhive reads HH_*; the handlers read FLUSH_TIMEOUT_MS) ---
ENV_API_KEY: Final = "HH_API_KEY"
ENV_API_URL: Final = "HH_API_URL"
ENV_PROJECT: Final = "HH_PROJECT"
ENV_SOURCE: Final = "HH_SOURCE"
ENV_TEST_MODE: Final = "HH_TEST_MODE"
SDK_ENV_PREFIX: Final = "HH_"
# The SDK's variables that name where it sends requests with the key (the pack's copy is pinned).
API_URL_VARIABLES: Final = (
    ENV_API_URL,
    "HH_SERVER_URL",
    "HONEYHIVE_SERVER_URL",
    "HH_OTLP_ENDPOINT",
)
FLUSH_TIMEOUT_ENV: Final = "FLUSH_TIMEOUT_MS"
# The handlers' own default when FLUSH_TIMEOUT_MS is unset, and the config's bounds.
DEFAULT_FLUSH_TIMEOUT_MS: Final = 5000
FLUSH_TIMEOUT_MS_RANGE: Final = (100, 25_000)

# --- attribution: set on one extra forced cold start by the post-deploy suite, never deployed ---
IMPORT_PROFILE_ENV: Final = "PYTHONPROFILEIMPORTTIME"
"""CPython writes one `import time:` line per module it imports to stderr (the function's log)."""
WARM_PROFILE_ENV: Final = "HONEYHIVE_TEST_PROFILE_WARM"
"""The handlers run a warm invocation under cProfile and answer with its `profile`."""

# --- the event contract the handlers enforce (a bad event gets a 400 naming the problem) ---
EVENT_DATA_MAX_BYTES: Final = 32 * 1024
"""`data` as compact UTF-8 JSON."""
EVENT_DATA_MAX_DEPTH: Final = 64
"""Objects and arrays nested in `data`."""

# --- the layer artefact: what `python -m layer` writes and the program reads ---
LAYER_ZIP: Final = "layer.zip"
LAYER_MANIFEST: Final = "manifest.json"
LAYER_ARTIFACT_DIR: Final = "build/layer"
"""Relative to the repository (the `layerArtifactDir` config default)."""
SEED_LAYER_ARTIFACT_DIR: Final = "build/layer-seed"
"""Where the seed recipe's layers go (benchmarks only, never deployed)."""
BASE_LAYER_ARTIFACT_DIR: Final = "build/layer-base"
"""Where the base SDK's layers go when a stack sets `baseSdk` (the `baseLayerArtifactDir`
config default)."""
MIN_SDK_VERSION: Final = "1.6.0"
"""The oldest honeyhive the handlers run on (the tracer's `requests_session` and the client's
`api_config.timeout` arrived in 1.3.0; the bed claims and tests the 1.6 line and newer)."""
# Lambda's limits for a directly uploaded layer; strictly smaller is required (bytes).
LAYER_ZIPPED_MAX_BYTES: Final = 50 * 1024 * 1024
LAYER_UNZIPPED_MAX_BYTES: Final = 250 * 1024 * 1024


@dataclass(frozen=True)
class FunctionSpec:
    """A test function: its handler module in lambda_functions/, its Lambda settings, and the
    names of the spans one invocation exports (none for a function without the SDK)."""

    key: str
    memory_mb: int
    timeout_s: int
    description: str
    spans: tuple[str, ...] = ()
    seed_iterations: tuple[int, ...] = ()
    """The original plan's cold-start payloads (`{"iteration": i}`) for this function."""

    @property
    def uses_sdk(self) -> bool:
        """Whether it runs the SDK from the layer (and gets the HH_* variables and the key)."""
        return bool(self.spans)

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
            FunctionSpec(
                "working_sdk_test", 512, 30, "end to end through the SDK", ("working_sdk_test",)
            ),
            FunctionSpec(
                "cold_start_test",
                256,
                30,
                "SDK import and init at cold start",
                ("cold_start_test",),
                seed_iterations=(1, 2, 3),
            ),
            FunctionSpec(
                "basic_tracing",
                256,
                30,
                "nested spans with Lambda attributes",
                ("basic_tracing.handle", "basic_tracing.validate", "basic_tracing.transform"),
            ),
            FunctionSpec("baseline", 256, 30, "the same contract with no SDK (the floor)"),
        )
    }
)
SDK_FUNCTIONS: Final = tuple(key for key, spec in FUNCTIONS.items() if spec.uses_sdk)
BASELINE: Final = "baseline"
"""The function without the SDK that overhead numbers are measured against."""
BENCH_FUNCTION: Final = "working_sdk_test"
"""The SDK function whose cold starts the benchmark compares across layers."""
BASE_FUNCTION_SUFFIX: Final = "base"
"""With `baseSdk`, BENCH_FUNCTION again on the base SDK's layer: `honeyhive-S-<slug>-base`."""
