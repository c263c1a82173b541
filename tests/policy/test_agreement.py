"""The pack runs alone (the Pulumi CLI starts it without this repository on its path), so it
keeps its own copies of the facts infra/spec.py owns; these tests pin each copy to the spec."""

from __future__ import annotations

from infra.runtimes import PYTHON_RUNTIMES
from infra.spec import (
    FUNCTIONS,
    LAMBDA_SERVICE_PRINCIPAL,
    LAYER_ZIPPED_MAX_BYTES,
    LOG_GROUP_PREFIX,
    NAME_PREFIX,
    REQUIRED_TAGS,
    SUPPORTED_RUNTIMES,
)
from policy.hhguard import limits, runtimes, stack_rules

MIB = 1024 * 1024


def test_runtimes_tags_and_prefixes() -> None:
    assert limits.ALLOWED_RUNTIMES == SUPPORTED_RUNTIMES
    assert limits.REQUIRED_TAGS == REQUIRED_TAGS
    assert limits.NAME_PREFIX == NAME_PREFIX
    assert limits.LAMBDA_LOG_GROUP_PREFIX == LOG_GROUP_PREFIX
    assert stack_rules.LAMBDA_SERVICE == LAMBDA_SERVICE_PRINCIPAL


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
