"""`make matrix`: one table over runtime x architecture. Here the combination it cannot run
(python3.12 on arm64: static checks only) end to end, and a suite report's row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.matrix.table import from_report, render
from infra.spec import REPO_ROOT

pytestmark = pytest.mark.slow


def test_python3_12_on_arm64_is_marked_static(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "matrix", "--runtime", "python3.12", "--arch",
         "arm64", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    (row,) = json.loads((tmp_path / "matrix.json").read_text())
    assert (row["combination"], row["how"], row["passed"]) == ("python3.12-arm64", "static", True)
    assert row["layer_unzipped_bytes"] > 10_000_000
    assert "| python3.12-arm64 | static checks only | yes |" in result.stdout
    assert result.stdout == (tmp_path / "matrix.md").read_text() + "\n"


def test_an_emulated_run_is_labelled_and_a_missing_report_fails(tmp_path: Path) -> None:
    report = {
        "passed": True,
        "target": {"runtimes": {"python3.13-arm64": {
            "python": "3.13.5", "interpreterBuild": "Debian trixie packages, not AWS's",
            "emulated": True, "timeScale": 21.1}}},
        "functions": {"working_sdk_test": {
            "cold": {"init": {"p50": 30000.0}}, "warm": {"durationMs": {"p50": 250.0}}}},
        "tests": {"failures": []},
    }  # fmt: skip
    (tmp_path / "report.json").write_text(json.dumps(report))
    row = from_report("python3.13-arm64", tmp_path, tmp_path, tmp_path / "run.log")
    assert (row.how, row.passed, row.time_scale) == ("emulated", True, 21.1)
    line = render([row]).splitlines()[2]
    assert "run under qemu-user (21.1x slower)" in line
    assert "30000.0 (emulated)" in line and "250.0 (emulated)" in line
    missing = from_report("python3.14-arm64", tmp_path / "none", tmp_path, tmp_path / "run.log")
    assert not missing.passed and "no report" in missing.detail
