"""The post-deploy suite's command-line options.

Registered from tests/conftest.py: pytest parses the command line with the options of the
conftest files it loads first, and from the repository root (`testpaths = ["tests"]`) that is
tests/conftest.py but not tests/deployed/conftest.py, so `pytest --outputs FILE` would not parse.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness.postdeploy.measure import SuiteOptions

DEFAULTS = SuiteOptions()


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {value!r}")
    return int(value)


def _whole(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value!r}")
    return number


def _milliseconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number of milliseconds > 0, got {value!r}")
    return number


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("post-deploy", "the post-deploy suite (tests/deployed)")
    group.addoption(
        "--outputs",
        type=Path,
        help="stack outputs JSON: `python -m harness local serve` writes one (with endpointUrl)",
    )
    group.addoption("--stack", help="read the outputs with `pulumi stack output --json --stack S`")
    group.addoption(
        "--cold-starts",
        type=_whole,
        default=DEFAULTS.cold_starts,
        help=f"forced cold starts per function (default {DEFAULTS.cold_starts})",
    )
    group.addoption(
        "--max-reforces",
        type=_count,
        default=DEFAULTS.max_reforces,
        help="how often one forced cold start is forced again while it lands on an environment "
        "initialized before the invoke (proactive initialization; default "
        f"{DEFAULTS.max_reforces})",
    )
    group.addoption(
        "--warm-invokes",
        type=_whole,
        default=DEFAULTS.warm_invokes,
        help=f"warm invokes per function (default {DEFAULTS.warm_invokes})",
    )
    group.addoption(
        "--cold-target-ms",
        type=_milliseconds,
        default=DEFAULTS.cold_target_ms,
        help="reported, not gated: Init Duration p50 target per function "
        f"(default {DEFAULTS.cold_target_ms:g}, the seed's)",
    )
    group.addoption(
        "--warm-target-ms",
        type=_milliseconds,
        default=DEFAULTS.warm_target_ms,
        help="reported, not gated: warm Duration p50 target per function "
        f"(default {DEFAULTS.warm_target_ms:g}, the seed's)",
    )
    group.addoption(
        "--max-cold-overhead-ms",
        type=_milliseconds,
        default=DEFAULTS.max_cold_overhead_ms,
        help="gate: an SDK function's Init Duration p50 minus baseline's "
        f"(default {DEFAULTS.max_cold_overhead_ms:g})",
    )
    group.addoption(
        "--max-warm-overhead-ms",
        type=_milliseconds,
        default=DEFAULTS.max_warm_overhead_ms,
        help="gate: an SDK function's warm Duration p50 minus baseline's "
        f"(default {DEFAULTS.max_warm_overhead_ms:g})",
    )
    group.addoption(
        "--report-dir",
        type=Path,
        help="where report.json and report.md go (default build/local or build/aws)",
    )


def settings(config: pytest.Config) -> SuiteOptions:
    return SuiteOptions(
        cold_starts=config.getoption("--cold-starts"),
        warm_invokes=config.getoption("--warm-invokes"),
        cold_target_ms=config.getoption("--cold-target-ms"),
        warm_target_ms=config.getoption("--warm-target-ms"),
        max_cold_overhead_ms=config.getoption("--max-cold-overhead-ms"),
        max_warm_overhead_ms=config.getoption("--max-warm-overhead-ms"),
        max_reforces=config.getoption("--max-reforces"),
    )
