"""How the suite's tests fail: with every problem at once, redacted, without a traceback."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from harness.postdeploy.measure import FunctionRun, RunRecord


def require(run: RunRecord, problems: Iterable[str]) -> None:
    """Fail with every problem (redacted: no message may carry the API key)."""
    found = [run.redact(problem) for problem in problems]
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def phase_problems(function: FunctionRun, *phases: str) -> list[str]:
    return [
        f"{function.output.key}: the {phase} phase failed: {function.errors[phase]}"
        for phase in phases
        if phase in function.errors
    ]
