"""The docs' tables that restate code say what the code says: one source per fact, the code's.

Runtimes are compared in tests/infra/test_runtimes.py (they were first)."""

from __future__ import annotations

import re
import tomllib
from typing import cast

import pulumi
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from harness.bench.cli import DEFAULT_COUNT_ROUNDS, DEFAULT_MAX_COLD_STARTS
from harness.bench.compare import DEFAULT_TOLERANCE
from harness.bench.gate import DEFAULT_COUNT_TOLERANCE, MEMORY_SLACK, SYSCALL_SLACK
from harness.bench.run import EXTRA_ROUNDS
from harness.postdeploy.measure import SuiteOptions
from infra.settings import DEFAULTS, KNOWN_KEYS, parse_settings
from infra.spec import (
    ARCHITECTURES,
    FLUSH_TIMEOUT_MS_RANGE,
    FUNCTIONS,
    LOG_FORMATS,
    MIN_SDK_VERSION,
    PROJECT,
    REPO_ROOT,
    SUPPORTED_RUNTIMES,
)
from infra.stack import sdk_environment
from layer.pins import parse_pin
from policy.hhguard import POLICIES, limits
from tests.workflows.files import SDK_CALLER, load

DOCS = REPO_ROOT / "docs"


def _table(page: str, header: str) -> list[list[str]]:
    """The rows of the table whose header row starts with `header`, as stripped cells."""
    lines = (DOCS / page).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _name(cell: str) -> str:
    return cell.split(maxsplit=1)[0].strip("`")


def test_the_settings_table_has_every_key_and_its_default() -> None:
    rows = {_name(row[0]): row[1] for row in _table("settings.md", "| key | default |")}
    missing, stale = sorted(set(KNOWN_KEYS) - set(rows)), sorted(set(rows) - set(KNOWN_KEYS))
    assert (missing, stale) == ([], []), (
        f"docs/settings.md's configuration table: add rows for {missing}, remove {stale} "
        "(infra/settings.py KNOWN_KEYS)"
    )
    for key, default in DEFAULTS.items():
        shown = rows[key]
        if default:
            assert shown.startswith(f"`{default}`"), (key, shown)
        else:
            assert shown.startswith("empty"), (key, shown)


def test_the_settings_table_lists_what_each_choice_allows() -> None:
    allowed = {_name(row[0]): row[2] for row in _table("settings.md", "| key | default |")}
    for key, choices in (
        ("runtime", SUPPORTED_RUNTIMES),
        ("architecture", ARCHITECTURES),
        ("logFormat", LOG_FORMATS),
    ):
        assert allowed[key].startswith(", ".join(f"`{choice}`" for choice in choices)), key
    low, high = FLUSH_TIMEOUT_MS_RANGE
    assert allowed["flushTimeoutMs"] == f"{low}\N{EN DASH}{high}"


def test_the_functions_table_is_the_spec() -> None:
    rows = _table("settings.md", "| function | memory | timeout |")
    assert [_name(row[0]) for row in rows] == list(FUNCTIONS)
    for row in rows:
        spec = FUNCTIONS[_name(row[0])]
        assert row[1:4] == [
            f"{spec.memory_mb} MB",
            f"{spec.timeout_s} s",
            "SDK" if spec.uses_sdk else "none",
        ], row


def test_the_environment_table_is_what_the_program_sets() -> None:
    settings = parse_settings(
        "ci",
        {
            "aws:region": "us-east-1",
            f"{PROJECT}:hhApiUrl": "https://api.honeyhive.ai",
            f"{PROJECT}:hhApiKey": "k",
        },
    )
    environment = sdk_environment(settings, cast(pulumi.Output[str], "k"))
    rows = _table("settings.md", "| variable | value |")
    assert [_name(row[0]) for row in rows] == list(environment)
    assert ["`false`" in row[1] for row in rows if _name(row[0]) == "HH_TEST_MODE"] == [True]
    assert environment["HH_TEST_MODE"] == "false"


