"""The post-deploy suite and its cold-start code against the real local target: `python -m
harness local serve --stack ci` (the real SDK layer) in a subprocess, the suite run as users run
it (`pytest tests/deployed --outputs FILE`), and the ways it must skip or fail."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.postdeploy.client import lambda_client
from harness.postdeploy.coldstart import (
    NONCE_VARIABLE,
    force_cold_start,
    preserved_configurations,
    variables,
)
from harness.postdeploy.events import SEED_EVENT
from harness.postdeploy.local_target import local_serve
from harness.postdeploy.target import FUNCTION_KEYS, Target, from_outputs_file
from infra.spec import BASELINE, REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(sdk_layer: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `ci` stack served locally (its layer, `sdk_layer`, built first); the outputs file."""
    directory = tmp_path_factory.mktemp("served")
    outputs = directory / "outputs.json"
    with local_serve("ci", outputs, directory / "serve.log"):
        yield outputs


def suite_env(summary: Path | None = None, path: str | None = None) -> dict[str, str]:
    """This environment without the CI variables that would change the suite's output."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"GITHUB_STEP_SUMMARY", "HH_READ_API_KEY"}
    }
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    if path is not None:
        env["PATH"] = path
    return env


def suite(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/deployed", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT, env=suite_env(path=path), capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip


@functools.cache
def suite_size() -> int:
    """How many tests the suite has (its parametrization follows infra.spec's functions)."""
    done = suite("--collect-only", "-q")
    match = re.search(r"^(\d+) tests? collected", done.stdout, re.MULTILINE)
    assert match, done.stdout[-2000:]
    return int(match[1])


@functools.cache
def snapstart_tests() -> int:
    """How many of them check SnapStart (they skip on a stack with `snapStart` off, as `ci`)."""
    done = suite("--collect-only", "-q")
    return len(re.findall(r"^tests/deployed/test_snapstart\.py::", done.stdout, re.MULTILINE))


def test_make_locals_run_checks_everything_and_a_missed_bound_fails_only_its_gate(
    sdk_layer: Path, tmp_path: Path
) -> None:
    """`python -m harness suite --local` (what `make local` runs) serves the stack, runs the
    whole suite against it as users run it, writes both reports and stops everything. One run
    shows both sides: every check passes against the local target, and a bound the SDK cannot
    meet (0.001 ms over baseline) fails exactly its gate, exit 1, named with its numbers."""
    outputs, summary = tmp_path / "outputs.json", tmp_path / "summary.md"
    key = f"hh_test_{uuid.uuid4().hex}"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "suite", "--local", "--stack", "ci",
         "--outputs", str(outputs), "--", "-p", "no:cacheprovider", "--cold-starts", "2",
         "--warm-invokes", "3", "--max-cold-overhead-ms", "0.001",
         "--max-warm-overhead-ms", "600000", "--report-dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False,
        env={**suite_env(summary), "HH_API_KEY": key},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-5000:] + done.stderr[-3000:]
    sdk = [key for key in FUNCTION_KEYS if key != BASELINE]
    skipped = snapstart_tests()
    passed = suite_size() - len(sdk) - skipped
    assert f"{len(sdk)} failed, {passed} passed, {skipped} skipped" in done.stdout
    assert "post-deploy: cold start 2/2 of baseline: init" in done.stdout  # live progress
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["passed"] is False and report["target"]["kind"] == "local"
    failures = {f["test"]: f["message"] for f in report["tests"]["failures"]}
    test = (
        "tests/deployed/test_cold_and_warm.py::test_cold_start_overhead_over_baseline_within_bound"
    )
    assert set(failures) == {f"{test}[{key}]" for key in sdk}
    assert all("above --max-cold-overhead-ms 0.001 ms" in m for m in failures.values())
    overhead = report["functions"]["working_sdk_test"]["sdkOverheadMs"]
    # The report keeps 3 decimals and the message prints 1: compare the numbers, not the text
    # (772.65 rounds to 772.6 or 772.7 depending on the digits the report dropped).
    shown = re.search(
        r"working_sdk_test: \S+ Duration p50 [\d.]+ ms is ([\d.]+) ms over", done.stdout
    )
    assert shown is not None, done.stdout[-3000:]
    assert abs(float(shown.group(1)) - overhead) <= 0.051
    assert set(report["functions"]) == set(FUNCTION_KEYS)
    for name, function in report["functions"].items():
        assert len(function["cold"]["initMs"]) == 2, name
        assert all(value > 0 for value in function["cold"]["initMs"])
        assert function["warm"]["samples"] == 3 and function["warm"]["durationMs"]["p50"] > 0
        assert function["cold"]["costPer1000Usd"] > function["warm"]["costPer1000Usd"] > 0
        assert function["maxMemoryUsedMb"] > 0
    assert all(isinstance(report["sdkOverheadMs"][name], float) for name in sdk)
    markdown = (tmp_path / "report.md").read_text()
    for name in FUNCTION_KEYS:
        assert f"| {name} | x86_64 |" in markdown
    assert "**FAILED**" in markdown
    assert summary.read_text() == markdown + "\n"
    assert "post-deploy report" in done.stdout and markdown.splitlines()[0] in done.stdout
    assert key not in done.stdout + done.stderr + markdown + json.dumps(report)
    assert "suite: stopped the local stack" in done.stderr
    assert not outputs.exists(), "serve removes its outputs when it stops"


def _target(outputs: Path) -> tuple[Target, Any]:
    target = from_outputs_file(outputs)
    return target, lambda_client(target)


def test_configuration_is_restored_when_the_run_fails(served: Path) -> None:
    target, client = _target(served)
    name = target.functions["working_sdk_test"].name
    before = variables(client.get_function_configuration(FunctionName=name))
    with (
        pytest.raises(RuntimeError, match="a check blew up"),
        preserved_configurations(client, [name]) as preserved,
    ):
        cold = force_cold_start(client, name, SEED_EVENT, nonce="n-1")
        assert cold.cold and (cold.body or {}).get("coldStart") is True
        during = variables(client.get_function_configuration(FunctionName=name))
        assert during == {**before, NONCE_VARIABLE: "n-1"}  # every other variable kept
        raise RuntimeError("a check blew up")
    assert (preserved.problems, preserved.restored) == ([], [name])
    assert variables(client.get_function_configuration(FunctionName=name)) == before


def test_a_nonce_left_by_a_killed_run_is_not_restored(served: Path) -> None:
    target, client = _target(served)
    name = target.functions["baseline"].name
    before = variables(client.get_function_configuration(FunctionName=name))
    force_cold_start(client, name, SEED_EVENT, nonce="left-behind")
    with preserved_configurations(client, [name]) as preserved:
        pass
    assert preserved.problems == []
    assert variables(client.get_function_configuration(FunctionName=name)) == before


def test_without_a_target_the_suite_skips_and_says_how_to_run_it() -> None:
    done = suite("-rs")
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{suite_size()} skipped" in done.stdout
    assert "post-deploy suite: no target; pass --outputs FILE or --stack S" in done.stdout


def test_stack_without_the_pulumi_cli_skips_with_the_reason(tmp_path: Path) -> None:
    bare = f"{tmp_path}"  # nothing on PATH: the suite runs from the venv's python by full path
    assert shutil.which("pulumi", path=bare) is None
    done = suite("--stack", "gh-main", "-rs", path=bare)
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{suite_size()} skipped" in done.stdout
    assert (
        "--stack gh-main reads `pulumi stack output --json`, but the Pulumi CLI is not on PATH"
        in done.stdout
    )
