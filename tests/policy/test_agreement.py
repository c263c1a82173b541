"""The pack runs alone (the Pulumi CLI starts it without this repository on its path), so it
keeps its own copies of the facts infra/spec.py owns; these tests pin each copy to the spec."""

from __future__ import annotations

import yaml

from infra import snapstart as program
from infra.naming import BRANCH_STACK_PREFIX
from infra.runtimes import PYTHON_RUNTIMES
from infra.spec import (
    API_URL_VARIABLES,
    ENV_API_KEY,
    ENV_API_URL,
    ENV_PROJECT,
    ENV_SOURCE,
    ENV_TEST_MODE,
    EXPIRES_AT_FORMAT,
    FLUSH_TIMEOUT_ENV,
    FUNCTIONS,
    HONEYHIVE_API_HOSTS,
    LAMBDA_SERVICE_PRINCIPAL,
    LAYER_DESCRIPTION_TEMPLATE,
    LAYER_ZIPPED_MAX_BYTES,
    LOCAL_ONLY_STACK,
    LOG_GROUP_PREFIX,
    LOOPBACK_HOSTS,
    NAME_PREFIX,
    NEVER_EXPIRES,
    REPO_ROOT,
    REQUIRED_TAGS,
    SUPPORTED_RUNTIMES,
    TAG_EXPIRES_AT,
)
from policy.hhguard import expiry, limits, runtimes, trust
from policy.hhguard import snapstart as pack

MIB = 1024 * 1024


def test_runtimes_tags_and_prefixes() -> None:
    assert limits.ALLOWED_RUNTIMES == SUPPORTED_RUNTIMES
    assert limits.REQUIRED_TAGS == REQUIRED_TAGS
    assert limits.NAME_PREFIX == NAME_PREFIX
    assert limits.LAMBDA_LOG_GROUP_PREFIX == LOG_GROUP_PREFIX
    assert trust.LAMBDA_SERVICE == LAMBDA_SERVICE_PRINCIPAL


def test_where_the_key_may_go() -> None:
    assert limits.HONEYHIVE_API_HOSTS == HONEYHIVE_API_HOSTS
    assert limits.LOOPBACK_HOSTS == LOOPBACK_HOSTS
    assert ENV_API_URL in limits.API_URL_VARIABLES
    assert limits.API_URL_VARIABLES == API_URL_VARIABLES


def test_expiry() -> None:
    assert (expiry.EXPIRES_AT_TAG, expiry.NEVER, expiry.TIME_FORMAT) == (
        TAG_EXPIRES_AT,
        NEVER_EXPIRES,
        EXPIRES_AT_FORMAT,
    )
    assert limits.EPHEMERAL_STACK_PREFIX == BRANCH_STACK_PREFIX
    deploy = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    assert 0 < float(deploy["env"]["STACK_TTL_HOURS"]) <= limits.MAX_TTL_HOURS


def test_the_bootstrap_project_name() -> None:
    project = yaml.safe_load((REPO_ROOT / "bootstrap" / "Pulumi.yaml").read_text())
    assert project["name"] == limits.BOOTSTRAP_PROJECT


def test_the_runtime_dates() -> None:
    assert runtimes.SOURCE_URL
    assert {
        identifier: (r.deprecated, r.create_blocked, r.update_blocked)
        for identifier, r in PYTHON_RUNTIMES.items()
    } == {identifier: tuple(dates) for identifier, dates in runtimes.PYTHON_RUNTIME_DATES.items()}


def test_the_layer_size_limit() -> None:
    assert limits.MAX_LAYER_ZIPPED_MB * MIB == LAYER_ZIPPED_MAX_BYTES


def test_every_function_fits_the_packs_lambda_limits() -> None:
    for spec in FUNCTIONS.values():
        assert spec.memory_mb <= limits.MAX_MEMORY_MB, spec.key
        assert spec.timeout_s <= limits.MAX_TIMEOUT_SECONDS, spec.key


def test_the_snapstart_facts_are_the_programs() -> None:
    assert pack.SNAPSTART_DOC_URL == program.SNAPSTART_DOC_URL
    assert pack.SNAPSTART_MIN_PYTHON == program.SNAPSTART_MIN_PYTHON
    assert pack.EPHEMERAL_STORAGE_MAX_MB == program.EPHEMERAL_STORAGE_MAX_MB
    for runtime in ("python3.11", "python3.12", "python3.13", "python3.14", "python3", "java21"):
        assert pack.runtime_supports_snapstart(runtime) == program.runtime_supports_snapstart(
            runtime
        ), runtime


def test_the_pinned_provider_the_layer_description_and_the_function_environment() -> None:
    pins = dict(
        line.split("==", 1)
        for line in (REPO_ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert pins["pulumi_aws"] == limits.AWS_PROVIDER_VERSION
    assert limits.LAYER_DESCRIPTION_TEMPLATE == LAYER_DESCRIPTION_TEMPLATE
    # every variable the program can set, and nothing else
    assert set(limits.FUNCTION_ENV_VARIABLES) == {
        ENV_API_KEY,
        ENV_API_URL,
        ENV_PROJECT,
        ENV_SOURCE,
        ENV_TEST_MODE,
        FLUSH_TIMEOUT_ENV,
    }
    assert limits.LOOPBACK_STACKS == (LOCAL_ONLY_STACK,)