def test_the_rules_table_is_the_pack() -> None:
    rows = _table("policy.md", "| policy | checks |")
    shown = {_name(row[0]): row[0] for row in rows}
    assert list(shown) == [policy.name for policy in POLICIES], (
        "docs/policy.md's rules table lists the pack's policies in the pack's order "
        "(policy/hhguard POLICIES)"
    )
    for policy in POLICIES:
        cell = shown[policy.name]
        assert ("(stack)" in cell) == isinstance(policy, StackValidationPolicy), cell
        advisory = policy.enforcement_level == EnforcementLevel.ADVISORY
        assert ("(advisory)" in cell) == advisory, cell


def _locked_release() -> str:
    for line in (REPO_ROOT / "layer" / "requirements.in").read_text().splitlines():
        pin = parse_pin(line)
        if pin is not None and pin[0] == "honeyhive":
            return pin[1]
    raise AssertionError("layer/requirements.in pins no honeyhive")


def test_the_readme_names_the_locked_release_and_the_minimum() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert f"The locked release is honeyhive {_locked_release()}**" in readme
    assert f"honeyhive **{MIN_SDK_VERSION}** and newer" in readme
    assert f"honeyhive **{MIN_SDK_VERSION}** and newer" in (DOCS / "sdk-under-test.md").read_text()


def _releases() -> list[tuple[str, str]]:
    """(version, commit) of each release in CHANGELOG.md, newest first."""
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    return re.findall(
        r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\n\nCommit: ([0-9a-f]{40})$", text, re.M
    )


def test_the_version_the_changelog_and_the_sample_pin_agree() -> None:
    releases = _releases()
    assert releases, "CHANGELOG.md lists no release with its commit"
    newest, commit = releases[0]
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == newest
    (job,) = load(SDK_CALLER)["jobs"].values()
    assert job["uses"].endswith(f"/.github/workflows/deploy.yml@{commit}")
    assert re.search(rf"deploy\.yml@{commit} # v{re.escape(newest)}$", SDK_CALLER.read_text(), re.M)
    assert f"({newest})" in (REPO_ROOT / "README.md").read_text()


def _rule_limits() -> dict[str, list[str]]:
    """What each rule's row must name: the pack's defaults (policy/hhguard/limits.py)."""
    return {
        "allowed-resource-types": [f"`{t}`" for t in limits.ALLOWED_TYPES]
        + [f"`{t}`" for t in limits.ALLOWED_TYPES_BY_PROJECT[limits.BOOTSTRAP_PROJECT][:1]]
        + [f"`{limits.BOOTSTRAP_PROJECT}`"],
        "resource-names": [f"`{limits.NAME_PREFIX}`"],
        "iam-no-wildcard-resources": [f"`{a}`" for a in limits.WILDCARD_RESOURCE_ACTIONS]
        + [f"`{arn}`" for arn in limits.ALLOWED_WILDCARD_ARNS],
        "iam-managed-policies": [f"`{p}`" for p in limits.ALLOWED_AWS_MANAGED_POLICIES],
        "lambda-runtime": [", ".join(limits.ALLOWED_RUNTIMES)],
        "lambda-runtime-deprecation": [f"({limits.DEPRECATION_WARNING_DAYS})"],
        "lambda-limits": [
            f"memory ≤ {limits.MAX_MEMORY_MB} MB",
            f"timeout ≤ {limits.MAX_TIMEOUT_SECONDS} s",
            f"≤ {limits.MAX_LAYERS} layers",
        ],
        "lambda-api-url": [f"`{v}`" for v in limits.API_URL_VARIABLES]
        + [f"`{h}`" for h in limits.HONEYHIVE_API_HOSTS],
        "stack-expiry": [f"({limits.MAX_TTL_HOURS};", f"`{limits.EPHEMERAL_STACK_PREFIX}`"],
        "lambda-log-groups": [
            f"between {limits.MIN_RETENTION_DAYS} and {limits.MAX_RETENTION_DAYS} days"
        ],
        "layer-archive-size": [f"under {limits.MAX_LAYER_ZIPPED_MB} MB"],
    }


