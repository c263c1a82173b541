"""bench.md: both SDKs named first, then the verdict, the medians and the import diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.bench.output import render, write


def series(function: str, version: str | None, p50: float, errors: list[str]) -> dict[str, Any]:
    return {
        "function": function, "name": f"honeyhive-bench-{function}", "sdkVersion": version,
        "initMs": [p50] * 5,
        "init": {"count": 5, "p50": p50, "p95": p50 + 40, "min": p50, "max": p50 + 50, "mean": p50},
        "sdkImport": None, "importProfiles": 3,
        "imports": {"modules": 900, "sdkTotalMs": p50 - 200, "top": []}, "errors": errors,
    }  # fmt: skip


def document(
    verdict: str | None = "regression",
    errors: list[str] | None = None,
    *,
    conclusive: bool = True,
    rounds: tuple[int, int, int] = (5, 5, 5),
) -> dict[str, Any]:
    compared: dict[str, Any] = {
        "medianInitMs": {"head": 1550.0, "base": 1250.0, "baseline": 120.0},
        "headMinusBaseMs": 300.0, "headMinusBaselineMs": 1430.0, "baseMinusBaselineMs": 1130.0,
    }  # fmt: skip
    if verdict:
        compared |= {"headOverBase": 1.24, "statistic": "20%-trimmed geometric means",
                     "confidenceInterval": [1.17, 1.31], "confidenceLevel": 0.95,
                     "method": "BCa", "tolerance": 0.1, "verdict": verdict,
                     "conclusive": conclusive}  # fmt: skip
    else:
        compared |= {"verdict": None, "reason": "head has 2 cold-start samples"}
    return {
        "schema": 2, "runtime": "python3.13", "architecture": "x86_64",
        "target": {"kind": "local", "source": "stack bench (local)", "region": "us-east-1"},
        "sdks": {"head": "honeyhive 1.8.0.dev1 (tree 0a1b2c3d4e5f+dirty)",
                 "base": "honeyhive 1.7.0 (release)"},
        "coldStarts": rounds[0], "coldStartsPlanned": list(rounds[1:]), "importProfiles": 3,
        "startedAt": "s", "finishedAt": "f",
        "series": {"head": series("working_sdk_test", "1.8.0.dev1", 1550.0, errors or []),
                   "base": series("working_sdk_test", "1.7.0", 1250.0, []),
                   "baseline": series("baseline", None, 120.0, [])},
        "comparison": compared,
        "importDiff": {"sdkTotalDeltaMs": 301.5, "modules": [
            {"module": "honeyhive.api.slow", "selfDeltaMs": 300.2, "cumulativeDeltaMs": 300.2,
             "status": "new"},
            {"module": "honeyhive.api", "selfDeltaMs": 0.4, "cumulativeDeltaMs": 301.0,
             "status": "changed"}]},
    }  # fmt: skip


def test_the_first_lines_name_both_sdks_then_the_verdict() -> None:
    lines = render(document()).splitlines()
    assert lines[0] == "# SDK cold-start benchmark: local, python3.13 x86_64"
    assert lines[2] == (
        "Head: **honeyhive 1.8.0.dev1 (tree 0a1b2c3d4e5f+dirty)** · Base: **honeyhive 1.7.0 "
        "(release)**"
    )
    assert lines[4] == "Instruction gate: **not run** (`--no-count`, or a deployed stack)."
    assert lines[6] == (
        "Wall-time verdict: **regression**: head/base 1.240 of the cold inits' 20%-trimmed "
        "geometric means, 95% CI [1.170, 1.310] (BCa bootstrap); tolerance 10%."
    )


def test_the_import_diff_puts_the_culprit_first() -> None:
    markdown = render(document())
    assert "SDK import total: +301.5 ms." in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| `honeyhive")]
    assert rows[0] == "| `honeyhive.api.slow` | +300.2 | +300.2 | new |"
    assert rows[1] == "| `honeyhive.api` | +0.4 | +301.0 |  |"


def test_the_medians_are_a_chart_and_a_table() -> None:
    markdown = render(document())
    assert 'x-axis ["head", "base", "baseline"]' in markdown
    assert "bar [1550.0, 1250.0, 120.0]" in markdown
    assert "| head - base | +300.0 ms |" in markdown


def test_no_verdict_and_errors_are_shown() -> None:
    markdown = render(document(verdict=None, errors=["head: request r1 answered 500"]))
    assert "Wall-time verdict: **not measured**: head has 2 cold-start samples" in markdown
    assert "## Errors\n\n- head: request r1 answered 500" in markdown


def test_the_markdown_goes_to_the_job_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps\n")
    _, md_path, markdown = write(
        document(), tmp_path / "out", {"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert md_path.read_text() == markdown
    assert summary.read_text() == "earlier steps\n" + markdown + "\n"


def test_an_inconclusive_no_change_says_so_and_how_many_rounds_ran() -> None:
    lines = render(document("no change", conclusive=False, rounds=(40, 10, 40))).splitlines()
    assert lines[8] == (
        "Inconclusive: after 40 cold starts per side the interval still crosses 0.90 or 1.10; a "
        "difference within it cannot be told from this machine's noise (raise "
        "`--max-cold-starts`)."
    )
    assert lines[10].startswith(
        "40 forced cold starts per side (10, then more until the verdict was conclusive, at "
        "most 40), interleaved"
    )


@pytest.mark.parametrize(
    ("rounds", "said"),
    [((10, 10, 40), "10 forced cold starts per side (the verdict was conclusive after the first "
      "10), interleaved"),
     ((5, 5, 5), "5 forced cold starts per side, interleaved")],
)  # fmt: skip
def test_a_conclusive_verdict_names_its_rounds(rounds: tuple[int, int, int], said: str) -> None:
    markdown = render(document(rounds=rounds))
    assert said in markdown
    assert "Inconclusive" not in markdown