def test_the_rules_table_names_the_pack_s_defaults() -> None:
    rows = {_name(row[0]): row[1] for row in _table("policy.md", "| policy | checks |")}
    for rule, facts in _rule_limits().items():
        for fact in facts:
            assert fact in rows[rule], (rule, fact)


def _prose(page: str) -> str:
    """The page with its line breaks and runs of spaces as single spaces."""
    return " ".join((DOCS / page).read_text().split())


def _makefile_default(variable: str) -> str:
    match = re.search(rf"^{variable} \?= (\S+)$", (REPO_ROOT / "Makefile").read_text(), re.M)
    assert match, f"the Makefile has no default for {variable}"
    return match[1]


def test_the_suite_s_documented_defaults_are_its_own() -> None:
    suite = SuiteOptions()
    text = _prose("suite-and-report.md")
    for shown in (
        f"`--cold-starts N` ({suite.cold_starts})",
        f"`--warm-invokes N` ({suite.warm_invokes})",
        f"`--max-reforces N` ({suite.max_reforces}",
        f"`--max-cold-overhead-ms` ({suite.max_cold_overhead_ms:g})",
        f"`--max-warm-overhead-ms` ({suite.max_warm_overhead_ms:g})",
        f"`--cold-target-ms` ({suite.cold_target_ms:g})",
        f"`--warm-target-ms` ({suite.warm_target_ms:g})",
        "| `make local` | CI on AWS (`deploy.yml`) |",
    ):
        assert shown in text, shown
    local = _table("suite-and-report.md", "| what | kind |")
    gates = {row[2].split()[0].strip("`"): row[3] for row in local if row[1] == "gate"}
    assert gates["--max-cold-overhead-ms"] == _makefile_default("LOCAL_MAX_COLD_OVERHEAD_MS")
    assert gates["--max-warm-overhead-ms"] == _makefile_default("LOCAL_MAX_WARM_OVERHEAD_MS")
    assert f"`LOCAL_MAX_COLD_OVERHEAD_MS` (default {gates['--max-cold-overhead-ms']}" in (
        _prose("local-runtime.md")
    )


def test_the_bench_s_documented_defaults_are_its_own() -> None:
    text = _prose("benchmark.md")
    for shown in (
        f"`--tolerance` ({DEFAULT_TOLERANCE:.2f})",
        f"(`COLD_STARTS`, {_makefile_default('COLD_STARTS')})",
        f"{EXTRA_ROUNDS} more rounds at a time",
        f"(`MAX_COLD_STARTS`, {_makefile_default('MAX_COLD_STARTS')})",
    ):
        assert shown in text, shown
    assert _makefile_default("MAX_COLD_STARTS") == str(DEFAULT_MAX_COLD_STARTS)
    readme = " ".join((REPO_ROOT / "README.md").read_text().split())
    assert f"more than {DEFAULT_TOLERANCE:.0%}" in readme


def test_the_instruction_gate_s_documented_defaults_are_its_own() -> None:
    text = _prose("benchmark.md")
    calls, calls_share = SYSCALL_SLACK
    memory, memory_share = MEMORY_SLACK
    for shown in (
        f"`--count-rounds N` (`COUNT_ROUNDS`, {_makefile_default('COUNT_ROUNDS')})",
        f"`--count-tolerance F` ({DEFAULT_COUNT_TOLERANCE:g})",
        f"more than {calls} calls and {calls_share:.0%} of base's count",
        f"more than {memory >> 20} MiB and {memory_share:.0%}",
        "`LOCAL_MAX_COLD_STARTS` (default `COLD_STARTS`",
    ):
        assert shown in text, shown
    assert _makefile_default("COUNT_ROUNDS") == str(DEFAULT_COUNT_ROUNDS)
    assert _makefile_default("LOCAL_MAX_COLD_STARTS") == "$(COLD_STARTS)"
    readme = " ".join((REPO_ROOT / "README.md").read_text().split())
    assert f"{DEFAULT_COUNT_TOLERANCE:.0%} tolerance" in readme
